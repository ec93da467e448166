"""Recorded Teams activities (fictional people) as builders for HTTP tests."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).resolve().parent.parent / "bot" / "teams" / "activities"
_ids = itertools.count(1)


def recorded(name: str, *, service_url: str, **changes: Any) -> dict[str, Any]:
    """A recorded activity with a fresh id, pointed at `service_url`, with top-level changes."""
    activity: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text())
    activity = copy.deepcopy(activity)
    activity["serviceUrl"] = service_url
    activity["id"] = f"{activity['id']}-{next(_ids)}"
    activity.update(changes)
    return activity


def message(text: str, *, service_url: str, value: Any = None, **changes: Any) -> dict[str, Any]:
    """A 1:1 message from the demo referrer (optionally an Action.Submit `value`)."""
    activity = recorded("personal_message", service_url=service_url, text=text, **changes)
    if value is not None:
        activity["value"] = value
    return activity


def card_invoke(
    verb: str,
    data: dict[str, Any],
    *,
    who: str,
    service_url: str,
    card_activity_id: str = "act-1",
    activity_id: str | None = None,
) -> dict[str, Any]:
    """An `Action.Execute` invoke pressed by a demo person on a card in the channel."""
    from helpers.people import account

    activity = recorded("card_action_invoke", service_url=service_url)
    activity["from"] = account(who)
    activity["value"]["action"]["verb"] = verb
    activity["value"]["action"]["data"] = data
    activity["replyToId"] = card_activity_id
    activity["conversation"]["id"] = (
        f"19:fictional-rapid-review@thread.tacv2;messageid={card_activity_id}"
    )
    if activity_id is not None:
        activity["id"] = activity_id
    return activity
