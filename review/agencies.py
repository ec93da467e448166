"""An agency beyond the profile's, checked as a person would expect: a school, a GP practice,
a housing provider or probation that a case involves (issue 24: "Any agency").

`check_new_agency` never raises on what a card sends; it returns the cleaned answers and
plain-English errors keyed by the card's input ids.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from review.answers import UNREADABLE, clean_text, too_long
from review.roster import is_email, is_formula

__all__ = ["AGENCY_NAME_MAX", "LEAD_NAME_MAX", "NewAgency", "check_new_agency"]

AGENCY_NAME_MAX = 200
LEAD_NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class NewAgency:
    """The agency's name and its safeguarding lead (name, work email), cleaned."""

    name: str
    lead_name: str
    lead_email: str


def _text(
    raw: Mapping[str, object], key: str, limit: int, missing: str, errors: dict[str, str]
) -> str:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        errors[key] = UNREADABLE
        return ""
    text = clean_text(value or "", multiline=False)
    if not text:
        errors[key] = missing
    elif len(text) > limit:
        errors[key] = too_long(limit, len(text))
    elif is_formula(text):
        errors[key] = "Start with a letter or a number, not =, +, - or @."
    return text[:limit]


def check_new_agency(
    raw: Mapping[str, object], *, profile_names: Collection[str]
) -> tuple[NewAgency | None, dict[str, str], dict[str, str]]:
    """(the agency or None, errors, the answers as typed, cut short, to show again).

    `profile_names` are the profile's own agencies' names: one of those is not "another"
    agency (choose it from the list instead)."""
    errors: dict[str, str] = {}
    name = _text(raw, "agency_name", AGENCY_NAME_MAX, "Enter the agency's name.", errors)
    if name and "agency_name" not in errors and name.lower() in {n.lower() for n in profile_names}:
        errors["agency_name"] = f"{name} is already one of the partnership's agencies."
    lead = _text(
        raw, "lead_name", LEAD_NAME_MAX, "Enter the name of its safeguarding lead.", errors
    )
    email = _text(raw, "lead_email", 254, "Enter the lead's work email address.", errors).lower()
    if email and "lead_email" not in errors and not is_email(email):
        errors["lead_email"] = (
            "Enter a full email address, like name@agency.example.gov.uk, with no spaces."
        )
    typed = {k: str(raw.get(k) or "")[:300] for k in ("agency_name", "lead_name", "lead_email")}
    if errors:
        return None, errors, typed
    return NewAgency(name, lead, email), {}, typed
