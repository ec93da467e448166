"""Building blocks for Adaptive Card 1.5 dicts: pure functions, JSON-ready output.

Every helper returns a fresh ``dict`` that ``json.dumps`` can send as is: camelCase keys,
no ``None`` values (optional properties are left out), every element and action carries its
``type``. Cards are view model in, card dict out; nothing here templates strings.

User text and markdown
----------------------
``TextBlock`` text, ``Fact`` titles and values are markdown in Teams (bold ``**x**``, italic
``_x_``, bullet ``- x`` and numbered ``1. x`` lists, links ``[x](url)``; HTML is not supported).
Text that a user typed must never be interpreted, so:

* ``user_text(text)`` is the robust way to show user text: a ``RichTextBlock`` with one
  ``TextRun``. The Adaptive Cards schema says TextRun text is not markdown, and the official
  renderer puts it in the page with ``innerText``, so nothing in it is parsed by any client.
  ``rich_text([text_run(...), ...])`` mixes styled runs, e.g. our words and a bold user value.
* ``escape_markdown(text)`` is for the places that can only hold markdown strings (``Fact``
  values; ``fact_set`` applies it to every fact). It backslash-escapes the characters that
  start markdown in CommonMark, which Teams' markdown follows, so the text renders literally.
  An old client with a non-CommonMark parser may show a stray backslash, never a link or
  formatting: ``](`` is broken up as well so that even such a parser cannot form a link.

Both also neutralise the Adaptive Cards text functions ``{{DATE(...)}}``/``{{TIME(...)}}``,
which every renderer expands even in a TextRun, by putting a zero-width space between the
braces. Bare URLs may still be made clickable by Teams itself; no escaping can prevent that.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Literal

__all__ = [
    "CARD_SCHEMA",
    "CARD_VERSION",
    "Action",
    "Card",
    "Element",
    "action_set",
    "adaptive_card",
    "choice_set",
    "column",
    "column_set",
    "container",
    "date_input",
    "escape_markdown",
    "execute_action",
    "fact_set",
    "heading",
    "mentions",
    "neutralise_text_functions",
    "rich_text",
    "submit_action",
    "text_block",
    "text_input",
    "text_run",
    "toggle_input",
    "user_text",
]

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"

Card = dict[str, Any]
"""A whole ``AdaptiveCard`` as a JSON object."""
Element = dict[str, Any]
"""A card element (TextBlock, Container, Input.Text, ...) as a JSON object."""
Action = dict[str, Any]
"""A card action (Action.Submit, Action.Execute) as a JSON object."""

TextSize = Literal["Small", "Default", "Medium", "Large", "ExtraLarge"]
TextWeight = Literal["Lighter", "Default", "Bolder"]
TextColor = Literal["Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"]
TextStyle = Literal["default", "heading", "columnHeader"]
Spacing = Literal["None", "Small", "Default", "Medium", "Large", "ExtraLarge", "Padding"]
ContainerStyle = Literal["default", "emphasis", "good", "attention", "warning", "accent"]
ActionStyle = Literal["default", "positive", "destructive"]
AssociatedInputs = Literal["auto", "none"]
ChoiceStyle = Literal["compact", "expanded"]
TextInputStyle = Literal["text", "tel", "url", "email"]
ColumnWidth = Literal["auto", "stretch"]


def _without_none(**properties: Any) -> dict[str, Any]:
    """Drop the properties whose value is None, keeping the given order."""
    return {key: value for key, value in properties.items() if value is not None}


def _json_object(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return a deep copy of an action payload so the card never aliases the caller's data."""
    return {key: _json_copy(value) for key, value in data.items()}


_JSON_SCALARS = (str, int, float, bool, type(None))


def _json_copy(value: Any) -> Any:
    # Payloads are JSON: strings, numbers and small dicts and lists. Copying those directly
    # is several times faster than copy.deepcopy's memo and dispatch; anything else still
    # goes through deepcopy.
    if isinstance(value, _JSON_SCALARS):
        return value
    if type(value) is dict:
        return {key: _json_copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_json_copy(item) for item in value]
    return copy.deepcopy(value)


