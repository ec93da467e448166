"""Errors said plainly: the exception types a person can act on, and what to tell them."""

from __future__ import annotations


def explain(exc: BaseException) -> str | None:
    """A one-line explanation of an error a person can fix, or None for a real bug."""
    from bot.settings import SettingsError
    from review.profiles import ProfileError
    from storage.crypto import CryptoError
    from storage.db import DatabaseNotMigrated

    if isinstance(exc, SettingsError | ProfileError | DatabaseNotMigrated | CryptoError):
        return str(exc)
    from review.roster import RosterError

    if isinstance(exc, RosterError):
        return str(exc)
    return None
