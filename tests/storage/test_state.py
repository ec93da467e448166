"""The state store: e_tag optimistic concurrency on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.state import StateConflict, StateStore


async def test_write_read_round_trip(db: Database) -> None:
    store = StateStore(db)
    tags = await store.write({"a": ('{"x": 1}', None), "b": ("[]", "*")})
    found = await store.read(["a", "b", "missing"])
    assert set(found) == {"a", "b"}
    assert found["a"].data == '{"x": 1}'
    assert found["a"].e_tag == tags["a"]
    assert tags["a"] != tags["b"]


async def test_stale_e_tag_is_refused_and_nothing_written(db: Database) -> None:
    store = StateStore(db)
    first = (await store.write({"k": ("1", None)}))["k"]
    second = (await store.write({"k": ("2", first)}))["k"]
    assert second != first
    with pytest.raises(StateConflict):
        await store.write({"other": ("new", None), "k": ("3", first)})
    found = await store.read(["k", "other"])
    assert found["k"].data == "2"
    assert "other" not in found  # the whole write was one transaction


async def test_star_overwrites_whatever_is_stored(db: Database) -> None:
    store = StateStore(db)
    await store.write({"k": ("1", None)})
    await store.write({"k": ("2", "*")})
    assert (await store.read(["k"]))["k"].data == "2"


async def test_e_tag_for_a_missing_key_creates_it(db: Database) -> None:
    store = StateStore(db)
    await store.write({"k": ("1", "some-old-tag")})
    assert (await store.read(["k"]))["k"].data == "1"


async def test_delete(db: Database) -> None:
    store = StateStore(db)
    await store.write({"a": ("1", None), "b": ("2", None)})
    await store.delete(["a"])
    assert set(await store.read(["a", "b"])) == {"b"}
