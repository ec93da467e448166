"""Structured logging: one JSON line per event, with the activity id and case reference.

Never pass a child's details to a logger: log references, ids and counts only.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

activity_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "activity_id", default=None
)
case_ref_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("case_ref", default=None)

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        """Render `record` as JSON, adding the turn's activity id and case reference."""
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        activity_id = activity_id_var.get()
        if activity_id:
            entry["activity_id"] = activity_id
        case_ref = case_ref_var.get()
        if case_ref:
            entry["case"] = case_ref
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send JSON lines to stderr at `level` (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_rapid_review", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._rapid_review = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("msrest").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
