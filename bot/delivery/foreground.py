"""Requests being answered now, so that background work can give way to them.

The outbox's delivery runs on the event loop that answers people's requests. Its steps
(claim, render, send) hold the loop for a millisecond or several each, and every request in
flight waits that long. While requests are being answered, delivery pauses between its
steps (bot/delivery/courier.py, `Courier`), so its work falls between theirs instead of in one lump.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class Foreground:
    """Counts the requests being answered (`with foreground.serving(): ...`)."""

    def __init__(self) -> None:
        self._serving = 0

    @property
    def busy(self) -> bool:
        """True while at least one request is being answered."""
        return self._serving > 0

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Count one request while the block runs."""
        self._serving += 1
        try:
            yield
        finally:
            self._serving -= 1