# --- text -----------------------------------------------------------------------------------

_TEXT_FUNCTION = re.compile(r"\{(?=\{(?:DATE|TIME)\()", re.IGNORECASE)
_ZERO_WIDTH_SPACE = "\u200b"
_INLINE_SPECIALS = frozenset("\\*_`~[]<|")
_ENTITY_AMPERSAND = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_LEADING_BLANKS = re.compile(r"^[ \t]+", re.MULTILINE)
_BLOCK_MARKER = re.compile(r"^([#>+\-=])", re.MULTILINE)
_ORDERED_MARKER = re.compile(r"^([0-9]+)([.)])", re.MULTILINE)


def neutralise_text_functions(text: str) -> str:
    """Stop ``{{DATE(...)}}``/``{{TIME(...)}}`` in ``text`` from being expanded by renderers."""
    return _TEXT_FUNCTION.sub("{" + _ZERO_WIDTH_SPACE, text)


def escape_markdown(text: str) -> str:
    """Escape ``text`` so that a markdown TextBlock or Fact shows it literally."""
    if type(text) is str:
        return _escape_markdown_cached(text)
    return _escape_markdown(text)


# A pure function of an immutable string: the labels, names and dates every card repeats are
# escaped once (the character-by-character scan was a good share of building a card).
@functools.lru_cache(maxsize=4096)
def _escape_markdown_cached(text: str) -> str:
    return _escape_markdown(text)


