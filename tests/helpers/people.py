"""The demo roster's fictional people as Teams accounts (ids match bot/demo/roster.toml)."""

from __future__ import annotations

from typing import Any

PEOPLE: dict[str, dict[str, str]] = {
    "robin": {
        "id": "29:1robin-referrer-fictional",
        "name": "Robin Referrer",
        "aadObjectId": "00000000-0000-4000-8000-000000000001",
        "email": "robin.referrer@example.org",
    },
    "lee": {
        "id": "29:1lee-authority-fictional",
        "name": "Lee Authority",
        "aadObjectId": "00000000-0000-4000-8000-000000000002",
        "email": "lee.authority@example.org",
    },
    "pat": {
        "id": "29:1pat-constable-fictional",
        "name": "Pat Constable",
        "aadObjectId": "00000000-0000-4000-8000-000000000003",
        "email": "pat.constable@example.org",
    },
    "hana": {
        "id": "29:1hana-health-fictional",
        "name": "Hana Health",
        "aadObjectId": "00000000-0000-4000-8000-000000000004",
        "email": "hana.health@example.org",
    },
    "morgan": {
        "id": "29:1morgan-manager-fictional",
        "name": "Morgan Manager",
        "aadObjectId": "00000000-0000-4000-8000-000000000005",
        "email": "morgan.manager@example.org",
    },
    "stranger": {
        "id": "29:1stranger-fictional",
        "name": "Sam Stranger",
        "aadObjectId": "00000000-0000-4000-8000-0000000000ff",
        "email": "sam.stranger@example.org",
    },
}
VOTERS = {"la": "lee", "police": "pat", "health": "hana"}


def account(who: str) -> dict[str, str]:
    """The `from` account of a demo person."""
    person = PEOPLE[who]
    return {"id": person["id"], "name": person["name"], "aadObjectId": person["aadObjectId"]}


def teams_members() -> dict[str, dict[str, Any]]:
    """What the fake connector answers for 'get member', for every demo person."""
    return {p["id"]: dict(p, userPrincipalName=p["email"]) for p in PEOPLE.values()}
