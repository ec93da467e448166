"""All milestones for 10,000 cases, against a naive day-by-day count measured in the same run."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from review.calendar import WorkingCalendar, england_bank_holidays, london_date
from review.profiles import load_profile
from review.timeline import calendar_for, compute_timeline

CASES = 10_000


def _cases() -> list[dict[str, datetime]]:
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    return [
        {
            "referral_received": start + timedelta(hours=7 * i),
            "panel_decision": start + timedelta(hours=7 * i + 30),
        }
        for i in range(CASES)
    ]


def _naive_deadlines(events: dict[str, datetime], holidays: set[date]) -> list[date]:
    """The baseline: each working-day deadline found by stepping one day at a time."""
    out = []
    day0 = london_date(events["referral_received"])
    for n in (1, 3, 5, 9, 13, 15):
        d, left = day0, n
        while left:
            d += timedelta(days=1)
            if d.weekday() < 5 and d not in holidays:
                left -= 1
        out.append(d)
    return out


def _time(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def run() -> dict[str, float]:
    """Time 10,000 timelines per profile and the naive baseline; return the figures."""
    cases = _cases()
    holidays = {d for y in range(2024, 2030) for d in england_bank_holidays(y)}
    WorkingCalendar()  # import-time work out of the way
    baseline = _time(lambda: [_naive_deadlines(c, holidays) for c in cases])
    figures: dict[str, float] = {"naive_6_deadlines_10k_s": baseline}
    for name in ("stockport", "halton"):
        profile = load_profile(name)
        cal = calendar_for(profile)
        compute_timeline(profile, cal, cases[0])
        figures[f"timelines_10k_{name}_s"] = _time(
            lambda p=profile, c=cal: [compute_timeline(p, c, e) for e in cases]
        )
    figures["timelines_10k_s"] = max(
        figures["timelines_10k_stockport_s"], figures["timelines_10k_halton_s"]
    )
    return figures
