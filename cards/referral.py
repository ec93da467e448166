"""Referral cards: the form step by step, the check-your-answers summary, the confirmation,
the privacy-safe channel card, the confidential details and "my referrals".

The questions (ids, wording, limits) come from `review.referral.FIELD_INFO`, so an input's
``maxLength`` always matches the check the bot makes when the step comes back.

Buttons are Action.Submit with ``data = {"action": ..., "token": ...}``: the token names the
step a card was sent for, so the bot can tell a card from an earlier step submitted after the
dialog moved on (it then says `out_of_date_text` and sends the current step). "Cancel" and
"Back" send no inputs (``associatedInputs: none``), so Teams does not insist on the required
answers before letting someone leave or go back; what they typed on that step is not sent.

A step shown again prefills every input from ``values``; only a date that is not a real
``YYYY-MM-DD`` date (which Teams' date picker never sends) cannot be put back in its picker.

Everything a person typed is shown with `user_text` (a TextRun, never markdown) or in a
`fact_set` (escaped), never in a markdown TextBlock.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple

from cards.base import (
    Action,
    Card,
    Element,
    action_set,
    adaptive_card,
    choice_set,
    container,
    date_input,
    error_text,
    escape_markdown,
    execute_action,
    fact_set,
    heading,
    rich_text,
    submit_action,
    text_block,
    text_input,
    text_run,
    toggle_input,
    user_text,
)
from cards.panel import (
    CAN_OPEN_PANEL,
    CAN_VIEW,
    VERB_NOTICE_OPEN,
    back_to_panel,
    open_panel_action,
    refresh_for,
    show_my_options,
)
from cards.welcome import ACTION_REFERRAL_CONTINUE, ACTION_REFERRAL_MINE, ACTION_REFERRAL_START
from review.referral import (
    CARE_LEAVER_MAX_AGE,
    CHILD_MAX_AGE,
    FIELD_INFO,
    FIELDS,
    GENDERS,
    HARM_KINDS,
    NOT_KNOWN_YET,
    PATHWAYS,
    SECTION_TITLES,
    SECTIONS,
    YES_NO,
    FieldInfo,
    PathwayInfo,
    derived_age,
    family_people,
    format_date,
    may_follow,
    parse_iso_date,
    summary_rows,
)

__all__ = [
    "ACTION_ADD_INFORMATION_OPEN",
    "ACTION_IDENTITY_VIEW",
    "ACTION_BACK",
    "ACTION_CANCEL",
    "ACTION_CANCEL_CONFIRMED",
    "ACTION_EDIT",
    "ACTION_RESUME",
    "ACTION_STEP",
    "ACTION_SUBMIT",
    "DEMO_AGENCIES",
    "VERB_ADD_INFORMATION",
    "VERB_CASE_VIEW",
    "Addition",
    "add_information_card",
    "cancel_confirm_card",
    "channel_case_card",
    "demo_referral_form",
    "identity_action",
    "identity_card",
    "information_added_card",
    "my_referrals_card",
    "out_of_date_text",
    "referral_confirmation_card",
    "referral_details_card",
    "referral_step_card",
    "referral_summary_card",
]

ACTION_STEP = "referral.step"
ACTION_BACK = "referral.back"
ACTION_CANCEL = "referral.cancel"
ACTION_CANCEL_CONFIRMED = "referral.cancel_confirmed"
ACTION_RESUME = "referral.resume"
ACTION_EDIT = "referral.edit"
ACTION_SUBMIT = "referral.submit"
ACTION_ADD_INFORMATION_OPEN = "information.add_open"
ACTION_IDENTITY_VIEW = "identity.view"
VERB_ADD_INFORMATION = "information.add"
_IF_KNOWN = " (if known: you can add it later)"
VERB_CASE_VIEW = "case.view"

_AGE_NOTE = (
    f"The age is worked out for you from the two dates. The child must have been under "
    f"{CHILD_MAX_AGE + 1} on the date of the event, or under {CARE_LEAVER_MAX_AGE + 1} if "
    "they are a care leaver."
)
# Every answer typed in a box of several lines is shown full width, as a title and the text
# under it, never in a fact set's two columns, where up to 4,000 characters would be cramped.
_LONG_ANSWERS = frozenset(info.id for info in FIELD_INFO.values() if info.kind == "multiline")
REFERRAL_READERS = (
    "the virtual panel's members and deputies, the partnership managers, the chair and the referrer"
)
"""Who may see a referral's details, said the same on every card (bot/usecases/panel.py
`view_referral` holds the rule: the roles `panel`, `deputy`, `manager`, `chair`, and the
referrer)."""
_CHILD_PRIVACY_NOTE = (
    f"Only {REFERRAL_READERS.replace('the referrer', 'you')} can see the child's details. The "
    "partnership's channel shows the reference and dates only."
)


# --- small pieces ---------------------------------------------------------------------------


def _partnership_line(prefix: str, partnership_name: str, suffix: str = "") -> Element:
    """A sentence naming the partnership in bold, as TextRuns so the name is never markdown."""
    runs = [text_run(prefix), text_run(partnership_name, weight="Bolder")]
    if suffix:
        runs.append(text_run(suffix))
    return rich_text(runs)


def _error_banner(count: int) -> Element:
    """The banner at the top of a step shown again with errors."""
    answers = "answer" if count == 1 else "answers"
    return container(
        [text_block(f"Please check {count} {answers} below", weight="Bolder", color="Attention")],
        style="attention",
    )


def _string(values: Mapping[str, str], field_id: str) -> str | None:
    """The value to prefill for a field, or None when there is none."""
    value = values.get(field_id)
    return value if isinstance(value, str) and value else None


def _as_asked(info: FieldInfo, required: Collection[str] | None) -> FieldInfo:
    """The question as this partnership asks it: one it lets follow is not required, and
    says so."""
    if required is None or not info.required or info.id in required:
        return info
    return replace(info, required=False, label=info.label + _IF_KNOWN)


def _input(
    info: FieldInfo,
    values: Mapping[str, str],
    agencies: Sequence[tuple[str, str]],
    pathways: Mapping[str, PathwayInfo] = PATHWAYS,
    required: Collection[str] | None = None,
) -> Element:
    """The card input asking one question, prefilled from ``values``; `required`: the
    questions the partnership needs answered to send (None: the form's own)."""
    info = _as_asked(info, required)
    value = _string(values, info.id)
    error_message = info.missing if info.required else None
    if info.kind == "pathway":
        return choice_set(
            info.id,
            info.label,
            [(pathway.title, pathway.id) for pathway in pathways.values()],
            is_required=info.required,
            error_message=error_message,
            style="expanded",
            value=value if value in pathways else None,
        )
    if info.kind == "agency":
        ids = {agency_id for agency_id, _ in agencies}
        return choice_set(
            info.id,
            info.label,
            [(name, agency_id) for agency_id, name in agencies],
            is_required=info.required,
            error_message=error_message,
            style="compact",
            placeholder=info.placeholder,
            value=value if value in ids else None,
        )
    if info.kind in ("choice", "harm", "yes_no"):
        answers = {"choice": GENDERS, "harm": HARM_KINDS, "yes_no": YES_NO}[info.kind]
        return choice_set(
            info.id,
            info.label,
            [(label, choice) for choice, label in answers.items()],
            is_required=info.required,
            error_message=error_message,
            style="expanded",
            value=value if value in answers else None,
        )
    if info.kind == "date":
        return date_input(
            info.id,
            info.label,
            is_required=info.required,
            error_message=error_message,
            value=parse_iso_date(value),
        )
    if info.kind == "toggle":
        return toggle_input(
            info.id,
            info.placeholder or info.label,
            label=info.label,
            value=value == "true",
        )
    return text_input(
        info.id,
        info.label,
        is_required=info.required,
        error_message=error_message,
        max_length=info.max_length,
        placeholder=info.placeholder,
        is_multiline=True if info.kind == "multiline" else None,
        value=value,
        style="email" if info.kind == "email" else "tel" if info.kind == "phone" else None,
    )


def _section_intro(section: str, pathways: Mapping[str, PathwayInfo] = PATHWAYS) -> list[Element]:
    """What a step says before its questions."""
    if section == "pathway":
        intro: list[Element] = [
            text_block(
                "Choose the pathway you are asking for. If you are not sure, talk to your "
                "agency's designated safeguarding lead or the partnership manager first."
            )
        ]
        for pathway in pathways.values():
            intro.append(text_block(f"**{escape_markdown(pathway.title)}**", spacing="Medium"))
            intro.append(text_block(pathway.explanation, spacing="Small", is_subtle=True))
        return intro
    if section == "referrer":
        return [
            text_block(
                "Your name and email come from Teams: change them if they are not right.",
                is_subtle=True,
            )
        ]
    if section == "child":
        return [text_block(_CHILD_PRIVACY_NOTE, is_subtle=True)]
    if section == "family":
        return [
            text_block(
                "The child's significant family and household members, and any other child "
                "harmed in the same incident, so that agencies can find them in their records. "
                "Give what you know; leave the rest empty. A manager can add or correct them "
                "later."
            ),
            text_block(_CHILD_PRIVACY_NOTE, is_subtle=True),
        ]
    return [
        text_block(
            "Explain why you think this meets the criteria for the pathway you chose. "
            "The questions below will help you structure it."
        )
    ]


def _before_field(field_id: str) -> list[Element]:
    """Anything shown just before a question (a subheading for a group of questions)."""
    if field_id.startswith("family_") and field_id.endswith("_name"):
        n = field_id.split("_")[1]
        return [text_block(f"Person {n}", weight="Bolder", spacing="Large")]
    if field_id == "lead_name":
        return [
            text_block(
                "Your agency's lead for a possible review", weight="Bolder", spacing="Large"
            ),
            text_block(
                "The person your agency has named to lead on a review if there is one.",
                is_subtle=True,
                spacing="Small",
            ),
        ]
    return []


def _after_field(field_id: str, values: Mapping[str, str]) -> list[Element]:
    """Anything shown just after a question and its error (the derived age)."""
    if field_id != "date_of_birth":
        return []
    shown: list[Element] = [text_block(_AGE_NOTE, is_subtle=True, size="Small")]
    age = derived_age(values)
    if age is not None:
        shown.append(text_block(f"Age on the date of the event: **{age}**", spacing="Small"))
    return shown


def _summary_section(
    section: str,
    values: Mapping[str, str],
    agency_names: Mapping[str, str],
    pathways: Mapping[str, PathwayInfo] = PATHWAYS,
    later: Collection[str] = (),
) -> list[Element]:
    """A section's answers: short ones in fact sets, long ones as a title and plain text;
    an empty answer in `later` reads "Not known yet"."""
    elements: list[Element] = []
    facts: list[tuple[str, str]] = []
    rows = summary_rows(
        section, values, agency_names=agency_names, pathways=pathways, may_follow=later
    )
    for row in rows:
        if row.field in _LONG_ANSWERS:
            if facts:
                elements.append(fact_set(facts))
                facts = []
            elements.append(text_block(escape_markdown(row.title), weight="Bolder"))
            elements.append(user_text(row.value, spacing="Small"))
        else:
            facts.append((row.title, row.value))
    if facts:
        elements.append(fact_set(facts))
    return elements


def _values(form: Mapping[str, Mapping[str, str]], section: str) -> Mapping[str, str]:
    """A section's values from a whole form (empty when absent)."""
    values = form.get(section)
    return values if isinstance(values, Mapping) else {}


# --- the form -------------------------------------------------------------------------------


def referral_step_card(
    section: str,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    token: str,
    agencies: Sequence[tuple[str, str]],
    step_number: int,
    total_steps: int,
    partnership_name: str,
    pathways: Mapping[str, PathwayInfo] = PATHWAYS,
    required: Collection[str] | None = None,
) -> Card:
    """One step of the form (ValueError for an unknown section); ``agencies``: (id, name) pairs;
    ``pathways``: the partnership's (default: Stockport's A, B and C); ``required``: the
    questions it needs answered to send (None: the form's own; the others say "if known")."""
    if section not in FIELDS:
        raise ValueError(f"unknown referral section {section!r}; expected one of {SECTIONS}")
    body: list[Element] = [
        _partnership_line("Referral to ", partnership_name),
        text_block(f"Step {step_number} of {total_steps}", is_subtle=True, size="Small"),
        heading(SECTION_TITLES[section]),
    ]
    if errors:
        body.append(_error_banner(len(errors)))
        body.extend(
            error_text(message) for key, message in errors.items() if key not in FIELDS[section]
        )
    body.extend(_section_intro(section, pathways))
    for field_id in FIELDS[section]:
        body.extend(_before_field(field_id))
        body.append(_input(FIELD_INFO[field_id], values, agencies, pathways, required))
        if field_id in errors:
            body.append(error_text(errors[field_id]))
        body.extend(_after_field(field_id, values))
    actions: list[Action] = [
        submit_action(
            "Next", {"action": ACTION_STEP, "section": section, "token": token}, style="positive"
        )
    ]
    if step_number > 1:
        actions.append(
            submit_action("Back", {"action": ACTION_BACK, "token": token}, associated_inputs="none")
        )
    actions.append(
        submit_action("Cancel", {"action": ACTION_CANCEL, "token": token}, associated_inputs="none")
    )
    return adaptive_card(
        body, actions, fallback_text=f"Referral form, step {step_number} of {total_steps}."
    )


def referral_summary_card(
    form: Mapping[str, Mapping[str, str]],
    *,
    token: str,
    agency_names: Mapping[str, str],
    partnership_name: str,
    pathways: Mapping[str, PathwayInfo] = PATHWAYS,
    required: Collection[str] | None = None,
) -> Card:
    """Check your answers: each section's answers with an Edit button, then Submit or Cancel;
    a question the partnership lets follow, left empty, reads "Not known yet"."""
    later = may_follow(required) if required is not None else frozenset()
    body: list[Element] = [
        heading("Check your referral"),
        _partnership_line("Check your answers before you send them to ", partnership_name, "."),
    ]
    for section in SECTIONS:
        title = SECTION_TITLES[section]
        body.append(
            container(
                [
                    text_block(title, weight="Bolder", style="heading"),
                    *_summary_section(
                        section, _values(form, section), agency_names, pathways, later
                    ),
                    action_set(
                        [
                            submit_action(
                                "Edit",
                                {"action": ACTION_EDIT, "section": section, "token": token},
                                associated_inputs="none",
                                tooltip=f"Change {title.lower()}",
                            )
                        ]
                    ),
                ],
                separator=True,
                spacing="Large",
            )
        )
    body.append(
        text_block(
            "When you submit, the partnership team and the virtual panel are told straight "
            "away. The channel shows only the reference, agency, pathway and dates.",
            is_subtle=True,
            size="Small",
        )
    )
    return adaptive_card(
        body,
        [
            submit_action(
                "Submit referral", {"action": ACTION_SUBMIT, "token": token}, style="positive"
            ),
            submit_action(
                "Cancel", {"action": ACTION_CANCEL, "token": token}, associated_inputs="none"
            ),
        ],
        fallback_text="Check your referral, then submit it.",
    )


def cancel_confirm_card(*, token: str) -> Card:
    """Ask before throwing a referral away."""
    return adaptive_card(
        [
            heading("Cancel this referral?"),
            text_block("What you have entered will be deleted."),
        ],
        [
            submit_action(
                "Yes, cancel",
                {"action": ACTION_CANCEL_CONFIRMED, "token": token},
                style="destructive",
                associated_inputs="none",
            ),
            submit_action(
                "No, go back", {"action": ACTION_RESUME, "token": token}, associated_inputs="none"
            ),
        ],
        fallback_text="Cancel this referral? What you have entered will be deleted.",
    )


def out_of_date_text() -> str:
    """What the bot says before sending the current step again for a card from an old step."""
    return "This form is out of date — here is where you are now."


# --- after submission -----------------------------------------------------------------------


def referral_submitted_card(*, reference: str) -> Card:
    """The summary card once submitted, updated in place: no Submit, no Edit any more."""
    return adaptive_card(
        [
            heading(f"Submitted as {escape_markdown(reference)}"),
            text_block(
                "This referral has been sent to the partnership and can no longer be changed "
                "here. To add to it, quote the reference to the partnership team."
            ),
        ],
        [submit_action("My referrals", {"action": ACTION_REFERRAL_MINE})],
        fallback_text=f"Referral submitted as {reference}.",
    )


def referral_confirmation_card(
    *,
    reference: str,
    pathway_label: str,
    next_steps: Sequence[tuple[str, date]],
    partnership_name: str,
    not_known_yet: Sequence[str] = (),
) -> Card:
    """The referrer's receipt: the reference and what happens next, with dates; the
    questions sent "not known yet" (titles), with the button to add them."""
    if next_steps:
        steps = text_block(
            "\n".join(
                f"- {escape_markdown(text)} by {format_date(day)}" for text, day in next_steps
            )
        )
    else:
        steps = text_block("The partnership team will be in touch.")
    return adaptive_card(
        [
            heading(f"Referral {escape_markdown(reference)} received"),
            _partnership_line("Thank you. ", partnership_name, " has your referral."),
            fact_set([("Reference", reference), ("Pathway sought", pathway_label)]),
            text_block("What happens next", weight="Bolder", spacing="Medium"),
            steps,
            *_not_known_yet(reference, not_known_yet),
            text_block(
                "Quote the reference in any emails about this referral. Type **my referrals** "
                "to see where it is at any time.",
                is_subtle=True,
                size="Small",
            ),
        ],
        [
            *(
                [
                    submit_action(
                        "Add information",
                        {"action": ACTION_ADD_INFORMATION_OPEN, "reference": reference},
                        style="positive",
                    )
                ]
                if not_known_yet
                else []
            ),
            submit_action("My referrals", {"action": ACTION_REFERRAL_MINE}),
        ],
        fallback_text=f"Referral {reference} received.",
    )


def _not_known_yet(reference: str, titles: Sequence[str]) -> list[Element]:
    """What was sent "not known yet", and how to add it."""
    if not titles:
        return []
    return [
        text_block("Not known yet", weight="Bolder", spacing="Medium"),
        text_block(escape_markdown(", ".join(titles))),
        text_block(
            f"Add them when you know them: press **Add information**, or type "
            f"**add information {escape_markdown(reference)}**.",
            is_subtle=True,
            size="Small",
        ),
    ]


class Addition(NamedTuple):
    """An answer added after the referral was sent, as people read it."""

    title: str
    value: str
    when: str
    by: str


def add_information_card(
    *,
    reference: str,
    fields: Sequence[str],
    entered: Mapping[str, str],
    errors: Mapping[str, str],
    agencies: Sequence[tuple[str, str]],
    correcting: bool = False,
) -> Card:
    """For the referrer or a manager: the questions sent "not known yet" (field ids, in the
    form's order), to answer what is known now; `entered` what was typed (or, `correcting`,
    what the referral holds, for a manager to correct), kept with its `errors`. Only the
    people who may see the referral get this card (1:1)."""
    if correcting:
        title = f"Add or correct information on {escape_markdown(reference)}"
        intro = (
            "Who the child and family are, as the referral holds them, and what was sent as "
            "not known yet. Change what is wrong and add what is known now: the panel sees "
            "each change with when and by whom it was made, and the earlier answer is kept."
        )
    else:
        title = f"Add information to {escape_markdown(reference)}"
        intro = (
            "These were sent as not known yet. Add what you know now and leave the rest for "
            "later: the panel sees each answer with when and by whom it was added."
        )
    body: list[Element] = [heading(title), text_block(intro)]
    if errors:
        body.append(_error_banner(len(errors)))
    for field_id in fields:
        info = replace(FIELD_INFO[field_id], required=False)
        body.extend(_before_field(field_id))
        body.append(_input(info, entered, agencies))
        if field_id in errors:
            body.append(error_text(errors[field_id]))
    return adaptive_card(
        body,
        [
            execute_action(
                "Add to the referral",
                VERB_ADD_INFORMATION,
                {"reference": reference},
                style="positive",
            )
        ],
        fallback_text=f"Add information to referral {reference}.",
    )


def identity_action(reference: str) -> Action:
    """The button that sends the person, in their 1:1 chat, who the child and family are."""
    return submit_action(
        "Who the child and family are",
        {"action": ACTION_IDENTITY_VIEW, "reference": reference},
        associated_inputs="none",
    )


def identity_card(
    *,
    reference: str,
    child: Mapping[str, Any],
    family: Mapping[str, Any],
    from_returns: Sequence[tuple[str, str]],
    readers: str,
) -> Card:
    """Appendix D sections A and B as recorded, so that an agency can search its records:
    the child, the family and household, and the members each agency's return names."""
    values = {k: v for k, v in child.items() if isinstance(v, str)}
    facts = [
        ("Name", values.get("child_name") or NOT_KNOWN_YET),
        ("Date of birth", _date_text(values.get("date_of_birth"))),
        ("Current location", values.get("child_location") or NOT_KNOWN_YET),
    ]
    body: list[Element] = [
        container(
            [
                text_block("Confidential", weight="Bolder", color="Attention", style="heading"),
                text_block(
                    f"For {readers} only. Do not forward it or copy it into a channel.",
                    spacing="Small",
                ),
            ],
            style="attention",
        ),
        heading(f"Who the child and family are — {escape_markdown(reference)}"),
        text_block("A. The child", weight="Bolder", style="heading"),
        fact_set(facts),
        text_block("B. Other significant family and household members", weight="Bolder"),
    ]
    people = family_people(family)
    if not people:
        body.append(text_block("None recorded yet.", is_subtle=True))
    for row in summary_rows("family", family, agency_names={}):
        if row.field != "family":
            body.append(fact_set([(row.title, row.value)]))
    for agency, named in from_returns:
        body.append(text_block(f"From {escape_markdown(agency)}'s return", weight="Bolder"))
        body.append(user_text(named, spacing="Small"))
    return adaptive_card(
        body, [], fallback_text=f"Confidential: who the child is on {reference}.", full_width=True
    )


def _date_text(value: object) -> str:
    day = parse_iso_date(value)
    return format_date(day) if day is not None else NOT_KNOWN_YET


def information_added_card(
    *, reference: str, added: Sequence[str], still_not_known: Sequence[str]
) -> Card:
    """The add-information card once its answers are kept: what was added (titles) and what
    is still not known, with the button to add more."""
    body: list[Element] = [
        heading(f"Information added to {escape_markdown(reference)}"),
        text_block("Added: " + escape_markdown(", ".join(added))),
    ]
    actions: list[Action] = []
    if still_not_known:
        body.extend(_not_known_yet(reference, still_not_known))
        actions.append(
            submit_action(
                "Add information",
                {"action": ACTION_ADD_INFORMATION_OPEN, "reference": reference},
            )
        )
    else:
        body.append(text_block("Nothing is waiting to be added now.", is_subtle=True))
    return adaptive_card(body, actions, fallback_text=f"Information added to {reference}.")


def channel_case_card(
    *,
    reference: str,
    referring_agency: str,
    pathway_label: str,
    event_date: date,
    received_date: date,
    next_deadline: tuple[str, date] | None,
    status: str,
    next_step: str | None = None,
    actions: frozenset[str] | None = None,
    refresh_user_ids: Sequence[str] = (),
) -> Card:
    """The card in the partnership's channel: no child details and no free text, by design.

    `next_step` says what happens next when no deadline runs yet (a referral that did not
    seek a Rapid Review waits for a manager to open the virtual panel). `actions` are the
    buttons of the person the card is drawn for (`cards.panel.VIEWER_ACTIONS`); None draws
    the card everyone sees, whose one button shows each person their own.
    """
    deadline = (
        f"{next_deadline[0]}: {format_date(next_deadline[1])}" if next_deadline else "None yet"
    )
    body: list[Element] = [
        heading(f"Referral {escape_markdown(reference)}"),
        fact_set(
            [
                ("Reference", reference),
                ("Referring agency", referring_agency),
                ("Pathway sought", pathway_label),
                ("Date of the event", format_date(event_date)),
                ("Received", format_date(received_date)),
                ("Next deadline", deadline),
                ("Status", status),
            ]
        ),
    ]
    if next_step:
        body.append(text_block(f"What happens next: {escape_markdown(next_step)}", wrap=True))
    body.append(
        text_block(
            f"Only {REFERRAL_READERS} can open the referral. Please keep its details out of "
            "this channel.",
            is_subtle=True,
            size="Small",
        )
    )
    buttons: list[Action]
    if actions is None:
        buttons = [show_my_options(reference)]
    else:
        buttons = []
        if CAN_VIEW in actions:
            buttons.append(
                execute_action("View referral", VERB_CASE_VIEW, {"reference": reference})
            )
        if CAN_OPEN_PANEL in actions:
            buttons.append(open_panel_action(reference))
        if not buttons:
            buttons.append(back_to_panel(reference, "Refresh"))
    card = adaptive_card(
        body, buttons, fallback_text=f"Referral {reference} from {referring_agency}: {status}."
    )
    refresh = refresh_for(reference, refresh_user_ids)
    if refresh is not None:
        card["refresh"] = refresh
    return card


def referral_details_card(
    *,
    reference: str,
    form: Mapping[str, Mapping[str, str]],
    agency_names: Mapping[str, str],
    received_at_text: str,
    panel_queries: Sequence[tuple[str, str]] = (),
    back_to_notice: bool = False,
    pathways: Mapping[str, PathwayInfo] = PATHWAYS,
    later: Collection[str] = (),
    additions: Sequence[Addition] = (),
    rationales: Sequence[tuple[str, str]] = (),
) -> Card:
    """The whole referral, for `REFERRAL_READERS` only (1:1 or an invoke reply).

    `rationales` are the panel's, each with whose it is (for the managers only: the caller
    passes them to no one else).

    `form` holds the answers as they are now; `later` the questions that may follow (an
    empty one reads "Not known yet"); `additions` every answer added after it was sent.

    It replaces the card whose "View referral" was pressed, so its one button puts that card
    back: the referrer's decision notice (`back_to_notice`), else the case's card as the
    person may use it.

    `panel_queries` are the panel's questions to the referrer and the answers, by round.
    """
    body: list[Element] = [
        container(
            [
                text_block("Confidential", weight="Bolder", color="Attention", style="heading"),
                text_block(
                    f"For {REFERRAL_READERS} only. Do not forward it or copy it into a channel.",
                    spacing="Small",
                ),
            ],
            style="attention",
        ),
        heading(f"Referral {escape_markdown(reference)}"),
        fact_set([("Reference", reference), ("Received", received_at_text)]),
    ]
    for section in SECTIONS:
        body.append(
            container(
                [
                    text_block(SECTION_TITLES[section], weight="Bolder", style="heading"),
                    *_summary_section(
                        section, _values(form, section), agency_names, pathways, later
                    ),
                ],
                separator=True,
                spacing="Large",
            )
        )
    if additions:
        added: list[Element] = [
            text_block("Added after the referral was sent", weight="Bolder", style="heading")
        ]
        for title, value, when, by in additions:
            added.append(
                text_block(
                    f"{escape_markdown(title)} — {escape_markdown(when)}, {escape_markdown(by)}",
                    weight="Bolder",
                    spacing="Medium",
                )
            )
            added.append(user_text(value, spacing="Small"))
        body.append(container(added, separator=True, spacing="Large"))
    for questions, answer in panel_queries:
        body.append(
            container(
                [
                    text_block("The panel's questions", weight="Bolder", style="heading"),
                    user_text(questions),
                    text_block("The referrer's answer", weight="Bolder", spacing="Medium"),
                    user_text(answer or "Not answered yet."),
                ],
                separator=True,
                spacing="Large",
            )
        )
    if rationales:
        shown: list[Element] = [
            text_block("The panel's rationales", weight="Bolder", style="heading")
        ]
        for whose, rationale in rationales:
            shown.append(text_block(whose, weight="Bolder", spacing="Medium"))
            shown.append(user_text(rationale, spacing="Small"))
        body.append(container(shown, separator=True, spacing="Large"))
    back = (
        execute_action(
            "Back to the decision",
            VERB_NOTICE_OPEN,
            {"reference": reference},
            associated_inputs="none",
        )
        if back_to_notice
        else back_to_panel(reference, "Back")
    )
    return adaptive_card(
        body, [back], fallback_text=f"Confidential: referral {reference}.", full_width=True
    )


def my_referrals_card(
    *,
    drafts: Sequence[tuple[str, str]],
    submitted: Sequence[tuple[str, str, str]],
) -> Card:
    """Your drafts (label, last changed) and sent referrals (reference, status, received)."""
    body: list[Element] = [heading("My referrals")]
    actions: list[Action] = []
    if not drafts and not submitted:
        body.append(text_block("You have not started or sent any referrals yet."))
    else:
        body.append(text_block("Not sent yet", weight="Bolder", style="heading", spacing="Medium"))
        if drafts:
            body.append(fact_set([(label, f"Last changed {changed}") for label, changed in drafts]))
            body.append(
                action_set(
                    [
                        submit_action(
                            "Continue", {"action": ACTION_REFERRAL_CONTINUE}, style="positive"
                        )
                    ]
                )
            )
        else:
            body.append(text_block("Nothing waiting to be sent.", is_subtle=True))
        body.append(text_block("Sent", weight="Bolder", style="heading", spacing="Medium"))
        if submitted:
            body.append(
                fact_set(
                    [
                        (reference, f"{status} (received {received})")
                        for reference, status, received in submitted
                    ]
                )
            )
        else:
            body.append(text_block("You have not sent any referrals yet.", is_subtle=True))
    actions.append(submit_action("New referral", {"action": ACTION_REFERRAL_START}))
    return adaptive_card(body, actions, fallback_text="My referrals.")


# --- fictional demo data (gallery and tests) ------------------------------------------------

DEMO_AGENCIES: tuple[tuple[str, str], ...] = (
    ("northdale_council", "Northdale Council Children's Services"),
    ("northdale_police", "Northdale Police"),
    ("northdale_health", "Northdale Integrated Care Board"),
    ("northdale_hospital", "Northdale Hospitals NHS Trust"),
)
"""Fictional agencies as (id, name) pairs."""


def demo_referral_form() -> dict[str, dict[str, str]]:
    """A complete referral with fictional people, as the form sections' cleaned values."""
    return {
        "pathway": {"pathway": "rapid_review"},
        "referrer": {
            "referrer_name": "Sam Example",
            "referrer_email": "sam.example@northdale.example",
            "job_title": "Safeguarding lead",
            "agency": "northdale_hospital",
            "phone": "0161 496 0000",
            "discussed_with": "My line manager, Jo Sample (Named Nurse), on 4 November.",
            "lead_name": "Jo Sample",
            "lead_role": "Named Nurse for Safeguarding",
            "lead_contact": "jo.sample@northdale.example",
        },
        "child": {
            "child_name": "Poppy Example",
            "child_location": "At home, 1 Fictional Row, Northdale",
            "event_date": "2026-11-03",
            "date_of_birth": "2012-06-15",
            "care_leaver": "false",
            "gender": "not_known",
            "harm_kind": "serious_harm",
            "looked_after": "no",
            "outside_england": "no",
            "disability": "None known",
        },
        "family": {
            "family_1_name": "Jo Example",
            "family_1_dob": "1990-01-20",
            "family_1_relationship": "Mother",
            "family_1_address": "1 Fictional Row, Northdale",
            "family_2_name": "Alfie Example",
            "family_2_dob": "2020-07-01",
            "family_2_relationship": "Brother (also harmed)",
        },
        "views": {
            "worked_well": "Quick information sharing between school and health.",
            "did_not_work_well": "Nobody followed up the missed appointments.",
            "key_issues": "How missed appointments are followed up across agencies.",
        },
    }
