"""bot/teams/activity.py builds exactly the Activity msrest would, and itself for real traffic.

"Exactly" is checked deeper than `serialize()`, which drops `additional_properties` and
rounds timestamps to milliseconds in UTC: every attribute is compared with its type, down to
the datetimes' tzinfo class, offset, name and wall-clock fields.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import botbuilder.schema
import pytest
from botbuilder.schema import Activity, ChannelAccount
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msrest.serialization import Model

from bot.teams.activity import ModelPlan, activity_from_json, fast_activity_from_json

FIXTURES = sorted((Path(__file__).parent / "activities").glob("*.json"))
MODELS: dict[str, Any] = {k: v for k, v in vars(botbuilder.schema).items() if isinstance(v, type)}


def load(path: Path) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(path.read_text())
    return body


def assert_same(got: Any, want: Any, path: str = "activity") -> None:
    """Equal values of the same types all the way down (Model.__eq__ would not check types)."""
    assert type(got) is type(want), f"{path}: {type(got)} != {type(want)}"
    if isinstance(want, Model):
        assert vars(got).keys() == vars(want).keys(), path
        for name, value in vars(want).items():
            assert_same(vars(got)[name], value, f"{path}.{name}")
    elif isinstance(want, dict):
        assert got.keys() == want.keys(), path  # msrest's own key order is a set's order
        for key, value in want.items():
            assert_same(got[key], value, f"{path}[{key!r}]")
    elif isinstance(want, list):
        assert len(got) == len(want), path
        for i, (a, b) in enumerate(zip(got, want, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(want, datetime):
        assert got == want, path
        assert got.replace(tzinfo=None) == want.replace(tzinfo=None), path
        assert type(got.tzinfo) is type(want.tzinfo), path
        assert got.utcoffset() == want.utcoffset(), path
        assert got.tzname() == want.tzname(), path
    else:
        assert got == want, f"{path}: {got!r} != {want!r}"


def outcome(make: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", (activity, its serialization)) or ("raises", the exception's type)."""
    try:
        made = make()
    except Exception as exc:
        return "raises", type(exc)
    try:
        return "ok", (made, made.serialize())
    except Exception as exc:
        return "ok", (made, type(exc))


def assert_agrees_with_msrest(body: dict[str, Any]) -> None:
    before = copy.deepcopy(body)
    want = outcome(lambda: Activity().deserialize(body))
    got = outcome(lambda: activity_from_json(body))
    assert body == before, "the body was changed"
    assert got[0] == want[0], (got, want)
    if want[0] == "raises":
        assert got[1] is want[1]
    else:
        assert_same(got[1][0], want[1][0])
        assert_same(got[1][1], want[1][1], "serialize()")


# --- the recorded Teams activities -----------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_recorded_activities_take_the_fast_path_and_match(path: Path) -> None:
    body = load(path)
    fast = fast_activity_from_json(body)
    assert fast is not None, "a real Teams activity fell back to msrest"
    want = Activity().deserialize(body)
    assert_same(fast, want)
    assert fast.serialize() == want.serialize()
    assert_agrees_with_msrest(body)


def test_the_fixtures_are_there() -> None:
    assert len(FIXTURES) >= 5


def test_what_the_fast_path_builds_for_a_channel_invoke() -> None:
    body = load(Path(__file__).parent / "activities" / "card_action_invoke.json")
    activity = activity_from_json(body)
    assert isinstance(activity.from_property, ChannelAccount)
    assert activity.from_property.aad_object_id == "00000000-0000-4000-8000-000000000003"
    assert activity.conversation.is_group is True
    # The SDK's key is "tenantID": Teams' "tenantId" is an additional property, as with msrest.
    assert activity.conversation.tenant_id is None
    assert activity.conversation.additional_properties == {
        "tenantId": "00000000-0000-4000-8000-0000000000aa"
    }
    assert activity.timestamp == datetime.fromisoformat("2026-11-23T11:02:13.456789+00:00")
    assert activity.value["action"]["data"] == {"reference": "SSCP-2026-0001"}
    assert activity.additional_properties == {}


