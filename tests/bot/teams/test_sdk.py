"""The SDK hot-path fixes keep the SDK's behaviour: same retry codes, clients reused, the
same request bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botbuilder.schema import (
    Activity,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    HeroCard,
)
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity
from msrest.exceptions import SerializationError
from msrest.serialization import Serializer
from msrest.universal_http.requests import ClientRetryPolicy

from bot.teams.auth import RequestAuthenticator
from bot.teams.sdk import _AttachmentsAsIs, send_cards_as_is, speed_up_msrest
from cards.gallery import GALLERY


def test_retry_policy_codes_are_the_same_set() -> None:
    before = set(ClientRetryPolicy.safe_codes)
    speed_up_msrest()
    speed_up_msrest()
    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)
    assert set(ClientRetryPolicy.safe_codes) == before
    policy = ClientRetryPolicy().policy
    assert 500 in policy.status_forcelist and 429 not in policy.status_forcelist


def _anonymous() -> tuple[Any, ClaimsIdentity]:
    """The bot's SDK authentication with no app id, and the claims of a turn for it."""
    auth = RequestAuthenticator(app_id="", app_password="", app_type="MultiTenant", tenant_id="")
    claims = ClaimsIdentity(
        {AuthenticationConstants.AUDIENCE_CLAIM: "", AuthenticationConstants.APP_ID_CLAIM: ""}, True
    )
    return auth.bot_framework_authentication, claims


async def test_clients_are_reused_per_service_url() -> None:
    bfa, claims = _anonymous()
    a = await bfa.create_connector_factory(claims).create("http://127.0.0.1:1/", None)
    b = await bfa.create_connector_factory(claims).create("http://127.0.0.1:1/", None)
    c = await bfa.create_connector_factory(claims).create("http://127.0.0.1:2/", None)
    assert a is b and a is not c
    assert await bfa.create_user_token_client(claims) is await bfa.create_user_token_client(claims)


def _card_activity(content: object) -> Activity:
    return Activity(
        type="message",
        id="1:activity",
        conversation=ConversationAccount(id="19:channel@thread.tacv2;messageid=1"),
        attachments=[
            Attachment(content_type="application/vnd.microsoft.card.adaptive", content=content)
        ],
    )


async def _client() -> Any:
    bfa, claims = _anonymous()
    return await bfa.create_connector_factory(claims).create("http://127.0.0.1:1/", None)


async def _serializers() -> tuple[Serializer, _AttachmentsAsIs]:
    """The SDK's own serializer for the client, and the wrapped one its operations use."""
    client = await _client()
    stock, as_is = client._serialize, client.conversations._serialize
    assert isinstance(stock, Serializer) and isinstance(as_is, _AttachmentsAsIs)
    return stock, as_is


async def test_card_bodies_are_what_msrest_would_send() -> None:
    stock, as_is = await _serializers()
    for name, build in GALLERY.items():
        card = build()
        activity = _card_activity(card)
        expected = stock.body(_card_activity(card), "Activity")
        body = as_is.body(activity, "Activity")
        assert body == expected, name
        assert json.dumps(body, sort_keys=True) == json.dumps(expected, sort_keys=True), name
        assert activity.attachments[0].content is card  # the activity is left as it was


async def test_other_bodies_are_msrest_own() -> None:
    # A content that is a model, not a dict, and a body that is not an activity.
    stock, as_is = await _serializers()
    hero = HeroCard(title="Fictional", text="A card as a model")
    assert as_is.body(_card_activity(hero), "Activity") == stock.body(
        _card_activity(hero), "Activity"
    )
    account = ChannelAccount(id="29:someone", name="Fictional Person")
    assert as_is.body(account, "ChannelAccount") == stock.body(account, "ChannelAccount")


async def test_a_failed_serialization_leaves_the_activity_as_it_was() -> None:
    _, as_is = await _serializers()
    card = {"type": "AdaptiveCard", "body": []}
    activity = _card_activity(card)
    activity.timestamp = "not a time"  # msrest refuses the activity
    with pytest.raises(SerializationError):
        as_is.body(activity, "Activity")
    assert activity.attachments[0].content is card


async def test_reused_clients_send_cards_as_they_are() -> None:
    client = await _client()
    assert isinstance(client.conversations._serialize, _AttachmentsAsIs)
    assert send_cards_as_is(client) is client
    assert isinstance(client.conversations._serialize._inner, Serializer)  # wrapped once
