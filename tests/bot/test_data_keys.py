"""DATA_KEYS, the keys of encryption at rest: read and checked at start-up, generated once for
development, and `python -m bot keys new | rotate` (issue 24)."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.settings import Settings, SettingsError
from helpers.app import app_settings, running_app
from helpers.keys import TEST_DATA_KEY, fixed_key, write_referral
from storage.crypto import DataKeyMismatch, Keyring, install_keys, key_id
from storage.db import Database
from storage.models import Referral

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "00000000-0000-4000-8000-0000000000d1"
KEY_B = fixed_key("B")
KEY_C = fixed_key("C")
FORM = {"child": {"name": "MARKER-CHILD Poppy Example"}, "views": {"key_issues": "MARKER-X"}}


def run_cli(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the setting -------------------------------------------------------------------------------


def test_data_keys_are_read_newest_first_and_never_shown() -> None:
    settings = Settings.from_env({"DATA_KEYS": f" {KEY_B} , {TEST_DATA_KEY},"})
    assert settings.data_keys == (KEY_B, TEST_DATA_KEY)
    assert settings.data_keyring().key_ids == (key_id(KEY_B), key_id(TEST_DATA_KEY))
    assert KEY_B not in repr(settings)


@pytest.mark.parametrize(
    "value, problem",
    [
        ("MARKER-not-a-key", "DATA_KEYS: key 1 is not a data key"),
        (f"{KEY_B},MARKER-short", "DATA_KEYS: key 2 is not a data key"),
        (f"{KEY_B},{KEY_B}", "DATA_KEYS: key 2 is given twice"),
    ],
)
def test_a_malformed_data_key_is_a_settings_error_that_does_not_echo_it(
    value: str, problem: str
) -> None:
    with pytest.raises(SettingsError, match=problem) as caught:
        Settings.from_env({"DATA_KEYS": value})
    assert "MARKER" not in str(caught.value) and KEY_B not in str(caught.value)


def test_production_without_data_keys_refuses_to_start(db_url: str) -> None:
    settings = Settings.from_env({"MicrosoftAppId": APP_ID, "DATABASE_URL": db_url})
    with pytest.raises(SettingsError, match="DATA_KEYS is not set: with MicrosoftAppId set"):
        settings.data_keyring()
    with pytest.raises(SettingsError, match="DATA_KEYS is not set"):
        create_app(settings)


def test_development_generates_a_key_once_and_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "var" / "data.key"
    settings = Settings(dev_data_key_file=path)
    first = settings.data_keyring()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.key_ids == (key_id(path.read_text().strip()),)
    assert settings.data_keyring().key_ids == first.key_ids  # reused on the next start
    assert [p.name for p in path.parent.iterdir()] == ["data.key"]  # no draft left behind
    path.write_text("MARKER-garbage\n")
    with pytest.raises(SettingsError, match=r"data\.key: key 1 is not a data key") as caught:
        settings.data_keyring()
    assert "MARKER" not in str(caught.value)


def test_development_uses_data_keys_when_given(tmp_path: Path) -> None:
    path = tmp_path / "data.key"
    settings = Settings(dev_data_key_file=path, data_keys=(KEY_B,))
    assert settings.data_keyring().key_ids == (key_id(KEY_B),)
    assert not path.exists()


# --- at start-up -------------------------------------------------------------------------------


async def test_the_app_refuses_to_start_with_keys_that_do_not_open_the_data(db_url: str) -> None:
    await write_referral(db_url, FORM)
    with pytest.raises(
        DataKeyMismatch, match=r"referral\.form \(row 1\): DATA_KEYS do not"
    ) as caught:
        async with running_app(app_settings(db_url, data_keys=(KEY_C,))):
            pass
    assert "MARKER" not in str(caught.value)
    # A new key put first, the old one kept after it: it starts, and the bot reads the form.
    async with running_app(app_settings(db_url, data_keys=(KEY_C, TEST_DATA_KEY))) as app:
        resp = await app.client.get("/healthz")
        assert resp.status == 200
    db = Database(db_url)
    try:
        install_keys(Keyring([KEY_C, TEST_DATA_KEY]))
        async with db.session() as s:
            assert await s.scalar(select(Referral.form)) == FORM
    finally:
        await db.dispose()


# --- python -m bot keys ------------------------------------------------------------------------


def test_keys_new_prints_a_fresh_key() -> None:
    first, second = (run_cli("keys", "new", env={}) for _ in range(2))
    assert first.returncode == 0 and second.returncode == 0, first.stderr
    keys = [first.stdout.strip(), second.stdout.strip()]
    assert keys[0] != keys[1]
    assert Keyring(keys).key_ids == tuple(key_id(k) for k in keys)


async def test_keys_rotate_reseals_under_the_new_key_and_prints_counts_only(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'rotate.db'}"
    assert run_cli("db", "upgrade", env={"DATABASE_URL": url}).returncode == 0
    await write_referral(url, FORM)  # under the suite's key, A

    env = {"DATABASE_URL": url, "DATA_KEYS": f"{KEY_B},{TEST_DATA_KEY}"}
    first = run_cli("keys", "rotate", env=env)
    assert first.returncode == 0, first.stderr
    assert "referral.form: 1 resealed, 0 sealed (were plain), 0 already current" in first.stdout
    assert "1 value(s) written (1 resealed, 0 sealed)" in first.stdout
    assert f"every encrypted value is now under key {key_id(KEY_B)}" in first.stdout
    assert "MARKER" not in first.stdout + first.stderr
    again = run_cli("keys", "rotate", env=env)
    assert "referral.form: 0 resealed, 0 sealed (were plain), 1 already current" in again.stdout
    assert "0 value(s) written" in again.stdout

    # The old key dropped, the bot starts and reads; the old key alone is refused, in one line.
    port = str(free_port())
    refused = run_cli("run", env={"DATABASE_URL": url, "DATA_KEYS": TEST_DATA_KEY, "PORT": port})
    assert refused.returncode == 2
    line = refused.stderr.strip().splitlines()[-1]  # after the log's lines, the person's one
    assert line.startswith("python -m bot: referral.form (row 1): DATA_KEYS do not match the data")
    assert "MARKER" not in refused.stderr
    install_keys(Keyring([KEY_B]))
    db = Database(url)
    try:
        async with db.session() as s:
            assert await s.scalar(select(Referral.form)) == FORM
    finally:
        await db.dispose()


def test_run_in_production_without_data_keys_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    assert run_cli("db", "upgrade", env={"DATABASE_URL": url}).returncode == 0
    result = run_cli("run", env={"DATABASE_URL": url, "DATA_KEYS": "", "MicrosoftAppId": APP_ID})
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()  # refused before anything started
    assert line.startswith("python -m bot: DATA_KEYS is not set")


async def test_make_run_without_data_keys_generates_var_data_key_once(tmp_path: Path) -> None:
    """What `make run` does in a fresh checkout: no DATA_KEYS, a key made in var/data.key."""
    url = f"sqlite:///{tmp_path / 'var' / 'rapid-review.db'}"
    env = {"DATABASE_URL": url, "DATA_KEYS": ""}
    assert run_cli("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    first = run_cli("keys", "rotate", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "var" / "data.key").read_text().strip()
    assert stat.S_IMODE((tmp_path / "var" / "data.key").stat().st_mode) == 0o600
    assert f"now under key {key_id(key)}" in first.stdout
    second = run_cli("keys", "rotate", env=env, cwd=tmp_path)
    assert f"now under key {key_id(key)}" in second.stdout
    assert (tmp_path / "var" / "data.key").read_text().strip() == key
