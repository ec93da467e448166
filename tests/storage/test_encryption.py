"""Encryption at rest (issue 24): the referral's form, the returns, the panel's words, the
chair's notes and the reasons people typed are stored sealed; a copy of the database without
the key shows none of them, on SQLite and on PostgreSQL. Rotation reseals; old rows stay
readable."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Text, column, make_url, select, table, update

from helpers.keys import TEST_DATA_KEY, fixed_key, raw_tables
from helpers.referral import FORM
from storage import after, voting
from storage import cases as case_repo
from storage import repositories as repo
from storage.crypto import (
    PREFIX,
    DataKeyMismatch,
    Keyring,
    KeysNotInstalled,
    MalformedKey,
    install_keys,
    key_id,
    new_key,
)
from storage.db import Database
from storage.encryption import check_keys, encrypted_tables, rotate
from storage.models import (
    Base,
    BotStateItem,
    ChairNote,
    Decision,
    EarlierDecision,
    Escalation,
    InformationRequest,
    LearningReview,
    Meeting,
    Milestone,
    NationalPanelAnswer,
    PanelQuery,
    PanelVote,
    Referral,
    ReferralAddition,
)

KEY_B = fixed_key("B")
KEY_C = fixed_key("C")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
REF = "SSCP-2026-0001"
# Every value people type below holds this word; no raw row may.
MARK = "MARKER"
ENCRYPTED_COLUMNS = {
    "referral.form",
    "referral_addition.value",
    "panel_vote.rationale",
    "panel_vote.serious_harm_basis",
    "panel_vote.queries",
    "panel_query.questions",
    "panel_query.answer",
    "decision.rationales",
    "milestone.done_note",
    "information_request.answers",
    "information_request.chronology",
    "meeting.late_reason",
    "chair_note.notes",
    "decision.decided_how",
    "earlier_decision.rationales",
    "earlier_decision.detail",
    "national_panel_answer.asks",
    "bot_state.data",
    "learning_review.summary",
    "escalation.determination",
    "escalation.reasons",
}


def the_form() -> dict[str, Any]:
    form = copy.deepcopy(FORM)
    form["child"]["child_name"] = "MARKER-CHILD Poppy Example"
    return form


async def write_a_case(db: Database) -> dict[str, int]:
    """A referral, a vote, the panel's questions and answer, a decision, a return, a meeting,
    the chair's notes and a milestone done by hand, each written as the bot writes it."""
    async with db.session() as s, s.begin():
        partnership = await repo.ensure_partnership(
            s, slug="stockport", name="Stockport", profile="stockport"
        )
        member = await repo.upsert_member(
            s, partnership.id, email="pat@example.org", name="Pat", agency="gmp", roles=["panel"]
        )
        case = await case_repo.open_case(
            s,
            partnership_id=partnership.id,
            prefix="SSCP",
            year=2026,
            received_at=NOW,
            pathway_sought="rapid_review",
            referring_agency="stockport_nhs_ft",
            event_date=date(2026, 11, 20),
            referrer_member_id=None,
            referrer_aad_object_id=None,
            submission_key="draft-1",
            form=the_form(),
            status="panel",
        )
        s.add(
            ReferralAddition(
                case_id=case.id,
                field="gp",
                value="MARKER-ADDITION Dr Example",
                added_at=NOW,
                added_by_name="Robin Referrer",
            )
        )
        s.add(
            PanelQuery(
                case_id=case.id,
                round=1,
                questions="MARKER-QUESTION was the child seen?",
                asked_at=NOW,
                answer="MARKER-ANSWER yes, twice",
                answered_at=NOW,
            )
        )
        s.add(
            Decision(
                case_id=case.id,
                outcome="rapid_review",
                decided_at=NOW,
                rationales={"police": "MARKER-DECISION the injuries"},
                deciders={"police": member.id},
                decided_how="MARKER-HOW on a call",
            )
        )
        s.add(
            EarlierDecision(
                case_id=case.id,
                outcome="practice_review",
                decided_at=NOW,
                rationales={"la": "MARKER-EARLIER the first view"},
                deciders={},
                reopened_at=NOW,
                why="new_information",
                detail="MARKER-REOPEN a new account",
            )
        )
        s.add(
            NationalPanelAnswer(
                case_id=case.id,
                answer="further_information",
                answered_on=date(2026, 12, 1),
                asks="MARKER-ASKS the school's records",
                recorded_at=NOW,
            )
        )
        s.add(BotStateItem(key="draft-state", data='{"MARKER-DRAFT": 1}', e_tag="1"))
        s.add(LearningReview(case_id=case.id, summary="MARKER-LEARNING fathers", updated_at=NOW))
        s.add(
            Escalation(
                case_id=case.id,
                determination="MARKER-DETERMINED it stands",
                reasons="MARKER-REASONS agreed",
                updated_at=NOW,
            )
        )
        await case_repo.mark_milestone_done(
            s, case.id, "national_panel_notification", NOW, member.id, note="MARKER-NOTE by phone"
        )
        request, _ = await after.add_request(
            s,
            case_id=case.id,
            agency="gmp",
            member_id=member.id,
            now=NOW,
            period=(date(2025, 11, 1), date(2026, 11, 20)),
        )
        after.save_answers(request, {"practitioners": "MARKER-RETURN PC Example"}, now=NOW)
        after.add_chronology_row(
            request, {"event_and_outcome": "MARKER-CHRONO missed clinic"}, now=NOW
        )
        after.mark_returned(request, involved=True, member_id=member.id, now=NOW)
        await after.set_meeting(
            s,
            case_id=case.id,
            starts_at=NOW,
            duration_minutes=60,
            location="Room 1",
            member_id=member.id,
            now=NOW,
            late_reason="MARKER-LATE the chair was ill",
        )
        await after.save_chair_note(
            s,
            case_id=case.id,
            notes={"overview": "MARKER-CHAIR the overview"},
            member_id=member.id,
            now=NOW,
        )
        ids = {"case": case.id, "member": member.id, "partnership": partnership.id}
    # The vote goes the fast way, as prepared statements on the connection (storage/voting.py).
    async with db.session() as s:
        case = await case_repo.get_case(s, ids["partnership"], REF)
    async with db.transaction() as connection:
        await voting.record_vote(
            connection,
            case=case,
            member_id=ids["member"],
            agency="gmp",
            outcome="queries",
            rationale="MARKER-RATIONALE bruising",
            serious_harm_basis="MARKER-BASIS hospital",
            queries="MARKER-QUERIES who else lives there?",
            activity_id="act-1",
            cast_at=NOW,
            actor="pat",
            audit_detail={"outcome": "queries"},
            read_facts=False,
        )
    return ids