def test_objects_are_copied_and_unknown_keys_kept_as_msrest_does() -> None:
    body: dict[str, Any] = {"type": "message", "value": {"a": [1, {"b": None}]}, "extra": {}}
    for activity in (fast_activity_from_json(body), Activity().deserialize(body)):
        assert activity is not None
        assert activity.value == body["value"] and activity.value is not body["value"]
        assert activity.value["a"] is not body["value"]["a"]
        assert activity.additional_properties["extra"] is body["extra"]


# --- variants: what is parsed here, and what is left to msrest ----------------------------------

BASE = load(Path(__file__).parent / "activities" / "personal_message.json")

CERTAIN: dict[str, dict[str, Any]] = {
    "ms-fraction": {"timestamp": "2019-08-20T13:03:57.317Z"},
    "seven-digits": {"timestamp": "2024-01-01T10:00:00.1234567Z"},
    "many-digits": {"timestamp": "2024-01-01T10:00:00.99999999999Z"},
    "no-fraction": {"timestamp": "2024-01-01T10:00:00Z"},
    "naive": {"timestamp": "2024-01-01T10:00:00"},
    "offset": {"localTimestamp": "2024-01-01T10:00:00.5+01:00"},
    "negative-offset": {"localTimestamp": "2024-01-01T10:00:00-05:30"},
    "minus-zero": {"localTimestamp": "2024-01-01T10:00:00-00:00"},
    "basic-offset": {"localTimestamp": "2024-01-01T10:00:00+0130"},
    "hour-offset": {"localTimestamp": "2024-01-01T10:00:00+14"},
    "odd-minutes": {"localTimestamp": "2024-01-01T10:00:00+01:75"},
    "expiration": {"expiration": "2030-06-30T23:59:59.000001+23:59"},
    "year-2": {"timestamp": "0002-01-01T00:00:00+01:00"},
    "year-9998": {"timestamp": "9998-12-31T23:59:59-01:00"},
    "leap-day": {"timestamp": "2024-02-29T00:00:00Z"},
    "nulls": {"timestamp": None, "text": None, "entities": None, "from": None, "value": None},
    "attachments": {
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {"type": "AdaptiveCard", "body": [{"type": "TextBlock"}], "n": 1.5},
                "name": "card",
                "thumbnailUrl": None,
                "unknownThing": [1, 2],
            },
            None,
        ]
    },
    "entities": {
        "entities": [
            {"type": "mention", "mentioned": {"id": "28:x"}, "text": "<at>x</at>"},
            {"type": "clientInfo", "locale": "en-GB"},
            {},
        ]
    },
    "members": {
        "membersAdded": [{"id": "29:a", "name": "A", "role": "user", "properties": {"k": [True]}}],
        "membersRemoved": [],
    },
    "reactions": {"reactionsAdded": [{"type": "like"}], "reactionsRemoved": [{"type": "heart"}]},
    "value-scalars": {"value": "text"},
    "value-list": {"value": [1, 2.5, "x", None, False, {"deep": [[{}]]}]},
    "value-number": {"value": 12345678901234567890},
    "suggested": {
        "suggestedActions": {
            "to": ["a", None],
            "actions": [{"type": "imBack", "title": "Yes", "value": {"x": 1}}],
        }
    },
    "relates-to": {
        "relatesTo": {
            "activityId": "1",
            "user": {"id": "u"},
            "bot": {"id": "b"},
            "conversation": {"id": "c", "isGroup": False},
            "channelId": "msteams",
            "serviceUrl": "https://example.invalid/",
            "extra": "kept",
        }
    },
    "highlights": {"textHighlights": [{"text": "a", "occurrence": 2}], "listenFor": ["x"]},
    "semantic": {"semanticAction": {"id": "s", "entities": {"e": {"type": "t"}, "n": None}}},
    "flags": {"historyDisclosed": False, "importance": "high", "deliveryMode": "normal"},
    "unknown-keys": {"Text": "case differs", "from.id": "dotted", "zz": None, "ä": {"b": 1}},
    "empty-strings": {"text": "", "locale": "", "name": ""},
    "odd-text": {"text": "\u202eright-to-left \U0001f600 \t\n", "summary": "2024-01-01T10:00:00Z"},
    "channel-data-types": {"channelData": {"a": None, "b": [True, 0, -1.0e300]}},
}

