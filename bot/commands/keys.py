"""`python -m bot keys new` and `python -m bot keys rotate`: the keys of encryption at rest.

`new` prints a fresh key for DATA_KEYS. `rotate` reseals every encrypted value with the
newest key of DATA_KEYS (and seals the values written before encryption), in batches, each
in its own transaction; run again, it changes nothing. It prints counts only, never content.
Rotating a key: put the new key first (`DATA_KEYS=new,old`), restart the bot, run
`keys rotate`, then drop the old key (`DATA_KEYS=new`) and restart.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any, TextIO

__all__ = ["new", "register", "rotate"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `keys` subcommand to `python -m bot`."""
    parser = subparsers.add_parser("keys", help="the keys that encrypt the data at rest")
    sub = parser.add_subparsers(dest="keys_command", required=True, parser_class=type(parser))
    sub.add_parser("new", help="print a fresh key for DATA_KEYS").set_defaults(
        handler=lambda args: new(sys.stdout)
    )
    sub.add_parser(
        "rotate", help="reseal every encrypted value with the newest key of DATA_KEYS"
    ).set_defaults(handler=lambda args: rotate(sys.stdout))


def new(out: TextIO) -> int:
    """Print a fresh random key."""
    from storage.crypto import new_key

    print(new_key(), file=out)
    return 0


def rotate(out: TextIO) -> int:
    """Reseal everything with the newest key; print what changed, as counts."""
    from bot.settings import Settings
    from storage.crypto import install_keys
    from storage.db import Database
    from storage.encryption import rotate as rotate_all

    settings = Settings.from_env()
    keyring = settings.data_keyring()
    install_keys(keyring)

    async def go() -> dict[str, Any]:
        db = Database(settings.database_url)
        try:
            await db.check_migrated()
            return await rotate_all(db)
        finally:
            await db.dispose()

    counts = asyncio.run(go())
    for where, done in counts.items():
        print(
            f"{where}: {done.resealed} resealed, {done.sealed} sealed (were plain), "
            f"{done.current} already current",
            file=out,
        )
    resealed = sum(d.resealed for d in counts.values())
    sealed = sum(d.sealed for d in counts.values())
    print(
        f"keys rotate: {resealed + sealed} value(s) written ({resealed} resealed, {sealed} "
        f"sealed), every encrypted value is now under key {keyring.current_id}",
        file=out,
    )
    return 0