def addition(case_id: int, value: str) -> ReferralAddition:
    return ReferralAddition(
        case_id=case_id, field="school", value=value, added_at=NOW, added_by_name="Robin"
    )


async def read_back(db: Database) -> dict[str, Any]:
    """What the bot reads: every encrypted value, through the models."""
    async with db.session() as s:
        form = await s.scalar(select(Referral.form))
        vote = (await s.scalars(select(PanelVote))).one()
        query = (await s.scalars(select(PanelQuery))).one()
        request = (await s.scalars(select(InformationRequest))).one()
        return {
            "form": form,
            "addition": await s.scalar(
                select(ReferralAddition.value).order_by(ReferralAddition.id)
            ),
            "vote": (vote.rationale, vote.serious_harm_basis, vote.queries),
            "query": (query.questions, query.answer),
            "decision": await s.scalar(select(Decision.rationales)),
            "note": await s.scalar(
                select(Milestone.done_note).where(Milestone.done_note.is_not(None))
            ),
            "return": (request.answers, request.chronology),
            "late": await s.scalar(select(Meeting.late_reason)),
            "chair": await s.scalar(select(ChairNote.notes)),
            "how": await s.scalar(select(Decision.decided_how)),
            "earlier": (
                await s.scalar(select(EarlierDecision.rationales)),
                await s.scalar(select(EarlierDecision.detail)),
            ),
            "asks": await s.scalar(select(NationalPanelAnswer.asks)),
            "draft": await s.scalar(select(BotStateItem.data)),
            "learning": await s.scalar(select(LearningReview.summary)),
            "escalation": (
                await s.scalar(select(Escalation.determination)),
                await s.scalar(select(Escalation.reasons)),
            ),
        }


EXPECTED = {
    "form": the_form(),
    "addition": "MARKER-ADDITION Dr Example",
    "vote": (
        "MARKER-RATIONALE bruising",
        "MARKER-BASIS hospital",
        "MARKER-QUERIES who else lives there?",
    ),
    "query": ("MARKER-QUESTION was the child seen?", "MARKER-ANSWER yes, twice"),
    "decision": {"police": "MARKER-DECISION the injuries"},
    "note": "MARKER-NOTE by phone",
    "return": (
        {"practitioners": "MARKER-RETURN PC Example"},
        [{"event_and_outcome": "MARKER-CHRONO missed clinic"}],
    ),
    "late": "MARKER-LATE the chair was ill",
    "chair": {"overview": "MARKER-CHAIR the overview"},
    "how": "MARKER-HOW on a call",
    "earlier": ({"la": "MARKER-EARLIER the first view"}, "MARKER-REOPEN a new account"),
    "asks": "MARKER-ASKS the school's records",
    "draft": '{"MARKER-DRAFT": 1}',
    "learning": "MARKER-LEARNING fathers",
    "escalation": ("MARKER-DETERMINED it stands", "MARKER-REASONS agreed"),
}


