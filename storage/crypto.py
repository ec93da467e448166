"""Encryption at rest of the free text and identifying fields (issue 24): the keyring.

The values are sealed with Fernet (cryptography's AEAD recipe: AES-128-CBC with an
HMAC-SHA256 over the whole token, a random IV each time), never a cipher of our own. A stored
value is the text ``enc:v1:<key id>:<Fernet token>``: the key id (8 hex digits of a SHA-256
of the key, which says nothing about the key) names the key that sealed it, so a value is
opened with that key at once and `Keyring.is_current` is a string comparison.

The keys come from the settings (`DATA_KEYS`, newest first): a value is always sealed with
the newest key and opened with whichever key sealed it, so a new key can be put first while
the rows sealed with the old ones stay readable, until `python -m bot keys rotate` has
resealed them all and the old key can go.

The keyring is installed once per process (`install_keys`, at start-up) because the column
types that use it (storage/types.py) are SQLAlchemy `TypeDecorator`s, shared by every engine
and statement cache, with no per-engine state to carry a key. Nothing here reads settings:
the app (bot/app.py, bot/cli.py) builds the keyring from them and installs it.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "enc:v1:"
_KEY_ID_LENGTH = 8
_KEY_ID_LABEL = b"rapid-review data key id\x00"
# Short values opened recently are remembered (by their sealed form, unique to each write):
# a vote reads the partners' latest votes every time and the shared card redraws them, and
# opening nine values cost as much again as the rest of the vote's reads (#8). Long values
# (a referral's form) are opened afresh. The process holds the keys anyway.
_REMEMBERED = 4096
_REMEMBERED_LENGTH = 2048


class CryptoError(Exception):
    """Something about the data keys is wrong; the message says what to do (never a value)."""


class MalformedKey(CryptoError, ValueError):
    """A key is not a Fernet key (32 bytes, URL-safe base64)."""


class KeysNotInstalled(CryptoError):
    """An encrypted column was written or read before the process installed its keys."""


class DataKeyMismatch(CryptoError):
    """A stored value cannot be opened with the keys given: they do not match the data."""


def new_key() -> str:
    """A fresh random key, as DATA_KEYS takes it."""
    return Fernet.generate_key().decode("ascii")


def key_id(key: str) -> str:
    """The short public name of a key, written before every value it seals."""
    digest = hashlib.sha256(_KEY_ID_LABEL + key.strip().encode("ascii", "replace")).hexdigest()
    return digest[:_KEY_ID_LENGTH]


def is_encrypted(value: object) -> bool:
    """True when `value` is a sealed value as stored (not legacy plain text or JSON)."""
    return isinstance(value, str) and value.startswith(PREFIX)


class Keyring:
    """The data keys, newest first: seals with the newest, opens with the one that sealed."""

    def __init__(self, keys: Iterable[str]) -> None:
        fernets: dict[str, Fernet] = {}
        for number, key in enumerate(keys, start=1):
            key = key.strip()
            try:
                fernet = Fernet(key.encode("ascii"))
            except (ValueError, TypeError, UnicodeEncodeError):
                raise MalformedKey(
                    f"key {number} is not a data key (44 characters of URL-safe base64, "
                    "as `python -m bot keys new` prints)"
                ) from None
            kid = key_id(key)
            if kid in fernets:
                raise MalformedKey(f"key {number} is given twice")
            fernets[kid] = fernet
        if not fernets:
            raise MalformedKey("no key given")
        self._fernets = fernets
        self.current_id = next(iter(fernets))
        self._current = fernets[self.current_id]
        self._current_prefix = f"{PREFIX}{self.current_id}:"
        self._open_remembered = functools.lru_cache(maxsize=_REMEMBERED)(self._open)

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids of the keys, newest first."""
        return tuple(self._fernets)

    def __repr__(self) -> str:
        return f"Keyring(key_ids={self.key_ids!r})"

    def encrypt(self, text: str) -> str:
        """`text` sealed with the newest key, as stored."""
        token = self._current.encrypt(text.encode("utf-8")).decode("ascii")
        return self._current_prefix + token

    def decrypt(self, value: str) -> str:
        """The text a sealed value holds; DataKeyMismatch when these keys cannot open it."""
        if not is_encrypted(value):
            raise ValueError("not an encrypted value")
        if len(value) <= _REMEMBERED_LENGTH:
            return self._open_remembered(value)
        return self._open(value)

    def _open(self, value: str) -> str:
        kid, colon, token = value[len(PREFIX) :].partition(":")
        fernet = self._fernets.get(kid) if colon else None
        if fernet is None:
            raise DataKeyMismatch(
                f"DATA_KEYS do not match the data: it was encrypted with key {kid[:8]}, which "
                f"is not among DATA_KEYS (keys {', '.join(self.key_ids)}). Put that key back in "
                "DATA_KEYS, after the newest."
            )
        try:
            return fernet.decrypt(token).decode("utf-8")
        except InvalidToken:
            raise DataKeyMismatch(
                f"DATA_KEYS do not match the data: a value that names key {kid} does not open "
                "with it (the key was changed or the value altered)."
            ) from None

    def is_current(self, value: str) -> bool:
        """True when a stored value is sealed with the newest key (rotation leaves it)."""
        return value.startswith(self._current_prefix)


_installed: Keyring | None = None


def install_keys(keyring: Keyring | None) -> None:
    """Make `keyring` the process's keys for the encrypted columns (None: none)."""
    global _installed
    _installed = keyring


def installed_keys() -> Keyring:
    """The process's keys; KeysNotInstalled before `install_keys`."""
    keyring = _installed
    if keyring is None:
        raise KeysNotInstalled(
            "no data keys are installed, so an encrypted column can be neither written nor "
            "read: the app installs them from DATA_KEYS at start-up "
            "(storage.crypto.install_keys)"
        )
    return keyring
