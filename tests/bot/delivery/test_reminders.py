"""Deadline reminders with a controllable clock: which nudge goes out on which day, once."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.delivery.courier import RELEASE_EVERY
from bot.teams.keys import COURIER
from helpers.app import app_settings, running_app
from helpers.cards import check_cards
from helpers.connector import Call, FakeConnector
from helpers.outbox import nudge_rows, one_due_nudge, seed_due_nudges, sweep
from helpers.referral import complete_referral, register_channel, submit
from review.calendar import LONDON
from storage import outbox
from storage.db import Database
from storage.models import OutboundMessage

CHRISTMAS_EVE = datetime(2026, 12, 24, 16, 5, tzinfo=UTC)  # Thursday, 16:05 in London


class Clock:
    """A controllable clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def london(self, day: date, hour: int = 9, minute: int = 5) -> None:
        """Move to `day` at hh:mm London time."""
        self.now = datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(
            UTC
        )


def nudges(calls: list[Call]) -> list[tuple[str, str]]:
    """(milestone title fragment, stage word) of every nudge card posted in a thread."""
    found = []
    for call in calls:
        if ";messageid=" not in call.conversation_id or call.method != "POST":
            continue
        text = json.dumps(call.body)
        if '"milestone.done"' not in text:
            continue
        stage = next(s for s in ("Escalated", "Overdue", "Due today", "Due in") if s in text)
        milestone = re.search(r'"milestone": "([a-z_0-9]+)"', text)
        assert milestone is not None
        short = {"national_panel_notification": "notify", "rapid_review_report": "report"}
        found.append((short.get(milestone.group(1), milestone.group(1)), stage))
    return found