async def raw_rows(url: str) -> str:
    """Every row of every table as the database holds it, read without our column types."""
    return "\n".join((await raw_tables(url)).values())


def file_bytes(url: str) -> str:
    """The SQLite database's files, byte for byte (the database and its write-ahead log)."""
    path = Path(make_url(url).database or "")
    files = [p for p in (path, Path(f"{path}-wal")) if p.exists()]
    assert files
    return "".join(p.read_bytes().decode("latin-1") for p in files)


async def sealed_values(url: str) -> dict[str, list[Any]]:
    """`table.column` -> the stored values of every encrypted column (None left out)."""
    db = Database(url)
    found: dict[str, list[Any]] = {}
    try:
        async with db.engine.connect() as conn:
            for t in encrypted_tables():
                for name in t.columns:
                    col = t.raw.c[name]
                    rows = await conn.execute(select(col).where(col.is_not(None)))
                    found[f"{t.name}.{name}"] = list(rows.scalars())
    finally:
        await db.dispose()
    return found


# --- the keyring -------------------------------------------------------------------------------


def test_a_value_is_sealed_under_the_newest_key_and_opened_by_the_key_that_sealed_it() -> None:
    a, b = Keyring([TEST_DATA_KEY]), Keyring([KEY_B, TEST_DATA_KEY])
    sealed = a.encrypt("MARKER child")
    assert sealed.startswith(f"{PREFIX}{key_id(TEST_DATA_KEY)}:") and "MARKER" not in sealed
    assert a.encrypt("MARKER child") != sealed  # a fresh IV each time
    assert b.decrypt(sealed) == "MARKER child"
    assert a.is_current(sealed) and not b.is_current(sealed)
    assert b.is_current(b.encrypt("x"))
    assert key_id(TEST_DATA_KEY) != key_id(KEY_B)
    with pytest.raises(DataKeyMismatch, match="DATA_KEYS") as caught:
        Keyring([KEY_B]).decrypt(sealed)
    assert "MARKER" not in str(caught.value)


def test_an_altered_value_is_refused_never_garbage() -> None:
    keys = Keyring([TEST_DATA_KEY])
    sealed = keys.encrypt("MARKER child")
    altered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(DataKeyMismatch, match="DATA_KEYS do not match the data"):
        keys.decrypt(altered)
    with pytest.raises(DataKeyMismatch):
        keys.decrypt(PREFIX + "garbage")


@pytest.mark.parametrize(
    "keys, problem",
    [
        (["not-a-key-at-all-MARKER"], "key 1 is not a data key"),
        ([new_key(), "c2hvcnQ="], "key 2 is not a data key"),
        ([TEST_DATA_KEY, TEST_DATA_KEY], "key 2 is given twice"),
        ([], "no key given"),
    ],
)
def test_a_malformed_key_is_named_by_its_place_never_shown(keys: list[str], problem: str) -> None:
    with pytest.raises(MalformedKey, match=problem) as caught:
        Keyring(keys)
    assert "MARKER" not in str(caught.value) and "c2hvcnQ" not in str(caught.value)


async def test_without_installed_keys_nothing_is_read_or_written(db: Database) -> None:
    ids = await write_a_case(db)
    install_keys(None)
    async with db.session() as s:
        with pytest.raises(KeysNotInstalled):
            await s.scalar(select(Referral.form))
    with pytest.raises(Exception, match="no data keys are installed"):
        async with db.session() as s, s.begin():
            s.add(addition(ids["case"], "MARKER-NEVER"))
    install_keys(Keyring([TEST_DATA_KEY]))
    raw = await raw_rows(db.url)
    assert REF in raw and "MARKER-NEVER" not in raw


# --- at rest -----------------------------------------------------------------------------------


def test_every_free_text_column_named_in_issue_24_is_encrypted() -> None:
    found = {f"{t.name}.{name}" for t in encrypted_tables() for name in t.columns}
    assert found == ENCRYPTED_COLUMNS
    # And nothing that is queried: the reference, the dates and the statuses are not.
    case = Base.metadata.tables["case"]
    assert not any("Encrypted" in type(c.type).__name__ for c in case.columns)


async def test_a_copy_of_the_database_without_the_key_shows_none_of_it(db_url: str) -> None:
    db = Database(db_url)
    try:
        await write_a_case(db)
        assert await read_back(db) == EXPECTED  # readable with the key
    finally:
        await db.dispose()
    raw = await raw_rows(db_url)
    assert REF in raw and PREFIX in raw  # the scan sees the rows, sealed values among them
    assert MARK not in raw
    if db_url.startswith("sqlite"):
        assert MARK not in file_bytes(db_url)
    stored = await sealed_values(db_url)
    assert set(stored) == ENCRYPTED_COLUMNS
    for where, values in stored.items():
        assert values, where
        assert all(isinstance(v, str) and v.startswith(PREFIX) for v in values), where