LEFT_TO_MSREST: dict[str, dict[str, Any]] = {
    "lower-case-date": {"timestamp": "2024-01-01t10:00:00z"},
    "comma-fraction": {"timestamp": "2024-01-01T10:00:00,5Z"},
    "basic-date": {"timestamp": "20240101T100000Z"},
    "no-seconds": {"timestamp": "2024-01-01T10:00Z"},
    "dot-no-digits": {"timestamp": "2024-01-01T10:00:00.Z"},
    "junk-after-zone": {"timestamp": "2024-01-01T10:00:00Zjunk"},
    "space-separator": {"timestamp": "2024-01-01 10:00:00Z"},
    "year-1": {"timestamp": "0001-01-01T00:00:00+01:00"},
    "year-9999": {"timestamp": "9999-12-31T23:59:59-01:00"},
    "day-offset": {"timestamp": "2024-01-01T10:00:00+24:00"},
    "hour-24": {"timestamp": "2024-01-01T24:00:00Z"},
    "month-13": {"timestamp": "2024-13-01T10:00:00Z"},
    "leap-second": {"timestamp": "2016-12-31T23:59:60Z"},
    "not-a-date": {"timestamp": "yesterday"},
    "number-date": {"timestamp": 1704103200},
    "number-text": {"text": 5},
    "bool-text": {"text": True},
    "list-text": {"text": ["a"]},
    "text-bool": {"historyDisclosed": "true"},
    "int-bool": {"historyDisclosed": 1},
    "text-int": {"textHighlights": [{"occurrence": "3"}]},
    "float-int": {"textHighlights": [{"occurrence": 2.5}]},
    "bool-int": {"textHighlights": [{"occurrence": True}]},
    "object-members": {"membersAdded": {}},
    "text-sender": {"from": "someone"},
    "list-sender": {"from": [{"id": "x"}]},
    "entity-type-number": {"entities": [{"type": 3}]},
    "entity-text": {"entities": ["mention"]},
    "semantic-list": {"semanticAction": {"entities": [{"key": "a", "value": {"type": "x"}}]}},
    "to-number": {"suggestedActions": {"to": [1]}},
    "tuple-value": {"value": {"a": (1, 2)}},
    "set-value": {"value": {1, 2}},
}