async def test_a_case_walked_across_christmas_and_new_year(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = Clock(CHRISTMAS_EVE)
    days: dict[date, list[tuple[str, str]]] = {}
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await register_channel(app, connector)
        await complete_referral(app, connector)
        await submit(app, connector, "referral.submit")
        await app.client.app[COURIER].idle()
        day = date(2026, 12, 24)
        while day <= date(2027, 1, 21):
            if day == date(2027, 1, 8):  # the notification is made; its reminders stop
                clock.london(day, 8, 30)
                # By the notifier (Lee, the delegated officer), on the draft's card: the
                # referrer may not.
                from helpers.activities import card_invoke

                data = {
                    "reference": "SSCP-2026-0001",
                    "notified_on": "2027-01-08",
                    "notification_reference": "NP-FICTIONAL-9",
                }
                robin = card_invoke(
                    "notification.record", data, who="robin", service_url=connector.url
                )
                answer = await app.post_activity(robin)
                assert "can notify the National Panel" in json.dumps(await answer.json())
                lee = card_invoke("notification.record", data, who="lee", service_url=connector.url)
                answer = await app.post_activity(lee)
                assert "National Panel notified" in json.dumps(await answer.json())
            before = len(connector.calls)
            for hour, minute in ((9, 5), (14, 0)):  # two sweeps a day post nothing twice
                clock.london(day, hour, minute)
                await sweep(app)
            posted = nudges(connector.calls[before:])
            if posted:
                days[day] = sorted(posted)
            day += timedelta(days=1)
        check_cards(connector.cards())
    # Notification: 5 working days after Thu 24 Dec (25, 28 Dec and 1 Jan are bank
    # holidays) is Tue 5 Jan. Report: 15 working days, Tue 19 Jan.
    assert days == {
        date(2026, 12, 31): [("notify", "Due in")],
        date(2027, 1, 5): [("notify", "Due today")],
        date(2027, 1, 6): [("notify", "Overdue")],
        date(2027, 1, 7): [("notify", "Escalated"), ("notify", "Overdue")],
        date(2027, 1, 15): [("report", "Due in")],
        date(2027, 1, 19): [("report", "Due today")],
        date(2027, 1, 20): [("report", "Overdue")],
        date(2027, 1, 21): [("report", "Escalated"), ("report", "Overdue")],
    }


async def test_digest_posts_once_on_working_days_only(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = Clock(CHRISTMAS_EVE)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await register_channel(app, connector)
        await complete_referral(app, connector)
        await submit(app, connector, "referral.submit")
        digests: dict[date, int] = {}
        day = date(2026, 12, 24)
        while day <= date(2026, 12, 31):
            for hour in (8, 9, 12, 17):
                clock.london(day, hour, 30)
                before = len(connector.calls)
                await sweep(app)
                posted = [
                    c
                    for c in connector.calls[before:]
                    if "Rapid review digest" in json.dumps(c.body)
                ]
                if posted:
                    digests[day] = digests.get(day, 0) + len(posted)
            day += timedelta(days=1)
    assert digests == {
        date(2026, 12, 24): 1,
        date(2026, 12, 29): 1,
        date(2026, 12, 30): 1,
        date(2026, 12, 31): 1,
    }


async def test_after_downtime_a_missed_nudge_goes_out_once_and_says_it_is_late(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = Clock(CHRISTMAS_EVE)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await register_channel(app, connector)
        await complete_referral(app, connector)
        await submit(app, connector, "referral.submit")
    # Down from Christmas Eve until Thursday 7 Jan at 11:00.
    clock.london(date(2027, 1, 7), 11, 0)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        before = len(connector.calls)
        await sweep(app)
        await sweep(app)
        posted = connector.calls[before:]
    found = nudges(posted)
    assert sorted(found) == [("notify", "Escalated"), ("notify", "Overdue")]
    assert "2 working days" in json.dumps([c.body for c in posted])


async def test_two_instances_sweeping_together_post_each_nudge_once(
    roster_db: str, connector: FakeConnector
) -> None:
    await seed_due_nudges(roster_db, 200, connector)
    clock = Clock(datetime(2027, 1, 7, 7, 30, tzinfo=UTC))  # the notification's due day
    async with (
        running_app(app_settings(roster_db), clock=clock) as one,
        running_app(app_settings(roster_db), clock=clock) as two,
    ):
        await asyncio.gather(sweep(one), sweep(two), sweep(one), sweep(two))
    posts = [
        c for c in connector.calls if c.method == "POST" and ";messageid=" in c.conversation_id
    ]
    threads = [c.conversation_id for c in posts]
    assert len(threads) == 200
    assert len(set(threads)) == 200
    db = Database(roster_db)
    try:
        async with db.session() as s:
            sent = await s.scalar(
                select(func.count())
                .select_from(OutboundMessage)
                .where(OutboundMessage.kind == "nudge", OutboundMessage.status == "sent")
            )
            assert sent == 200
    finally:
        await db.dispose()


async def test_429_then_500_then_success_posts_once(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = await one_due_nudge(roster_db, connector)
    connector.fail_next.extend([(429, {"Retry-After": "30"}), (500, {})])
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await sweep(app)
        (row,) = await nudge_rows(roster_db)
        assert row.status == "pending" and row.send_after >= clock.now + timedelta(seconds=30)
        await sweep(app)  # not due yet: Retry-After is honoured
        assert len([c for c in connector.calls if ";messageid=" in c.conversation_id]) == 1
        clock.now += timedelta(minutes=1)
        await sweep(app)  # the 500
        clock.now += timedelta(minutes=10)
        await sweep(app)  # success
        clock.now += timedelta(minutes=10)
        await sweep(app)
    attempts = [c for c in connector.calls if ";messageid=" in c.conversation_id]
    assert len(attempts) == 3
    (row,) = await nudge_rows(roster_db)
    assert row.status == "sent" and row.attempts == 3 and row.sent_activity_id


async def test_a_dropped_connection_is_marked_uncertain_not_posted_again(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = await one_due_nudge(roster_db, connector)
    connector.drop_next = 1
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await sweep(app)
        clock.now += timedelta(hours=1)
        await sweep(app)
        health = await (await app.client.get("/healthz")).json()
    (row,) = await nudge_rows(roster_db)
    assert row.status == "uncertain"
    assert len([c for c in connector.calls if ";messageid=" in c.conversation_id]) == 1
    assert health["outbox"]["uncertain"] == 1


async def test_a_permanent_failure_ends_failed_and_shows_in_health(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = await one_due_nudge(roster_db, connector)
    connector.fail_next.extend([(403, {})])
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await sweep(app)
        health = await (await app.client.get("/healthz")).json()
    (row,) = await nudge_rows(roster_db)
    assert row.status == "failed"
    assert health["outbox"]["failed"] == 1


async def test_killed_between_claim_and_send_goes_out_once_after_restart(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = await one_due_nudge(roster_db, connector)
    db = Database(roster_db)
    try:
        async with db.transaction() as c:  # a worker claims, then dies
            claimed = await outbox.claim_due(c, now=clock.now, worker="dead-worker")
            assert len(claimed) == 1
    finally:
        await db.dispose()
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await sweep(app)  # within the lease: the dead worker's claim is respected
        assert not [c for c in connector.calls if ";messageid=" in c.conversation_id]
        clock.now += timedelta(minutes=3)
        await sweep(app)
        await sweep(app)
    assert len([c for c in connector.calls if ";messageid=" in c.conversation_id]) == 1
    (row,) = await nudge_rows(roster_db)
    assert row.status == "sent"


async def test_stale_claims_are_looked_for_every_quarter_lease_not_every_delivery(
    roster_db: str, connector: FakeConnector
) -> None:
    """Deliveries come once a second while votes do; a dead worker's claim is released by
    the first delivery after its lease ends that is RELEASE_EVERY past the last look (this
    worker in touch with the database all along, from the moment of the claim)."""
    clock = await one_due_nudge(roster_db, connector)
    claimed_at = clock.now
    db = Database(roster_db)
    try:
        async with db.transaction() as c:  # a worker claims, then dies
            assert len(await outbox.claim_due(c, now=claimed_at, worker="dead-worker")) == 1
    finally:
        await db.dispose()

    def posted() -> int:
        return len([c for c in connector.calls if ";messageid=" in c.conversation_id])

    async with running_app(app_settings(roster_db), clock=clock) as app:
        courier = app.client.app[COURIER]
        clock.now = claimed_at
        await courier.deliver()  # in touch with the database from the claim on
        clock.now = claimed_at + outbox.LEASE - timedelta(seconds=10)
        await courier.deliver()  # looks: the claim is still within its lease
        clock.now = claimed_at + outbox.LEASE + timedelta(seconds=10)
        await courier.deliver()  # the lease is over, but the last look was 20 s ago
        assert posted() == 0
        clock.now = claimed_at + outbox.LEASE - timedelta(seconds=10) + RELEASE_EVERY
        await courier.deliver()
        await courier.deliver()
    assert posted() == 1
    (row,) = await nudge_rows(roster_db)
    assert row.status == "sent"


class FakeTime:
    """A clock for a pacer that moves only when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def within_a_second(stamps: list[float], limit: int) -> bool:
    """True when no second (a sliding window) holds more than `limit` of the stamps."""
    return all(b - a >= 0.999 for a, b in zip(stamps, stamps[limit:], strict=False))


async def test_the_pacer_keeps_to_seven_a_second_per_conversation() -> None:
    from bot.delivery.courier import ConversationPacer

    time = FakeTime()
    pacer = ConversationPacer()
    pacer._clock, pacer._sleep = time, time.sleep
    stamps = []
    for _ in range(15):
        await pacer.wait("19:channel@thread.tacv2;messageid=1")
        stamps.append(time.now - 1000.0)
    before = time.now
    await pacer.wait("19:channel@thread.tacv2;messageid=2")  # another thread does not wait
    assert time.now == before
    assert stamps[6] == 0.0
    assert stamps[7] >= 0.999 and stamps[14] >= 1.999
    assert within_a_second(stamps, 7)


async def test_a_burst_to_one_tenant_keeps_to_its_share_of_fifty_a_second(
    roster_db: str, connector: FakeConnector
) -> None:
    """120 reminders, each in its own case's thread (no conversation limit binds): the courier
    sends at most the tenant's rate in any second, and no slower than it needs to."""
    from bot.delivery.courier import Pacer

    await seed_due_nudges(roster_db, 120, connector)
    clock = Clock(datetime(2027, 1, 7, 7, 30, tzinfo=UTC))
    time = FakeTime()
    stamps: list[float] = []
    async with running_app(app_settings(roster_db), clock=clock) as app:
        courier = app.client.app[COURIER]
        assert courier.tenant_pacer.per_second == 50  # the default: one replica
        courier.tenant_pacer = Pacer(50, clock=time, sleep=time.sleep)
        send = courier.messenger.send

        async def timed(to: Any, message: Any) -> str:
            stamps.append(time.now)
            return await send(to, message)

        courier.messenger.send = timed
        await sweep(app)
    assert len(stamps) == 120
    assert within_a_second(stamps, 50)
    assert stamps[-1] - stamps[0] < 2.5  # 120 at 50 a second: two and a bit seconds


def test_the_tenant_rate_is_a_setting_with_teams_limit_as_its_ceiling() -> None:
    from bot.settings import Settings, SettingsError

    assert Settings.from_env({}).tenant_sends_per_second == 50
    env = {"TEAMS_TENANT_SENDS_PER_SECOND": "25"}  # one of two replicas
    assert Settings.from_env(env).tenant_sends_per_second == 25
    for bad in ("0", "51", "fifty"):
        try:
            Settings.from_env({"TEAMS_TENANT_SENDS_PER_SECOND": bad})
        except SettingsError as exc:
            assert "TEAMS_TENANT_SENDS_PER_SECOND" in str(exc)
        else:
            raise AssertionError(bad)


async def test_snooze_is_for_managers_and_quietens_one_working_day(
    roster_db: str, connector: FakeConnector
) -> None:
    from helpers.activities import card_invoke

    clock = Clock(CHRISTMAS_EVE)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await register_channel(app, connector)
        await complete_referral(app, connector)
        await submit(app, connector, "referral.submit")
        clock.london(date(2026, 12, 31), 8, 30)  # before the heads-up goes out

        async def press(verb: str, who: str) -> str:
            data = {"reference": "SSCP-2026-0001", "milestone": "national_panel_notification"}
            resp = await app.post_activity(
                card_invoke(verb, data, who=who, service_url=connector.url)
            )
            assert resp.status == 200
            return json.dumps(await resp.json())

        assert "Only a partnership manager" in await press("milestone.snooze", "pat")
        assert "SSCP-2026-0001" in await press("milestone.snooze", "morgan")
        before = len(connector.calls)
        clock.london(date(2026, 12, 31), 9, 5)
        await sweep(app)
        assert nudges(connector.calls[before:]) == []  # quiet for the day
        before = len(connector.calls)
        clock.london(date(2027, 1, 5), 9, 5)
        await sweep(app)
        assert nudges(connector.calls[before:]) == [("notify", "Due today")]
        # Lee, the notifier, records the notification on its draft: the milestone is done.
        recorded = {
            "reference": "SSCP-2026-0001",
            "notified_on": "2027-01-05",
            "notification_reference": "NP-FICTIONAL-7",
        }
        resp = await app.post_activity(
            card_invoke("notification.record", recorded, who="lee", service_url=connector.url)
        )
        assert "National Panel notified" in json.dumps(await resp.json())
        before = len(connector.calls)
        clock.london(date(2027, 1, 6), 9, 5)
        await sweep(app)
        assert nudges(connector.calls[before:]) == []  # done: its reminders stopped
