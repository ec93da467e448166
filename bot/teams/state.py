"""The Bot Framework `Storage` interface on the SQL state store (dialogs survive restarts)."""

from __future__ import annotations

import copy
import json
from typing import Any

from botbuilder.core import Storage, StoreItem
from jsonpickle.pickler import Pickler
from jsonpickle.unpickler import Unpickler

from storage.state import StateConflict, StateStore

# Only these classes may be rebuilt from stored state: a tampered row cannot name others.
_ALLOWED_PREFIXES = ("botbuilder.", "botframework.", "dialogs.", "datetime.")
_CLASS_TAGS = ("py/object", "py/type", "py/function")
_FORBIDDEN_TAGS = ("py/repr", "py/mod", "py/iterator")


class UnsafeStateError(ValueError):
    """A stored state item names a class outside the allow-list."""


def _check(node: Any) -> None:
    if isinstance(node, dict):
        for tag in _FORBIDDEN_TAGS:
            if tag in node:
                raise UnsafeStateError(f"stored state uses {tag}")
        for tag in _CLASS_TAGS:
            name = node.get(tag)
            if name is not None and not (
                isinstance(name, str) and name.startswith(_ALLOWED_PREFIXES)
            ):
                raise UnsafeStateError(f"stored state names {name!r}")
        for value in node.values():
            _check(value)
    elif isinstance(node, list):
        for value in node:
            _check(value)


def encode_state(value: Any) -> str:
    """Serialise a state item (dialog stacks, prompt options, plain data) to JSON text."""
    return json.dumps(Pickler(keys=False).flatten(value), separators=(",", ":"))


def decode_state(text: str) -> Any:
    """Rebuild a state item, refusing any class outside the allow-list."""
    data = json.loads(text)
    _check(data)
    return Unpickler().restore(data)


def _e_tag_of(item: Any) -> str | None:
    if isinstance(item, dict):
        tag = item.get("e_tag")
    else:
        tag = getattr(item, "e_tag", None)
    return tag if isinstance(tag, str) and tag else None


class SqlStorage(Storage):  # type: ignore[misc]
    """Bot state in the database; a write with a stale e_tag raises `StateConflict`."""

    def __init__(self, store: StateStore) -> None:
        self._store = store

    async def read(self, keys: list[str]) -> dict[str, Any]:
        """Read the items under `keys`, each carrying its current e_tag."""
        if keys is None:
            raise ValueError("Keys are required when reading")
        found = await self._store.read(keys)
        result: dict[str, Any] = {}
        for key, stored in found.items():
            item = decode_state(stored.data)
            if isinstance(item, dict):
                item["e_tag"] = stored.e_tag
            elif isinstance(item, StoreItem):
                item.e_tag = stored.e_tag
            result[key] = item
        return result

    async def write(self, changes: dict[str, Any]) -> None:
        """Write `changes`; an item whose e_tag is stale is refused (nothing is written)."""
        if changes is None:
            raise ValueError("Changes are required when writing")
        if not changes:
            return
        encoded: dict[str, tuple[str, str | None]] = {}
        for key, item in changes.items():
            tag = item.get("e_tag") if isinstance(item, dict) else getattr(item, "e_tag", None)
            if tag == "":
                raise StateConflict(f"state {key!r}: an empty e_tag matches nothing")
            body = copy.copy(item)
            if isinstance(body, dict):
                body.pop("e_tag", None)
            elif isinstance(body, StoreItem):
                body.e_tag = None
            encoded[key] = (encode_state(body), _e_tag_of(item))
        tags = await self._store.write(encoded)
        for key, item in changes.items():
            if isinstance(item, dict):
                item["e_tag"] = tags[key]
            elif isinstance(item, StoreItem):
                item.e_tag = tags[key]

    async def delete(self, keys: list[str]) -> None:
        """Delete the items under `keys`."""
        await self._store.delete(keys)


__all__ = ["SqlStorage", "StateConflict", "UnsafeStateError", "decode_state", "encode_state"]
