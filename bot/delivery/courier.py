"""Delivering the outbox: claim, render from the current database state, send, mark.

Renderers are routed by the row's `kind`; each builds the address and the activity from the
database at send time (so a case card shows the case as it is now) and may record what the
send produced (the case card's activity id starts the case's thread).

Exactly once, as far as it can be promised:

* a claim is renewed while its worker holds it (each delivery, and every `heartbeat_s` while
  a send is in flight), and another worker takes over only claims not renewed for a lease
  while it has itself been in touch with the database for a whole lease;
* the outcome of a send (sent, retry, failed) is kept in memory when the database cannot
  record it, and recorded first thing once it can;
* just before each POST the row records that its send began. A worker killed during the POST
  cannot know whether the message arrived: its row, taken over, goes out again with a line
  saying it may be a repeat, and is counted (`/healthz`, the digest).

A 1:1 message whose person cannot be reached (`Unreachable`: no Entra id to open a chat with,
or Teams refused the chat with 403/404) ends `undeliverable`, never retried by itself; in the
same transaction the managers are told, with a copy to send by secure email
(bot/usecases/undelivered.py). It goes out again when the person messages the bot.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import logging
import random
import socket
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.delivery.foreground import Foreground
from bot.delivery.message import Address, Outgoing, Sender, SendError, possible_repeat
from bot.usecases import batch as run_reads
from bot.usecases import undelivered
from storage import outbox
from storage.models import OutboundMessage

log = logging.getLogger(__name__)

RETRYABLE = frozenset({412, 429, 500, 502, 503, 504})
MAX_ATTEMPTS = 8
# Rows rendered per read of the database, and how long a rendering may wait to be sent.
RENDER_BATCH = 100
RENDER_FRESH_S = 1.0
# Delivery's pause between steps while requests are being answered: about as long as the
# event loop takes to come round all the requests in flight at 20 connections (~30 ms), so
# each step lands in a different round of them and none of them waits for two (#8). A
# card update goes out ~50 ms later under such load (two pauses before its send), when
# Teams itself takes at most one update a second.
GIVE_WAY_S = 0.025
# Claims that outlived their lease are looked for this often, not on every delivery: a
# worker dies rarely, and deliveries come once a second while votes do (#8).
RELEASE_EVERY = outbox.LEASE / 4
# While a send is in flight its claim is renewed this often (seconds), so a POST that Teams
# holds open is never taken over by another worker.
HEARTBEAT_S = outbox.LEASE.total_seconds() / 4
# Teams' limits for a bot: 7 messages a second per conversation, 50 requests a second per
# app per tenant (each replica keeps its share: settings.tenant_sends_per_second).
PER_CONVERSATION = 7
# What the database raises when it cannot be reached (the driver's errors come wrapped).
DATABASE_DOWN = (OSError, SQLAlchemyError, TimeoutError)


class NotReady(Exception):
    """The message cannot be rendered yet (e.g. no rapid review channel registered)."""


class Skip(Exception):
    """The message is no longer wanted (e.g. the milestone was done): cancel it."""


class Unreachable(Exception):
    """A 1:1 message cannot reach its person, a roster member: no Entra id to open a chat with
    (`outbox.NO_ENTRA_ID`), or Teams refused the chat (`TEAMS_REFUSED`, `NOT_IN_TEAMS`). The row
    ends undeliverable and the managers are told."""

    def __init__(self, member_id: int, reason: str) -> None:
        super().__init__(f"member {member_id} unreachable: {reason}")
        self.member_id = member_id
        self.reason = reason


def unreachable(member_id: int, exc: SendError) -> Unreachable:
    """The `Unreachable` that Teams' refusal of a 1:1 (`SendError.person_unreachable`) means."""
    reason = outbox.NOT_IN_TEAMS if exc.status == 404 else outbox.TEAMS_REFUSED
    return Unreachable(member_id, reason)


