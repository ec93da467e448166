"""Repositories on both databases: the ledger, the roster lookups, the audit trail."""

from __future__ import annotations

import asyncio

from storage import repositories as repo
from storage.db import Database


async def test_activity_ledger_claims_once(db: Database) -> None:
    async with db.session() as s, s.begin():
        assert await repo.claim_activity(s, "conv|act-1") is True
    async with db.session() as s, s.begin():
        assert await repo.claim_activity(s, "conv|act-1") is False
        assert await repo.claim_activity(s, "conv|act-2") is True


async def test_concurrent_claims_of_one_activity_let_exactly_one_through(db: Database) -> None:
    async def claim() -> bool:
        async with db.session() as s, s.begin():
            return await repo.claim_activity(s, "conv|same")

    results = await asyncio.gather(*(claim() for _ in range(8)), return_exceptions=True)
    assert [r for r in results if r is True] == [True]
    assert all(r is False for r in results if r is not True)


async def test_a_rolled_back_use_case_releases_its_claim(db: Database) -> None:
    class Boom(Exception):
        pass

    try:
        async with db.session() as s, s.begin():
            await repo.claim_activity(s, "conv|act-9")
            raise Boom
    except Boom:
        pass
    async with db.session() as s, s.begin():
        assert await repo.claim_activity(s, "conv|act-9") is True


async def test_member_found_by_aad_id_or_by_email_until_first_seen(db: Database) -> None:
    async with db.session() as s, s.begin():
        p = await repo.ensure_partnership(s, slug="t", name="Test", profile="stockport")
        await repo.upsert_member(
            s, p.id, email="Pat@Example.org", name="Pat", agency="police", roles=["panel"]
        )
        await repo.upsert_member(
            s,
            p.id,
            email="lee@example.org",
            name="Lee",
            agency="la",
            roles=["panel"],
            aad_object_id="aad-lee",
        )
    async with db.session() as s, s.begin():
        by_email = await repo.find_member(s, p.id, aad_object_id="aad-new", email="pat@example.org")
        assert by_email is not None and by_email.name == "Pat"
        by_aad = await repo.find_member(s, p.id, aad_object_id="aad-lee", email=None)
        assert by_aad is not None and by_aad.name == "Lee"
        assert await repo.find_member(s, p.id, aad_object_id="aad-x", email="x@example.org") is None
        # Lee is known by AAD id: a stranger using Lee's email with another id is not Lee.
        assert (
            await repo.find_member(s, p.id, aad_object_id="aad-x", email="lee@example.org") is None
        )


async def test_audit_trail_is_append_only_through_the_repository(db: Database) -> None:
    async with db.session() as s, s.begin():
        p = await repo.ensure_partnership(s, slug="t", name="Test", profile="stockport")
        await repo.audit(s, action="case.view", actor="aad-1", partnership_id=p.id)
        await repo.audit(s, action="vote.refused", actor="aad-2", outcome="refused")
    async with db.session() as s:
        trail = await repo.audit_trail(s)
    assert [(e.action, e.outcome) for e in trail] == [
        ("case.view", "ok"),
        ("vote.refused", "refused"),
    ]
    assert not any(name.startswith(("update", "delete")) and "audit" in name for name in dir(repo))


async def test_conversation_reference_replaced_not_duplicated(db: Database) -> None:
    async with db.session() as s, s.begin():
        p = await repo.ensure_partnership(s, slug="t", name="Test", profile="stockport")
        for conv in ("19:a@thread.tacv2", "19:b@thread.tacv2"):
            await repo.save_conversation_reference(
                s,
                p.id,
                kind="channel",
                key="rapid_review",
                conversation_id=conv,
                service_url="https://smba.trafficmanager.net/uk/",
                tenant_id="t1",
                reference={"conversation": {"id": conv}},
            )
    async with db.session() as s:
        ref = await repo.conversation_reference(s, p.id, kind="channel", key="rapid_review")
    assert ref is not None and ref.conversation_id == "19:b@thread.tacv2"