def _escape_markdown(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Markdown drops leading blanks of a line anyway, unless there are enough for a code block.
    text = _LEADING_BLANKS.sub("", text)
    out: list[str] = []
    previous = ""
    for char in text:
        if char in _INLINE_SPECIALS or (char == "(" and previous == "]"):
            out.append("\\")
        out.append(char)
        previous = char
    escaped = "".join(out)
    escaped = _ENTITY_AMPERSAND.sub(r"\\&", escaped)
    escaped = _BLOCK_MARKER.sub(r"\\\1", escaped)
    escaped = _ORDERED_MARKER.sub(r"\1\\\2", escaped)
    return neutralise_text_functions(escaped)


def text_block(
    text: str,
    *,
    size: TextSize | None = None,
    weight: TextWeight | None = None,
    color: TextColor | None = None,
    is_subtle: bool | None = None,
    style: TextStyle | None = None,
    wrap: bool = True,
    max_lines: int | None = None,
    spacing: Spacing | None = None,
    separator: bool | None = None,
) -> Element:
    """A TextBlock for text we wrote (markdown allowed); never pass user text unescaped."""
    return _without_none(
        type="TextBlock",
        text=text,
        style=style,
        size=size,
        weight=weight,
        color=color,
        isSubtle=is_subtle,
        wrap=wrap,
        maxLines=max_lines,
        spacing=spacing,
        separator=separator,
    )


def error_text(message: str) -> Element:
    """An error message shown directly under its field."""
    return text_block(escape_markdown(message), color="Attention", spacing="Small")


def errors_under(errors: Mapping[str, str], key: str) -> list[Element]:
    """The error of the field `key`, if it has one, to put right under it."""
    return [error_text(errors[key])] if key in errors else []


def heading(text: str, *, size: TextSize = "Medium") -> Element:
    """A bold heading TextBlock (``style: heading`` so screen readers announce it)."""
    return text_block(text, style="heading", size=size, weight="Bolder")


def text_run(
    text: str,
    *,
    size: TextSize | None = None,
    weight: TextWeight | None = None,
    color: TextColor | None = None,
    is_subtle: bool | None = None,
    italic: bool | None = None,
) -> Element:
    """A TextRun for ``rich_text``: its text is shown literally, never as markdown."""
    return _without_none(
        type="TextRun",
        text=neutralise_text_functions(text),
        size=size,
        weight=weight,
        color=color,
        isSubtle=is_subtle,
        italic=italic,
    )


def rich_text(
    runs: Sequence[Element],
    *,
    spacing: Spacing | None = None,
    separator: bool | None = None,
) -> Element:
    """A RichTextBlock of TextRuns: styled text mixing our words and user text safely."""
    return _without_none(
        type="RichTextBlock", inlines=list(runs), spacing=spacing, separator=separator
    )


def user_text(
    text: str,
    *,
    size: TextSize | None = None,
    weight: TextWeight | None = None,
    color: TextColor | None = None,
    is_subtle: bool | None = None,
    italic: bool | None = None,
    spacing: Spacing | None = None,
    separator: bool | None = None,
) -> Element:
    """Show user-supplied ``text`` literally: a RichTextBlock whose one TextRun is not markdown."""
    run = text_run(text, size=size, weight=weight, color=color, is_subtle=is_subtle, italic=italic)
    return rich_text([run], spacing=spacing, separator=separator)


def fact_set(facts: Iterable[tuple[str, str]], *, spacing: Spacing | None = None) -> Element:
    """A FactSet of (title, value) pairs; both are escaped, so they always render literally."""
    return _without_none(
        type="FactSet",
        facts=[
            {"title": escape_markdown(title), "value": escape_markdown(value)}
            for title, value in facts
        ],
        spacing=spacing,
    )


# --- layout ---------------------------------------------------------------------------------


def container(
    items: Sequence[Element],
    *,
    style: ContainerStyle | None = None,
    spacing: Spacing | None = None,
    separator: bool | None = None,
    element_id: str | None = None,
) -> Element:
    """A Container grouping ``items``."""
    return _without_none(
        type="Container",
        id=element_id,
        items=list(items),
        style=style,
        spacing=spacing,
        separator=separator,
    )


def column(
    items: Sequence[Element],
    *,
    width: ColumnWidth | int | None = None,
) -> Element:
    """A Column of ``items`` for a ColumnSet (``width``: auto, stretch or a relative weight)."""
    return _without_none(type="Column", items=list(items), width=width)


def column_set(columns: Sequence[Element], *, spacing: Spacing | None = None) -> Element:
    """A ColumnSet of columns built with ``column``."""
    return _without_none(type="ColumnSet", columns=list(columns), spacing=spacing)


def action_set(actions: Sequence[Action], *, spacing: Spacing | None = None) -> Element:
    """An ActionSet: buttons placed inside the body rather than at the bottom of the card."""
    return _without_none(type="ActionSet", actions=list(actions), spacing=spacing)


# --- actions --------------------------------------------------------------------------------


def submit_action(
    title: str,
    data: Mapping[str, Any],
    *,
    style: ActionStyle | None = None,
    associated_inputs: AssociatedInputs | None = None,
    tooltip: str | None = None,
) -> Action:
    """An Action.Submit sending ``data`` (a JSON object, merged with the inputs' values)."""
    return _without_none(
        type="Action.Submit",
        title=title,
        data=_json_object(data),
        style=style,
        associatedInputs=associated_inputs,
        tooltip=tooltip,
    )


def execute_action(
    title: str,
    verb: str,
    data: Mapping[str, Any] | None = None,
    *,
    style: ActionStyle | None = None,
    associated_inputs: AssociatedInputs | None = None,
    tooltip: str | None = None,
) -> Action:
    """An Action.Execute (Universal Action) invoking the bot with ``verb`` and ``data``."""
    if not verb:
        raise ValueError("Action.Execute needs a verb")
    return _without_none(
        type="Action.Execute",
        title=title,
        verb=verb,
        data=_json_object(data) if data is not None else None,
        style=style,
        associatedInputs=associated_inputs,
        tooltip=tooltip,
    )


# --- inputs ---------------------------------------------------------------------------------


def _input(
    type_name: str,
    input_id: str,
    label: str | None,
    is_required: bool,
    error_message: str | None,
    **properties: Any,
) -> Element:
    """Shared shape of every Input.*: id, label, required flag and its error message."""
    if not input_id:
        raise ValueError(f"{type_name} needs an id")
    if is_required and not (label and error_message):
        raise ValueError(f"required {type_name} {input_id!r} needs a label and an error_message")
    return _without_none(
        type=type_name,
        id=input_id,
        label=label,
        isRequired=True if is_required else None,
        errorMessage=error_message,
        **properties,
    )


def text_input(
    input_id: str,
    label: str,
    *,
    is_required: bool = False,
    error_message: str | None = None,
    max_length: int | None = None,
    placeholder: str | None = None,
    is_multiline: bool | None = None,
    value: str | None = None,
    regex: str | None = None,
    style: TextInputStyle | None = None,
) -> Element:
    """An Input.Text; a required one needs ``error_message`` (Teams shows it under the field)."""
    return _input(
        "Input.Text",
        input_id,
        label,
        is_required,
        error_message,
        placeholder=placeholder,
        value=value,
        maxLength=max_length,
        isMultiline=is_multiline,
        regex=regex,
        style=style,
    )


def choice_set(
    input_id: str,
    label: str,
    choices: Iterable[tuple[str, str]],
    *,
    is_required: bool = False,
    error_message: str | None = None,
    style: ChoiceStyle | None = None,
    is_multi_select: bool | None = None,
    value: str | None = None,
    placeholder: str | None = None,
) -> Element:
    """An Input.ChoiceSet of (title, value) pairs; titles are shown as written, not escaped."""
    choice_list = [{"title": title, "value": choice_value} for title, choice_value in choices]
    if not choice_list:
        raise ValueError(f"Input.ChoiceSet {input_id!r} needs at least one choice")
    return _input(
        "Input.ChoiceSet",
        input_id,
        label,
        is_required,
        error_message,
        choices=choice_list,
        style=style,
        isMultiSelect=is_multi_select,
        value=value,
        placeholder=placeholder,
        wrap=True,
    )


def date_input(
    input_id: str,
    label: str,
    *,
    is_required: bool = False,
    error_message: str | None = None,
    value: date | None = None,
    min_date: date | None = None,
    max_date: date | None = None,
) -> Element:
    """An Input.Date; dates are sent and received as ``YYYY-MM-DD``."""
    return _input(
        "Input.Date",
        input_id,
        label,
        is_required,
        error_message,
        value=value.isoformat() if value is not None else None,
        min=min_date.isoformat() if min_date is not None else None,
        max=max_date.isoformat() if max_date is not None else None,
    )


def toggle_input(
    input_id: str,
    title: str,
    *,
    label: str | None = None,
    value: bool = False,
    value_on: str = "true",
    value_off: str = "false",
    is_required: bool = False,
    error_message: str | None = None,
) -> Element:
    """An Input.Toggle (checkbox) with ``title`` beside it; sends ``value_on``/``value_off``."""
    return _input(
        "Input.Toggle",
        input_id,
        label,
        is_required,
        error_message,
        title=title,
        value=value_on if value else value_off,
        valueOn=value_on,
        valueOff=value_off,
        wrap=True,
    )


# --- card -----------------------------------------------------------------------------------


def adaptive_card(
    body: Sequence[Element],
    actions: Sequence[Action] = (),
    *,
    fallback_text: str | None = None,
    full_width: bool = False,
) -> Card:
    """A version 1.5 AdaptiveCard with ``$schema``; ``full_width`` uses Teams' wide layout."""
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": list(body),
    }
    if actions:
        card["actions"] = list(actions)
    if fallback_text is not None:
        card["fallbackText"] = fallback_text
    if full_width:
        card["msteams"] = {"width": "Full"}
    return card


def mentions(
    people: Sequence[tuple[str, str]], *, unnamed: str
) -> list[tuple[str, dict[str, Any]]]:
    """(``<at>`` text, Teams mention entity) for each (user id, name) once, in order.

    Names are folded to one line without ``<``/``>`` (which could end the ``<at>`` tag early);
    a person with no name is shown as ``unnamed``.
    """
    found: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for user_id, name in people:
        if not user_id or user_id in seen:
            continue
        seen.add(user_id)
        display = " ".join(name.replace("<", " ").replace(">", " ").split()) or unnamed
        at = f"<at>{escape_markdown(display)}</at>"
        found.append(
            (at, {"type": "mention", "text": at, "mentioned": {"id": user_id, "name": display}})
        )
    return found
