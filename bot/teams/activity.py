"""An inbound activity's JSON made into a `botbuilder.schema.Activity`, without msrest's parser.

`Activity().deserialize(body)` cost ~13% of a panel-vote request's CPU (about 1 ms): on every
call msrest rebuilds its table of model classes, copies each attribute description, runs
several extractors per attribute and parses timestamps with isodate. The models themselves
are plain: an `_attribute_map` says, per attribute, which JSON key it comes from and what
type it is. Here that map is turned once per class into a plan (JSON key -> attribute and
converter), and an activity is built with dictionary look-ups.

The result must be exactly msrest's (msrest 0.7.1 as pinned by botbuilder 4.17.1), so the
fast path only does what it knows msrest does:

- values must already have the declared JSON type (a `str` for "str", a `bool` for "bool",
  an `int` for "int", a `float` for "float", a `list` for "[T]", a `dict` for "{T}" and for
  models); msrest would coerce others (`str(5)`, `"true"` -> True...), and we let it;
- "object" values are copied the way msrest copies them (new dicts and lists, same scalars);
- "iso-8601" strings are parsed only in the extended form `YYYY-MM-DDThh:mm:ss[.f+][Z|±hh[[:]mm]]`,
  with msrest's truncation of fractions to six digits and isodate's tzinfo objects (`UTC`
  for "Z", `FixedOffset` otherwise, naive without a zone);
- JSON keys no attribute claims go, as the same objects, into `additional_properties`;
- every model is created the way msrest creates it: `cls(**all_attributes)`.

Anything else (another value type, another date form, an enum, a flattened "a.b" key, a
polymorphic or read-only model, a type name msrest knows and we do not) makes the whole body
go to `Activity().deserialize`, so the result, or the exception, is msrest's own.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Callable
from datetime import datetime, tzinfo
from enum import Enum
from typing import Any

from botbuilder.schema import Activity
from isodate.tzinfo import UTC, FixedOffset  # type: ignore[import-untyped]
from msrest.serialization import Deserializer, Model

log = logging.getLogger(__name__)

Convert = Callable[[Any], Any]


class _Unsure(Exception):
    """The fast path cannot be certain to do what msrest would; msrest decides."""


def _unsure(_value: Any) -> Any:
    raise _Unsure


def _exactly(kind: type) -> Convert:
    """A converter that passes a value of exactly `kind` (msrest would convert others)."""

    def convert(value: Any) -> Any:
        if type(value) is kind:
            return value
        raise _Unsure

    return convert


_as_str = _exactly(str)


_JSON_SCALARS = frozenset({str, int, bool, float, type(None)})


def _copy_object(value: Any) -> Any:
    """msrest's "object": containers are rebuilt, JSON scalars kept; anything else is unsure."""
    kind = type(value)
    if kind in _JSON_SCALARS:
        return value
    if kind is dict:
        return {
            key: item if type(item) in _JSON_SCALARS else _copy_object(item)
            for key, item in value.items()
        }
    if kind is list:
        return [item if type(item) in _JSON_SCALARS else _copy_object(item) for item in value]
    raise _Unsure


# The one date form we parse ourselves: isodate's "extended complete" date and time, with
# ASCII digits, an upper-case T and Z, and nothing after the zone.
_ISO_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(Z|([+-])([0-9]{2})(?::?([0-9]{2}))?)?"
)


def _as_datetime(value: Any) -> Any:
    """msrest's "iso-8601" for the forms Teams sends, e.g. `2024-01-01T10:00:00.1234567Z`."""
    if type(value) is not str:
        raise _Unsure
    match = _ISO_DATETIME.fullmatch(value)
    if match is None:
        raise _Unsure
    year, month, day, hour, minute, second, fraction, zone, sign, zone_h, zone_m = match.groups()
    zone_info: tzinfo | None = None
    if zone == "Z":
        zone_info = UTC
    elif zone is not None:
        hours, minutes = int(zone_h), int(zone_m or 0)
        if hours * 60 + minutes >= 24 * 60:
            raise _Unsure  # Python refuses such an offset when msrest checks the UTC year
        factor = -1 if sign == "-" else 1
        zone_info = FixedOffset(factor * hours, factor * minutes, zone)
    if not 1 < int(year) < 9999:
        # msrest refuses a date whose UTC year leaves 1..9999; away from those two years an
        # offset under a day cannot take it there, so its check cannot fail and is skipped.
        raise _Unsure
    # msrest cuts the fraction to six digits before isodate reads it: truncation, no rounding.
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, zone_info
        )
    except ValueError as exc:  # a 13th month, a 25th hour, a leap second...
        raise _Unsure from exc


def _list_of(item: Convert) -> Convert:
    def convert(value: Any) -> Any:
        if type(value) is not list:
            raise _Unsure
        return [None if entry is None else item(entry) for entry in value]

    return convert


def _dict_of(item: Convert) -> Convert:
    def convert(value: Any) -> Any:
        if type(value) is not dict:
            raise _Unsure
        return {key: None if entry is None else item(entry) for key, entry in value.items()}

    return convert


_CONVERTERS: dict[str, Convert] = {
    "str": _as_str,
    "bool": _exactly(bool),
    "int": _exactly(int),
    "float": _exactly(float),
    "iso-8601": _as_datetime,
    "object": _copy_object,
}

# Every type name msrest handles before it looks a name up as a model class; those we have no
# converter for ("long", "date", "duration", "[]"...) are left to msrest.
_MSREST_TYPE_NAMES = frozenset(
    Deserializer().deserialize_type  # type: ignore[no-untyped-call]  # msrest is unannotated
) | frozenset(Deserializer.basic_types.values())


