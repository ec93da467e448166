"""The audit card: a case's audit events, newest first, a page at a time (1:1 only).

Each event: when (London time), who (the roster's name), what (plain words), the outcome and
the part of its detail that holds no free text (`review.audit.shown_detail`). **More** and
**Newer** are Action.Execute buttons: the card is redrawn in place at the next page. Names
and details are shown in TextRuns, so nothing in them is read as markdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from cards.base import (
    Card,
    Element,
    adaptive_card,
    container,
    execute_action,
    heading,
    rich_text,
    text_block,
    text_run,
)
from review.audit import AuditLine, action_words, detail_text, when_text

__all__ = ["VERB_AUDIT_PAGE", "audit_card", "demo_audit_lines"]

VERB_AUDIT_PAGE = "audit.page"
# A page of 30 stays well under Teams' 28 KB however long a detail is (the workbook has it all).
_DETAIL_SHOWN = 160


def _cut(text: str) -> str:
    return text if len(text) <= _DETAIL_SHOWN else text[: _DETAIL_SHOWN - 1] + "…"


def _line(line: AuditLine) -> Element:
    refused = line.outcome != "done"
    items: list[Element] = [
        rich_text(
            [
                text_run(when_text(line.at), weight="Bolder", size="Small"),
                text_run("  "),
                text_run(line.who, size="Small"),
            ]
        ),
        rich_text(
            [
                text_run(line.what),
                text_run(
                    f" — {line.outcome}",
                    color="Attention" if refused else "Good",
                    weight="Bolder",
                ),
            ],
            spacing="None",
        ),
    ]
    if line.detail:
        items.append(
            rich_text(
                [text_run(_cut(detail_text(line.detail)), is_subtle=True, size="Small")],
                spacing="None",
            )
        )
    return container(items, separator=True, spacing="Small")


def audit_card(
    *, reference: str, lines: Sequence[AuditLine], total: int, page: int, per_page: int
) -> Card:
    """One page of a case's audit, newest first, with More / Newer to page through it."""
    first = (page - 1) * per_page + 1
    last = first + len(lines) - 1
    if total == 0:
        summary = "Nothing has been recorded on this case yet."
    else:
        summary = (
            f"{total} events recorded, newest first. These are {first} to {last}. "
            "Times are London time."
        )
    body: list[Element] = [
        heading(f"The audit of {reference}"),
        text_block(summary, is_subtle=True, size="Small", spacing="Small"),
        *(_line(line) for line in lines),
    ]
    if total:
        body.append(
            text_block(
                "The whole audit comes as an Excel workbook in this chat. Viewing it is "
                "recorded too.",
                is_subtle=True,
                size="Small",
                separator=True,
            )
        )
    actions = []
    if last < total:
        actions.append(
            execute_action("More", VERB_AUDIT_PAGE, {"reference": reference, "page": page + 1})
        )
    if page > 1:
        actions.append(
            execute_action("Newer", VERB_AUDIT_PAGE, {"reference": reference, "page": page - 1})
        )
    return adaptive_card(body, actions, fallback_text=f"The audit of {reference}.", full_width=True)


def demo_audit_lines(count: int = 3) -> list[AuditLine]:
    """Fictional audit events for the gallery."""
    samples = [
        ("Morgan Manager", "returns.request", "done", (("agencies", "gmp, stockport_nhs_ft"),)),
        ("Pat Constable", "audit.view", "refused", ()),
        ("Lee Authority", "vote", "done", ()),
        ("someone not on the roster", "case.view", "refused", ()),
    ]
    lines = []
    for n in range(count):
        who, action, outcome, detail = samples[n % len(samples)]
        lines.append(
            AuditLine(
                at=datetime(2026, 11, 24, 9, 30 - n % 30, tzinfo=UTC),
                who=who,
                actor_id=None,
                action=action,
                what=action_words(action),
                outcome=outcome,
                detail=detail,
            )
        )
    return lines
