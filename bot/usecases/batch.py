"""Reads shared within one delivery run, so a batch of messages reads the database once.

The outbox courier (bot/delivery) begins a run, renders a batch of rows and ends the run;
while it runs, renderers and the use cases they call may share what one of them read (the
channel's address, the roster) with `per_run`, and find a batch's cases, events and
milestones that `prefetch_cases` loaded with `prefetched`. Outside a run every read is made
afresh, so a use case behaves the same with or without one.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import cases as case_repo
from storage.models import Case

_run_cache: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "outbox_run_cache", default=None
)
_PREFETCH = "prefetch"

RunToken = contextvars.Token[dict[str, Any] | None]


def begin_run() -> RunToken:
    """Start a delivery run: reads shared from now until `end_run`."""
    return _run_cache.set({})


def end_run(token: RunToken) -> None:
    """End the run `begin_run` started; what it read is dropped."""
    _run_cache.reset(token)


async def per_run(key: str, load: Callable[[], Awaitable[Any]]) -> Any:
    """`load()` once per delivery run (every call outside a run loads afresh)."""
    cache = _run_cache.get()
    if cache is None:
        return await load()
    if key not in cache:
        cache[key] = await load()
    return cache[key]


def prefetched(key: Any) -> Any | None:
    """What `prefetch_cases` read for the batch being rendered, or None (read it yourself)."""
    cache = _run_cache.get()
    batch = None if cache is None else cache.get(_PREFETCH)
    return None if batch is None else batch.get(key)


def forget_prefetch() -> None:
    """Drop what `prefetch_cases` read: the batch it was for has been rendered."""
    cache = _run_cache.get()
    if cache is not None:
        cache.pop(_PREFETCH, None)


async def prefetch_cases(session: AsyncSession, case_ids: Sequence[int]) -> None:
    """Load a batch's cases into the session, and their events and milestones for the batch,
    one query each (renderers read them from there, not once per message). Whatever an
    earlier batch read is dropped."""
    cache = _run_cache.get()
    if cache is None:
        return
    batch: dict[Any, Any] = {}
    cache[_PREFETCH] = batch
    ids = sorted(set(case_ids))
    if not ids:
        return
    await session.scalars(select(Case).where(Case.id.in_(ids)))
    for case_id, events in (await case_repo.events_of_cases(session, ids)).items():
        batch[("case_events", case_id)] = events
    for case_id, rows in (await case_repo.milestones_of_cases(session, ids)).items():
        batch[("case_milestones", case_id)] = rows