class ModelPlan:
    """How to build one msrest model class from its JSON object, worked out once."""

    __slots__ = ("model", "by_key", "blank", "map_size")

    def __init__(self, model: type) -> None:
        self.model = model
        self.by_key: dict[str, list[tuple[str, Convert]]] = {}
        self.blank: dict[str, Any] = {}
        self.map_size = len(model._attribute_map)  # type: ignore[attr-defined]

    def build(self, data: Any) -> Any:
        """The model msrest would make of `data`, or `_Unsure`."""
        model = self.model
        if type(data) is not dict or len(model._attribute_map) != self.map_size:  # type: ignore[attr-defined]
            # Not a JSON object, or the class's map was changed since it was planned.
            raise _Unsure
        kwargs = self.blank.copy()  # msrest passes every attribute, None when absent
        extra: dict[str, Any] | None = None
        for key, value in data.items():
            targets = self.by_key.get(key)
            if targets is None:
                if extra is None:
                    extra = {}
                extra[key] = value  # msrest keeps unknown keys' values as they are, uncopied
            elif value is not None:
                for attr, convert in targets:
                    if convert is not _as_str:
                        kwargs[attr] = convert(value)
                    elif type(value) is str:  # most fields: checked here, without a call
                        kwargs[attr] = value
                    else:
                        raise _Unsure
        made = model(**kwargs)
        if extra:
            made.additional_properties = extra
        return made


def _inherits(model: type, name: str) -> bool:
    """Whether `model` uses msrest's own `Model.<name>`, not an override we cannot mimic."""
    mine = getattr(getattr(model, name, None), "__func__", None)
    return mine is not None and mine is getattr(getattr(Model, name), "__func__", None)


def _plain_model(model: type) -> bool:
    """A model msrest builds with nothing but its attribute map (no special cases to mimic)."""
    if not (isinstance(model, type) and issubclass(model, Model)) or issubclass(model, Enum):
        return False
    if model.__dict__.get("_subtype_map") or getattr(model, "_subtype_map", None):
        return False  # polymorphic: msrest pops a discriminator and picks a subclass
    if not _inherits(model, "_classify"):
        return False
    validation = getattr(model, "_validation", {})
    if any(rule.get("readonly") or rule.get("constant") for rule in validation.values()):
        return False  # msrest sets these after construction or skips them
    attribute_map = model._attribute_map
    if "additional_properties" in attribute_map:
        return False  # msrest then treats additional properties differently
    for desc in attribute_map.values():
        key, type_name = desc.get("key"), desc.get("type")
        if not isinstance(key, str) or not key or "." in key or not isinstance(type_name, str):
            return False  # flattened ("a.b"), escaped or empty keys take msrest's other paths
    return True


class _Planner:
    """Plans for the models reachable from one class, resolved through msrest's name table."""

    def __init__(self, models: dict[str, Any]) -> None:
        self._models = models
        self._plans: dict[type, ModelPlan | None] = {}

    def plan(self, model: type) -> ModelPlan | None:
        if model in self._plans:
            return self._plans[model]
        if not _plain_model(model):
            self._plans[model] = None
            return None
        plan = ModelPlan(model)
        self._plans[model] = plan  # before its fields, so a model that contains itself finishes
        for attr, desc in model._attribute_map.items():  # type: ignore[attr-defined]
            plan.blank[attr] = None
            plan.by_key.setdefault(desc["key"], []).append((attr, self.converter(desc["type"])))
        return plan

    def converter(self, type_name: str) -> Convert:
        """msrest's `deserialize_data` dispatch, in its order, for one declared type."""
        known = _CONVERTERS.get(type_name)
        if known is not None:
            return known
        if type_name in _MSREST_TYPE_NAMES or not type_name:
            return _unsure
        ends = type_name[0] + type_name[-1]
        if ends == "[]":
            return _list_of(self.converter(type_name[1:-1]))
        if ends == "{}":
            return _dict_of(self.converter(type_name[1:-1]))
        target = self._models.get(type_name)
        plan = self.plan(target) if isinstance(target, type) else None
        return _unsure if plan is None else plan.build


def _models_for(model: type) -> dict[str, Any]:
    """The name -> class table msrest's `Model.deserialize` uses (`_infer_class_models`)."""
    package = sys.modules.get(model.__module__.rsplit(".", 1)[0])
    found = {k: v for k, v in vars(package).items() if isinstance(v, type)} if package else {}
    return found if model.__name__ in found else {model.__name__: model}


@functools.cache
def _activity_plan() -> ModelPlan | None:
    if not (_inherits(Activity, "deserialize") and _inherits(Activity, "_infer_class_models")):
        return None  # someone changed how Activity deserializes: only msrest knows
    return _Planner(_models_for(Activity)).plan(Activity)


def fast_activity_from_json(body: dict[str, Any]) -> Activity | None:
    """The activity msrest would make of `body`, or None where we are not certain of it."""
    plan = _activity_plan()
    if plan is None:
        return None
    try:
        return plan.build(body)
    except (_Unsure, RecursionError):
        # RecursionError: a very deep "object" value. Our copy spends more stack per level
        # than msrest's, so msrest either manages it or raises its own error.
        return None


def activity_from_json(body: dict[str, Any]) -> Activity:
    """`Activity().deserialize(body)`'s result (or exception), quickly for ordinary activities."""
    try:
        activity = fast_activity_from_json(body)
    except Exception:
        # A fault in the fast path must not change the answer: msrest still decides.
        log.warning("fast activity parse failed; using msrest", exc_info=True)
        activity = None
    if activity is None:
        activity = Activity().deserialize(body)
    return activity