@dataclass(frozen=True)
class _RenderFailed:
    """A renderer's unexpected error, kept until that row's turn to be sent."""

    error: Exception


@dataclass(frozen=True)
class Rendered:
    """What to send, and what to record once it is sent."""

    address: Address
    message: Outgoing
    on_sent: Callable[[AsyncSession, str], Awaitable[None]] | None = None
    # When set, the message replaces this sent one (a card updated in place).
    replaces: str | None = None
    # The roster member a 1:1 message is for: Teams refusing their chat (403/404) makes it
    # undeliverable for them rather than failed.
    recipient: int | None = None


Outcome = Rendered | NotReady | Skip | Unreachable | _RenderFailed
Renderer = Callable[[AppContext, AsyncSession, OutboundMessage], Awaitable[Rendered]]

# The Courier's sender during a delivery run: a renderer that must call Teams before the
# send (to open a 1:1 chat nobody has started yet) finds it here.
run_messenger: contextvars.ContextVar[Sender | None] = contextvars.ContextVar(
    "outbox_run_messenger", default=None
)


def backoff(attempt: int, retry_after: float | None, rng: random.Random) -> timedelta:
    """Exponential backoff with full jitter, never sooner than the server's Retry-After."""
    base = min(300.0, 2.0 ** min(attempt, 8))
    delay = rng.uniform(base / 2, base)
    if retry_after is not None:
        delay = max(delay, min(retry_after, 3600.0))
    return timedelta(seconds=delay)


