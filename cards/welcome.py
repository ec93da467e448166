"""First-contact cards: the 1:1 welcome, the team welcome and help.

Buttons are Action.Submit with ``data = {"action": ...}``; the action names below are what the
bot's message handler routes on.
"""

from __future__ import annotations

from cards.base import (
    Action,
    Card,
    Element,
    adaptive_card,
    fact_set,
    heading,
    rich_text,
    submit_action,
    text_block,
    text_run,
)

__all__ = [
    "ACTION_CHANNEL_REGISTER",
    "ACTION_REFERRAL_CONTINUE",
    "ACTION_REFERRAL_MINE",
    "ACTION_REFERRAL_START",
    "HELP_COMMANDS",
    "help_card",
    "team_welcome_card",
    "welcome_card",
]

ACTION_REFERRAL_START = "referral.start"
ACTION_REFERRAL_CONTINUE = "referral.continue"
ACTION_REFERRAL_MINE = "referral.mine"
ACTION_CHANNEL_REGISTER = "channel.register"

HELP_COMMANDS: tuple[tuple[str, str], ...] = (
    ("refer", "Start a new referral for a rapid review."),
    ("continue", "Pick up a referral you started but have not sent."),
    ("my referrals", "See the referrals you have sent and where each one is."),
    (
        "add information REF",
        "Add what was not known yet when a referral was sent (its referrer and managers).",
    ),
    ("cases", "See the open cases you can act on and their statutory deadlines."),
    ("case REF", "A case's timeline, and your next steps on it (managers and the chair)."),
    ("done REF MILESTONE", "Record a milestone as done."),
    (
        "national panel REF",
        "Managers: the National Panel's answer; reopen the panel to reconsider.",
    ),
    ("learning REF", "Managers: a learning review's meeting, method, lead and learning."),
    ("escalation REF", "Managers: an escalation's mediation and final determination."),
    (
        "reasons REF",
        "Managers: the panel's agreed reasons for the referrer (and, for no "
        "partnership response, the process that fits better).",
    ),
    (
        "register YYYY-MM",
        "Managers: the month's referrals and decisions as a workbook, to the "
        "PIP / Executive Group.",
    ),
    ("papers REF", "Managers: the papers are circulated; agency returns become final."),
    ("published REF YYYY-MM-DD", "Managers: the review's publication date (its notice)."),
    (
        "complaint REF YYYY-MM-DD",
        "Managers: a complaint was received (each its own 28 days to respond).",
    ),
    ("complaints", "Managers: every complaint of the open cases, its status and due date."),
    (
        "close REF",
        "Managers: close a case; it lists the deadlines and reminders it stops and asks first. "
        "A closed case's timeline offers 'Reopen the case'.",
    ),
    (
        "audit REF",
        "Managers and the data protection officer: every action and view on a case, and as "
        "a workbook.",
    ),
    (
        "export REF",
        "Managers and the data protection officer: a case's whole record as one zip.",
    ),
    (
        "roster",
        "Managers: the roster; add, change or remove a person, or replace it from a file "
        "(send it with the word roster).",
    ),
    ("help", "Show this list."),
)
"""The chat commands the bot understands, as (command, what it does)."""


def _partnership_line(prefix: str, partnership_name: str, suffix: str) -> Element:
    """A sentence naming the partnership in bold, as TextRuns so the name is never markdown."""
    return rich_text(
        [text_run(prefix), text_run(partnership_name, weight="Bolder"), text_run(suffix)]
    )


def _referral_buttons() -> list[Action]:
    """The three referral buttons shared by the welcome and help cards."""
    return [
        submit_action("New referral", {"action": ACTION_REFERRAL_START}, style="positive"),
        submit_action("Continue a referral", {"action": ACTION_REFERRAL_CONTINUE}),
        submit_action("My referrals", {"action": ACTION_REFERRAL_MINE}),
    ]


_PRIVACY_NOTE = (
    "Please don't type names or other identifying details into this chat: "
    "I'll ask for what the panel needs in a form."
)


def welcome_card(partnership_name: str) -> Card:
    """The card sent the first time someone opens a 1:1 chat with the bot."""
    return adaptive_card(
        [
            heading("Welcome to Rapid Review"),
            _partnership_line(
                "I help practitioners in ",
                partnership_name,
                " refer serious child safeguarding incidents for a rapid review.",
            ),
            text_block(
                "- Send a referral and follow it through the panel\n"
                "- Panel members review and vote on cases here in Teams\n"
                "- I remind everyone of the statutory deadlines",
                spacing="Small",
            ),
            text_block(_PRIVACY_NOTE, is_subtle=True, size="Small"),
        ],
        _referral_buttons(),
        fallback_text="Welcome to Rapid Review. Type 'help' to see what I can do.",
    )


def team_welcome_card(partnership_name: str) -> Card:
    """The card posted when the bot is added to a team, asking a manager to pick a channel."""
    return adaptive_card(
        [
            heading("Rapid Review has joined this team"),
            _partnership_line(
                "I post rapid review referrals for ",
                partnership_name,
                " to a channel, run the panel's votes and track statutory deadlines.",
            ),
            text_block(
                "Partnership managers: select **Use this channel** to have new referrals "
                "posted in this channel for the panel.",
            ),
            text_block(
                "Practitioners send referrals to me in a 1:1 chat, not in the channel.",
                is_subtle=True,
                size="Small",
            ),
        ],
        [submit_action("Use this channel", {"action": ACTION_CHANNEL_REGISTER}, style="positive")],
        fallback_text="Rapid Review has joined this team. A manager needs to choose a channel.",
    )


def help_card(partnership_name: str) -> Card:
    """The list of chat commands, with buttons for the common ones."""
    return adaptive_card(
        [
            heading("What I can do"),
            _partnership_line("Rapid Review for ", partnership_name, ". Type a command:"),
            fact_set(HELP_COMMANDS),
            text_block(_PRIVACY_NOTE, is_subtle=True, size="Small"),
        ],
        _referral_buttons(),
        fallback_text="Commands: refer, continue, my referrals, cases, help.",
    )
