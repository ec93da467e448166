"""The SDK hot-path fixes keep the SDK's behaviour: same retry codes, clients reused."""

from __future__ import annotations

from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity
from msrest.universal_http.requests import ClientRetryPolicy

from bot.auth import RequestAuthenticator
from bot.sdk import speed_up_msrest


def test_retry_policy_codes_are_the_same_set() -> None:
    before = set(ClientRetryPolicy.safe_codes)
    speed_up_msrest()
    speed_up_msrest()
    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)
    assert set(ClientRetryPolicy.safe_codes) == before
    policy = ClientRetryPolicy().policy
    assert 500 in policy.status_forcelist and 429 not in policy.status_forcelist


async def test_clients_are_reused_per_service_url() -> None:
    auth = RequestAuthenticator(app_id="", app_password="", app_type="MultiTenant", tenant_id="")
    bfa = auth.bot_framework_authentication
    claims = ClaimsIdentity(
        {AuthenticationConstants.AUDIENCE_CLAIM: "", AuthenticationConstants.APP_ID_CLAIM: ""}, True
    )
    a = await bfa.create_connector_factory(claims).create("http://127.0.0.1:1/", None)
    b = await bfa.create_connector_factory(claims).create("http://127.0.0.1:1/", None)
    c = await bfa.create_connector_factory(claims).create("http://127.0.0.1:2/", None)
    assert a is b and a is not c
    assert await bfa.create_user_token_client(claims) is await bfa.create_user_token_client(claims)
