"""Adaptive Cards (version 1.5) the bot sends: pure functions from view models to card dicts.

``cards.base`` holds the building blocks; each other module builds one family of cards.
Nothing here imports botbuilder: wrapping a card in an attachment is the bot's job.
"""

from cards.base import (
    CARD_SCHEMA,
    CARD_VERSION,
    Action,
    Card,
    Element,
    adaptive_card,
    escape_markdown,
    user_text,
)

__all__ = [
    "CARD_SCHEMA",
    "CARD_VERSION",
    "Action",
    "Card",
    "Element",
    "adaptive_card",
    "escape_markdown",
    "user_text",
]
