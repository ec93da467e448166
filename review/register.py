"""The monthly register of referrals and decisions for the partnership's group (Stockport:
"All referrals and decisions will be reported to the PIP"): one row a case, no child details,
every cell text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from review.referral import format_date
from review.workbook import Table

__all__ = ["REGISTER_HEADERS", "RegisterRow", "parse_month", "register_table"]

REGISTER_HEADERS = (
    "Reference",
    "Received",
    "Pathway sought",
    "Decision",
    "Decided on",
    "Notifiable",
    "Status",
)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One case in the register, in words (nothing the referral said about the child)."""

    reference: str
    received_on: date
    pathway_sought: str
    decision: str | None
    decided_on: date | None
    notifiable: bool | None
    status: str


def parse_month(text: str) -> date | None:
    """`YYYY-MM` as the month's first day, or None when it is not a month."""
    found = _MONTH.match(text.strip())
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12 or year < 2000:
        return None
    return date(year, month, 1)


def _notifiable(value: bool | None) -> str:
    return "Not answered" if value is None else ("Yes" if value else "No")


def register_table(rows: Sequence[RegisterRow], month: date) -> Table:
    """The month's referrals and decisions as one worksheet, every cell text."""
    return Table(
        f"Register {month:%Y-%m}",
        REGISTER_HEADERS,
        [
            (
                r.reference,
                format_date(r.received_on),
                r.pathway_sought,
                r.decision or "Not decided yet",
                format_date(r.decided_on) if r.decided_on else "",
                _notifiable(r.notifiable) if r.decision else "",
                r.status,
            )
            for r in rows
        ],
    )