def variant(changes: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(BASE)
    body.update(copy.deepcopy(changes))
    return body


@pytest.mark.parametrize("name", sorted(CERTAIN))
def test_certain_variants_take_the_fast_path_and_match(name: str) -> None:
    body = variant(CERTAIN[name])
    fast = fast_activity_from_json(body)
    assert fast is not None
    assert_same(fast, Activity().deserialize(body))
    assert_agrees_with_msrest(body)


@pytest.mark.parametrize("name", sorted(LEFT_TO_MSREST))
def test_uncertain_variants_are_left_to_msrest(name: str) -> None:
    body = variant(LEFT_TO_MSREST[name])
    assert fast_activity_from_json(body) is None
    assert_agrees_with_msrest(body)


@pytest.mark.parametrize("body", [None, [], "activity", '{"type": "message"}', 3], ids=repr)
def test_bodies_that_are_not_objects_get_msrests_answer(body: Any) -> None:
    assert fast_activity_from_json(body) is None
    want = outcome(lambda: Activity().deserialize(body))
    got = outcome(lambda: activity_from_json(body))
    assert got[0] == want[0]
    if want[0] == "ok":
        assert_same(got[1], want[1])
    else:
        assert got[1] is want[1]


def test_a_fault_in_the_fast_path_falls_back_to_msrest(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: ModelPlan, data: Any) -> Any:
        raise RuntimeError("bug")

    body = load(FIXTURES[0])
    monkeypatch.setattr(ModelPlan, "build", broken)
    assert_same(activity_from_json(body), Activity().deserialize(body))


def test_a_model_changed_after_planning_is_left_to_msrest(monkeypatch: pytest.MonkeyPatch) -> None:
    body = variant({"membersAdded": [{"id": "29:a", "x": 1}]})
    assert fast_activity_from_json(body) is not None
    monkeypatch.setitem(
        ChannelAccount._attribute_map, "additional_properties", {"key": "", "type": "{object}"}
    )
    assert fast_activity_from_json(body) is None
    assert_agrees_with_msrest(body)


# --- generated activities ----------------------------------------------------------------------

ODD_TEXT = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["", " ", "true", "0", "null", "a.b", "\u202e", "2024-01-01T10:00:00Z"]),
)
JSON_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        ODD_TEXT,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(ODD_TEXT, inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def iso_datetimes(draw: st.DrawFn) -> str:
    """Dates in the one form the fast path reads, with every kind of fraction and zone."""
    day = draw(st.dates(min_value=date(2, 1, 1), max_value=date(9998, 12, 31)))
    moment = datetime.combine(day, draw(st.times()))
    fraction = draw(st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=9)))
    zone = draw(
        st.one_of(
            st.sampled_from(["", "Z"]),
            st.builds(
                lambda sign, h, sep, m: f"{sign}{h:02d}{sep}{m}",
                st.sampled_from("+-"),
                st.integers(0, 23),
                st.sampled_from([":", ""]),
                st.one_of(st.just(""), st.integers(0, 59).map("{:02d}".format)),
            ).filter(lambda z: not z.endswith(":")),
        )
    )
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
        + (f".{fraction}" if fraction else "")
        + zone
    )


def near_miss_dates(base: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Date-like strings (and non-strings) msrest may or may not accept."""
    return st.one_of(
        base.map(str.lower),
        base.map(lambda s: s.replace("T", " ")),
        base.map(lambda s: s.replace(".", ",")),
        base.map(lambda s: s[:16]),
        base.map(lambda s: s + "junk"),
        base.map(lambda s: "0001" + s[4:]),
        base.map(lambda s: "9999" + s[4:]),
        st.builds(lambda h: f"2024-01-01T10:00:00+{h:02d}:00", st.integers(20, 99)),
        st.sampled_from(
            [
                "2024-02-30T00:00:00Z",
                "2024-01-01T24:00:00Z",
                "0000-01-01T00:00:00",
                "0001-01-01T00:30:00+01:00",
                "9999-12-31T23:30:00-01:00",
            ]
        ),
        st.integers(),
    )


NEAR_MISSES: dict[str, st.SearchStrategy[Any]] = {
    "str": st.one_of(st.integers(), st.booleans(), st.floats(allow_nan=False)),
    "bool": st.sampled_from(["true", "False", "1", "0", "yes", 1, 0, 2, 1.0]),
    "int": st.one_of(st.booleans(), st.floats(allow_nan=False), st.sampled_from(["3", "x"])),
    "iso-8601": near_miss_dates(iso_datetimes()),
}


@cache
def values_for(type_name: str, wild: bool) -> st.SearchStrategy[Any]:
    """JSON for a declared msrest type: right-typed, or (when wild) sometimes not."""
    if type_name[0] + type_name[-1] == "[]":
        right: st.SearchStrategy[Any] = st.lists(
            st.none() | values_for(type_name[1:-1], wild), max_size=3
        )
    elif type_name[0] + type_name[-1] == "{}":
        right = st.dictionaries(ODD_TEXT, st.none() | values_for(type_name[1:-1], wild), max_size=2)
    elif type_name in MODELS:
        right = model_bodies(type_name, wild)
    else:
        right = {
            "str": ODD_TEXT,
            "bool": st.booleans(),
            "int": st.integers(),
            "float": st.floats(allow_nan=False),
            "iso-8601": iso_datetimes(),
            "object": JSON_VALUE,
        }[type_name]
    if not wild:
        return right
    wrong = NEAR_MISSES.get(type_name, JSON_VALUE)
    # Rarely wrong, so that most bodies hold one near miss or none, and a fast path that let
    # one through would answer differently from msrest instead of hiding behind a fallback.
    return st.integers(0, 24).flatmap(lambda n: wrong if n == 0 else right)


@cache
def model_bodies(model_name: str, wild: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object for a model: any of its keys, plus keys it does not know."""
    attribute_map = MODELS[model_name]._attribute_map
    known = {desc["key"] for desc in attribute_map.values()}

    def lazily(type_name: str) -> st.SearchStrategy[Any]:
        return st.deferred(lambda: values_for(type_name, wild))

    optional = {desc["key"]: st.none() | lazily(desc["type"]) for desc in attribute_map.values()}
    unknown_keys = st.one_of(ODD_TEXT, st.sampled_from([k.upper() for k in known] + ["tenantId"]))
    unknown = st.dictionaries(unknown_keys.filter(lambda k: k not in known), JSON_VALUE, max_size=2)
    return st.builds(
        lambda mine, theirs: {**theirs, **mine},
        st.fixed_dictionaries({}, optional=optional),
        unknown,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_bodies("Activity", wild=False))
def test_generated_right_typed_activities_take_the_fast_path_and_match(
    body: dict[str, Any],
) -> None:
    fast = fast_activity_from_json(body)
    assert fast is not None
    assert_same(fast, Activity().deserialize(body))
    assert_agrees_with_msrest(body)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_bodies("Activity", wild=True))