async def test_a_wrong_key_is_refused_by_the_start_up_check_naming_data_keys(db: Database) -> None:
    assert await check_keys(db) == 0  # nothing sealed yet: nothing to refuse
    await write_a_case(db)
    assert await check_keys(db) == 2 * len(ENCRYPTED_COLUMNS)
    install_keys(Keyring([KEY_C]))
    with pytest.raises(
        DataKeyMismatch, match=r"^\w+\.\w+ \(row [^)]+\): DATA_KEYS do not match"
    ) as caught:
        await check_keys(db)
    assert MARK not in str(caught.value)
    with pytest.raises(DataKeyMismatch):
        await read_back(db)


# --- rotation and older rows -------------------------------------------------------------------


async def test_rotation_from_a_to_b_a_then_b_alone_keeps_everything_readable(db_url: str) -> None:
    db = Database(db_url)
    try:
        ids = await write_a_case(db)  # under the suite's key, A
        install_keys(Keyring([KEY_B, TEST_DATA_KEY]))
        assert await read_back(db) == EXPECTED  # B is new, A still opens the rows
        async with db.session() as s, s.begin():
            s.add(addition(ids["case"], "MARKER-B"))
        counts = await rotate(db, batch_size=1)  # one row a transaction: batches are walked
        assert sum(c.resealed for c in counts.values()) == len(ENCRYPTED_COLUMNS)
        assert counts["referral_addition.value"].resealed == 1
        assert counts["referral_addition.value"].current == 1  # the one written under B
        assert all(c.sealed == 0 for c in counts.values())
        again = await rotate(db)
        assert sum(c.changed for c in again.values()) == 0
        assert sum(c.current for c in again.values()) == len(ENCRYPTED_COLUMNS) + 1

        install_keys(Keyring([KEY_B]))  # A dropped
        assert await read_back(db) == EXPECTED
        assert await check_keys(db) == 2 * len(ENCRYPTED_COLUMNS)
        install_keys(Keyring([TEST_DATA_KEY]))  # and A alone no longer opens anything
        with pytest.raises(DataKeyMismatch):
            await read_back(db)
    finally:
        await db.dispose()
    kid = key_id(KEY_B)
    for where, values in (await sealed_values(db_url)).items():
        assert all(v.startswith(f"{PREFIX}{kid}:") for v in values), where


async def test_rows_written_before_encryption_stay_readable_and_rotate_seals_them(
    db_url: str,
) -> None:
    db = Database(db_url)
    try:
        await write_a_case(db)
        # Put the stored values back in plain, as rows written before this change hold them.
        plain_text = {
            "panel_vote": {"rationale": "MARKER-OLD rationale", "queries": None},
            "meeting": {"late_reason": "MARKER-OLD late"},
        }
        plain_json = {
            "referral": {"form": the_form()},
            "chair_note": {"notes": {"overview": "MARKER-OLD chair"}},
            "information_request": {"chronology": []},
        }
        async with db.transaction() as conn:
            for name, values in plain_text.items():
                view = table(name, *(column(c, Text) for c in values))
                await conn.execute(update(view).values(values))
            for name, values in plain_json.items():
                view = table(name, *(column(c, JSON) for c in values))
                await conn.execute(update(view).values(values))
        assert MARK in await raw_rows(db_url)  # the plain rows really are plain

        seen = await read_back(db)
        assert seen["form"] == the_form()
        assert seen["vote"] == ("MARKER-OLD rationale", "MARKER-BASIS hospital", None)
        assert seen["late"] == "MARKER-OLD late"
        assert seen["chair"] == {"overview": "MARKER-OLD chair"}
        assert seen["return"][1] == []

        counts = await rotate(db)
        sealed = {where: c.sealed for where, c in counts.items() if c.sealed}
        assert sealed == {
            "referral.form": 1,
            "panel_vote.rationale": 1,
            "meeting.late_reason": 1,
            "chair_note.notes": 1,
            "information_request.chronology": 1,
        }
        assert sum(c.resealed for c in counts.values()) == 0
        assert sum(c.changed for c in (await rotate(db)).values()) == 0
        assert await read_back(db) == seen
    finally:
        await db.dispose()
    assert MARK not in await raw_rows(db_url)
    stored = await sealed_values(db_url)
    assert stored["panel_vote.queries"] == []  # a NULL stays NULL (IS NULL still works)
    assert all(v.startswith(PREFIX) for values in stored.values() for v in values)