class Pacer:
    """Keeps to a limit of `per_second` sends a second for each key: a conversation (a channel
    thread, `19:…;messageid=…`, is its own, as Teams counts it), or a tenant."""

    def __init__(
        self,
        per_second: int,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.per_second = per_second
        self._clock = clock
        self._sleep = sleep
        self._sent: dict[str, deque[float]] = {}

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    async def wait(self, key: str) -> None:
        """Wait until one more send may go for this key."""
        times = self._sent.setdefault(key, deque())
        while True:
            now = self._now()
            while times and now - times[0] >= 1.0:
                times.popleft()
            if len(times) < self.per_second:
                times.append(now)
                return
            await self._sleep(1.0 - (now - times[0]))


class ConversationPacer(Pacer):
    """Teams' limit of 7 messages a second per conversation."""

    def __init__(self, per_second: int = PER_CONVERSATION) -> None:
        super().__init__(per_second)


class Courier:
    """Claims due outbox rows and sends them, one worker identity per process."""

    def __init__(
        self,
        app: AppContext,
        messenger: Sender,
        renderers: dict[str, Renderer],
        *,
        foreground: Foreground | None = None,
    ) -> None:
        self.app = app
        self.messenger = messenger
        self.renderers = renderers
        self.foreground = foreground
        self.worker = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.rng = random.Random()
        self.pacer = ConversationPacer()
        self.tenant_pacer = Pacer(app.settings.tenant_sends_per_second)
        self.heartbeat_s = HEARTBEAT_S
        self._running: asyncio.Task[None] | None = None
        self._again = False
        self._timer: asyncio.TimerHandle | None = None
        self._released_at: datetime | None = None
        # Since when this worker has reached the database without a break (None: it has
        # not, or a call just failed): it takes over others' claims only after a lease of it.
        self._in_touch_since: datetime | None = None
        # Outcomes of sends the database could not record yet, oldest first.
        self._unrecorded: list[Callable[[], Awaitable[None]]] = []
        # Rows claimed by a delivery that stopped (the database went away) before sending them.
        self._stranded: set[int] = set()
        # Deliveries under way that hold claims.
        self._runs = 0
        self._heartbeat: asyncio.Task[None] | None = None

    def kick(self, delay: float = 0.0) -> None:
        """Deliver what is due, in the background, after `delay` seconds (coalesced).

        Kicks that arrive while one is scheduled or running share it: a burst of votes
        makes one delivery (one card update per case), at most one per `delay`.
        """
        if delay > 0:
            if self._timer is None:
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(delay, self._fire)
            return
        self._fire()

    def _fire(self) -> None:
        self._timer = None
        self._again = True
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        while self._again:
            self._again = False
            try:
                await self.deliver()
            except Exception:
                log.exception("outbox delivery failed; the sweep will retry")

    async def idle(self) -> None:
        """Wait for scheduled and running background delivery to finish (tests, shutdown)."""
        while self._timer is not None or (self._running is not None and not self._running.done()):
            if self._timer is not None and (self._running is None or self._running.done()):
                self._timer.cancel()
                self._fire()
            assert self._running is not None
            await asyncio.shield(self._running)

    async def deliver(self, limit: int = 100) -> int:
        """Claim and send what is due now; how many were sent.

        The claimed rows are read and rendered a batch at a time (the rows, their cases and
        the cases' events and milestones in one query each; a card update reads its own), in
        one short session closed before anything is sent. A batch is read afresh once
        `RENDER_FRESH_S` has passed, so what is sent is never older than that plus the send
        itself. Each message is still marked in its own transaction right after its own
        send, as before. Claims that outlived their lease (a worker died) go back to pending
        every RELEASE_EVERY.
        """
        now = self.app.now()
        try:
            await self._settle(now)
            release = self._released_at is None or not (
                timedelta(0) <= now - self._released_at < RELEASE_EVERY
            )
            async with self.app.db.transaction() as connection:
                if release:
                    if self._watched_a_lease(now):
                        await outbox.release_stale_claims(connection, now)
                    self._released_at = now
                claimed = await outbox.claim_due(
                    connection, now=now, worker=self.worker, limit=limit
                )
            if release:
                # Agencies another replica added since: their names on what is sent.
                await self.app.refresh_agencies()
        except DATABASE_DOWN:
            self.out_of_touch()
            raise
        holds = bool(claimed)
        sent = 0
        if holds:
            self._runs += 1
            self._hold()
            await self._give_way()
        token = run_reads.begin_run()
        messenger_token = run_messenger.set(self.messenger)
        try:
            loop = asyncio.get_running_loop()
            while claimed:
                batch = await self._render(claimed[:RENDER_BATCH])
                await self._give_way()
                rendered_at = loop.time()
                done = 0
                for message_id, attempts, rendered in batch:
                    if done and loop.time() - rendered_at > RENDER_FRESH_S:
                        break  # render the rest again from the database as it is now
                    sent += await self._send_one(message_id, attempts, rendered)
                    done += 1
                    await self._give_way()
                    if isinstance(rendered, Rendered) and rendered.on_sent is not None:
                        break  # the send changed what the rest render from (a case's thread)
                claimed = claimed[done:]
        except DATABASE_DOWN:
            self.out_of_touch()
            self._stranded.update(claimed)
            raise
        finally:
            run_messenger.reset(messenger_token)
            run_reads.end_run(token)
            if holds:  # only this run's own count: another may still hold its claims
                self._runs -= 1
        return sent

    @property
    def holding(self) -> bool:
        """True while this worker holds claims: in a delivery under way, with an outcome the
        database has not recorded yet, or left by a delivery the database's absence stopped."""
        return bool(self._runs or self._unrecorded or self._stranded)

    def out_of_touch(self) -> None:
        """The database could not be reached (by a delivery or anything else of this worker):
        it watches a whole lease again before it takes over anyone's claim."""
        self._in_touch_since = None

    def _watched_a_lease(self, now: datetime) -> bool:
        """True once this worker has reached the database without a break for a lease: only
        then can it tell a claim whose worker stopped from one whose worker could not reach
        the database either."""
        if self._in_touch_since is None:
            self._in_touch_since = now
        return now - self._in_touch_since >= outbox.LEASE

    async def _settle(self, now: datetime) -> None:
        """Record what earlier deliveries could not, give back claims never sent, renew the
        rest; raises (and keeps what is left) while the database is away."""
        while self._unrecorded:
            record = self._unrecorded.pop(0)
            try:
                await record()
            except BaseException:
                self._unrecorded.insert(0, record)
                raise
        if self._stranded:
            ids = sorted(self._stranded)
            async with self.app.db.transaction() as connection:
                await outbox.give_back_unsent(connection, ids, worker=self.worker)
            self._stranded.difference_update(ids)

    def _hold(self) -> None:
        """This worker holds claims: renew them every `heartbeat_s` until it holds none."""
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._beat())

    async def _beat(self) -> None:
        while self.holding:
            await asyncio.sleep(self.heartbeat_s)
            if not self.holding:
                return
            try:
                async with self.app.db.transaction() as connection:
                    await outbox.renew_claims(connection, worker=self.worker, now=self.app.now())
            except DATABASE_DOWN as exc:
                log.warning("could not renew the outbox's claims", extra={"why": repr(exc)})

    async def _recorded(self, record: Callable[[], Awaitable[None]]) -> None:
        """Record an outcome now; when the database cannot, keep it for the next delivery
        (before anything else is sent) and raise."""
        try:
            await record()
        except DATABASE_DOWN:
            self._unrecorded.append(record)
            self._hold()
            raise

    async def _give_way(self) -> None:
        """Between delivery's steps: a pause while requests are being answered (see
        bot/delivery/foreground.py), else only a turn of the event loop."""
        busy = self.foreground is not None and self.foreground.busy
        await asyncio.sleep(GIVE_WAY_S if busy else 0)

    async def _render(self, message_ids: Sequence[int]) -> list[tuple[int, int, Outcome]]:
        """Render these rows in one short session (closed before anything is sent: a second
        session inside it would wait on its lock, SQLite having one writer)."""
        out: list[tuple[int, int, Outcome]] = []
        async with self.app.db.session() as session:
            rows = await outbox.rows_by_id(session, message_ids)
            # A card update reads what it draws itself (bot.usecases.panel.panel_now): prefetching
            # its case's events and milestones would be two queries for nothing.
            await run_reads.prefetch_cases(
                session,
                [
                    r.case_id
                    for r in rows.values()
                    if r.case_id and r.kind != outbox.CASE_CARD_UPDATE
                ],
            )
            for message_id in message_ids:
                row = rows.get(message_id)
                attempts = row.attempts if row is not None else 0
                try:
                    if row is None:
                        raise LookupError(f"outbox row {message_id} is gone")
                    renderer = self.renderers.get(row.kind)
                    if renderer is None:
                        raise NotReady(f"no renderer for {row.kind!r}")
                    rendered = await renderer(self.app, session, row)
                    if row.resent and rendered.replaces is None:
                        rendered = dataclasses.replace(
                            rendered, message=possible_repeat(rendered.message)
                        )
                    out.append((message_id, attempts, rendered))
                except (NotReady, Skip, Unreachable) as why:
                    out.append((message_id, attempts, why))
                except Exception as exc:
                    # Raised when this row's turn to be sent comes, as when rendering was
                    # done one row at a time: the rows before it still go out.
                    out.append((message_id, attempts, _RenderFailed(exc)))
                    break
        run_reads.forget_prefetch()  # only for this batch's rendering
        return out

    async def _send_one(self, message_id: int, attempts: int, rendered: Outcome) -> int:
        if isinstance(rendered, _RenderFailed):
            raise rendered.error
        if isinstance(rendered, NotReady):
            await self._retry_later(message_id, str(rendered), attempts, None, hold=True)
            return 0
        if isinstance(rendered, Skip):
            await self._mark(message_id, str(rendered), outbox.CANCELLED, None)
            return 0
        if isinstance(rendered, Unreachable):
            await self._undeliverable(message_id, rendered)
            return 0
        await self.tenant_pacer.wait(rendered.address.tenant_id or "")
        await self.pacer.wait(rendered.address.conversation_id)
        if rendered.replaces is None:
            # A new message: from here on it may reach Teams, whatever happens to this process.
            async with self.app.db.transaction() as connection:
                started = await outbox.mark_send_started(
                    connection, message_id, worker=self.worker, now=self.app.now()
                )
            if not started:
                return 0  # the claim was taken over: the row is someone else's now
        try:
            if rendered.replaces is not None:
                await self.messenger.update(rendered.address, rendered.replaces, rendered.message)
                activity_id = rendered.replaces
            else:
                activity_id = await self.messenger.send(rendered.address, rendered.message)
        except SendError as exc:
            if rendered.recipient is not None and exc.person_unreachable:
                await self._undeliverable(message_id, unreachable(rendered.recipient, exc))
            else:
                await self._failed(message_id, exc, attempts)
            return 0
        await self._recorded(lambda: self._mark_sent(message_id, activity_id, rendered))
        return 1

    async def _mark_sent(self, message_id: int, activity_id: str, rendered: Rendered) -> None:
        if rendered.on_sent is None:
            async with self.app.db.transaction() as connection:
                await outbox.mark_sent_on(
                    connection,
                    message_id,
                    worker=self.worker,
                    activity_id=activity_id,
                    now=self.app.now(),
                )
            return
        async with self.app.db.session() as session, session.begin():
            ok = await outbox.mark_sent(
                session, message_id, worker=self.worker, activity_id=activity_id, now=self.app.now()
            )
            if ok:
                await rendered.on_sent(session, activity_id)

    async def _failed(self, message_id: int, exc: SendError, attempts: int) -> None:
        log.warning("outbox send failed", extra={"outbox_id": message_id, "status": exc.status})
        if exc.status is None:
            # No answer: it may have been posted. Do not post it blindly again.
            await self._mark(message_id, str(exc), outbox.UNCERTAIN, None)
        elif exc.status in RETRYABLE and attempts + 1 < MAX_ATTEMPTS:
            await self._retry_later(message_id, str(exc), attempts, exc.retry_after)
        else:
            await self._mark(message_id, str(exc), outbox.FAILED, None)

    async def _undeliverable(self, message_id: int, why: Unreachable) -> None:
        """End the row undeliverable and, in the same transaction, tell the managers (once:
        only the worker holding the claim records it); then deliver again, so they hear at
        once."""
        log.warning(
            "outbox message undeliverable",
            extra={"outbox_id": message_id, "member_id": why.member_id, "reason": why.reason},
        )

        async def record() -> None:
            async with self.app.db.session() as session, session.begin():
                marked = await outbox.mark_failed_attempt(
                    session,
                    message_id,
                    worker=self.worker,
                    error=outbox.undeliverable_note(why.member_id, why.reason),
                    status=outbox.UNDELIVERABLE,
                    retry_at=None,
                )
                if marked:
                    await undelivered.not_reached(
                        self.app, session, message_id, why.member_id, why.reason
                    )

        await self._recorded(record)
        self.kick()

    async def _retry_later(
        self,
        message_id: int,
        error: str,
        attempts: int,
        retry_after: float | None,
        *,
        hold: bool = False,
    ) -> None:
        delay = timedelta(minutes=5) if hold else backoff(attempts, retry_after, self.rng)
        await self._mark(message_id, error, outbox.PENDING, self.app.now() + delay)

    async def _mark(
        self, message_id: int, error: str, status: str, retry_at: datetime | None
    ) -> None:
        async def record() -> None:
            async with self.app.db.session() as session, session.begin():
                await outbox.mark_failed_attempt(
                    session,
                    message_id,
                    worker=self.worker,
                    error=error,
                    status=status,
                    retry_at=retry_at,
                )

        await self._recorded(record)