def test_generated_activities_agree_with_msrest(body: dict[str, Any]) -> None:
    assert_agrees_with_msrest(body)


ITEM = 0  # a path step into a list's first item


def near_miss_paths(
    model_name: str, prefix: tuple[str | int, ...] = (), depth: int = 0
) -> list[tuple[tuple[str | int, ...], str]]:
    """Where, in an activity, a value of a type with near misses can be (three levels deep)."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    for desc in MODELS[model_name]._attribute_map.values():
        key, type_name = desc["key"], desc["type"]
        if type_name in NEAR_MISSES:
            found.append(((*prefix, key), type_name))
        elif depth < 2 and type_name in MODELS:
            found += near_miss_paths(type_name, (*prefix, key), depth + 1)
        elif depth < 2 and type_name.startswith("[") and type_name[1:-1] in MODELS:
            found += near_miss_paths(type_name[1:-1], (*prefix, key, ITEM), depth + 1)
    return found


NEAR_MISS_PATHS = near_miss_paths("Activity")


def test_near_misses_reach_every_kind_of_field() -> None:
    kinds = {type_name for _, type_name in NEAR_MISS_PATHS}
    assert kinds == set(NEAR_MISSES)
    assert (("conversation", "isGroup"), "bool") in NEAR_MISS_PATHS
    assert (("textHighlights", ITEM, "occurrence"), "int") in NEAR_MISS_PATHS


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_one_near_miss_in_a_right_typed_activity_gets_msrests_answer(data: st.DataObject) -> None:
    """The sharpest check of the fallback: one wrong value, everything else on the fast path."""
    body = dict(data.draw(model_bodies("Activity", wild=False)))
    type_name = data.draw(st.sampled_from(sorted(NEAR_MISSES)))  # each kind as often
    path = data.draw(st.sampled_from([p for p, t in NEAR_MISS_PATHS if t == type_name]))
    value = data.draw(NEAR_MISSES[type_name])
    for step in reversed(path[1:]):
        value = [value] if step == ITEM else {step: value}
    body[str(path[0])] = value
    assert_agrees_with_msrest(body)
