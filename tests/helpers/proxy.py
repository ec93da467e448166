"""A TCP proxy on loopback that can cut a database off from the app and bring it back."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit


class CuttableProxy:
    """A TCP proxy on loopback in front of PostgreSQL that can be cut and restored."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.writers: set[asyncio.StreamWriter] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def start(self) -> None:
        """Listen (on the same port after a cut)."""
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Stop listening and drop every open connection."""
        assert self.server is not None
        self.server.close()
        for w in list(self.writers):
            w.close()
        self.writers.clear()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.server.wait_closed(), 2)


async def proxied_postgres(url: str) -> tuple[CuttableProxy, str]:
    """The test PostgreSQL emptied, migrated and given the demo roster, reached through a
    proxy that can cut it off: the proxy (started) and the URL through it."""
    from conftest import reset_postgres

    from bot.usecases.roster import DEMO_ROSTER, import_roster
    from helpers.app import app_settings
    from storage.db import Database
    from storage.migrate import upgrade

    await reset_postgres(url)
    parts = urlsplit(url)
    proxy = CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    proxied = url.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{proxy.port}")
    db = Database(proxied)
    await upgrade(db.engine)
    await db.dispose()
    await import_roster(app_settings(proxied), DEMO_ROSTER)
    return proxy, proxied
