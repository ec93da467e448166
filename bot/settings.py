"""Settings read once from the environment into a typed object."""

from __future__ import annotations

import functools
import ipaddress
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from storage.crypto import Keyring, MalformedKey, new_key
from storage.urls import normalise_database_url

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/rapid-review.db"
# Development only (no MicrosoftAppId): the data key `make run` generates when DATA_KEYS is
# unset, kept for later starts.
DEV_DATA_KEY_FILE = Path("var/data.key")
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and what to do."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "") or str(default)
    try:
        value = int(text)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {text!r}") from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative")
    return value


def _tenant_rate(env: Mapping[str, str]) -> int:
    value = _int(env, "TEAMS_TENANT_SENDS_PER_SECOND", 50)
    if not 1 <= value <= 50:
        raise SettingsError(
            "TEAMS_TENANT_SENDS_PER_SECOND must be between 1 and 50 (Teams allows a bot 50 a "
            "second per tenant; with N replicas give each 50 / N)"
        )
    return value


def _instant(env: Mapping[str, str], name: str) -> datetime | None:
    text = env.get(name, "")
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise SettingsError(f"{name} must be an ISO date and time, not {text!r}") from None
    if value.tzinfo is None:
        raise SettingsError(f"{name} needs a UTC offset, e.g. 2026-11-23T10:00:00+00:00")
    return value


def _data_keys(env: Mapping[str, str]) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in env.get("DATA_KEYS", "").split(",") if k.strip())
    if keys:
        _keyring(keys, "DATA_KEYS")
    return keys


def _keyring(keys: tuple[str, ...], source: str) -> Keyring:
    try:
        return Keyring(keys)
    except MalformedKey as why:  # never the key itself in the message
        raise SettingsError(
            f"{source}: {why}. DATA_KEYS is a comma-separated list of keys, newest first"
        ) from None


def is_loopback(host: str) -> bool:
    """True when `host` names only this machine (127.0.0.0/8, ::1 or localhost)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


TEAMS_SERVICE_HOSTS = (
    "smba.trafficmanager.net",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
)


# Where Teams puts a 1:1 file (the person's OneDrive for Business): the upload URL of a
# file consent answer and the download URL of a file sent to the bot are on these hosts.
FILE_HOSTS = (
    "*.sharepoint.com",
    "*.sharepoint.us",
    "*.sharepoint-mil.us",
    "*.sharepoint.de",
    "*.sharepoint.cn",
)


def host_matches(host: str, patterns: tuple[str, ...]) -> bool:
    """True when `host` is one of `patterns`: an exact name, or `*.domain` for its subdomains."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


# Pure, and asked on every request for the same few URLs (parsing the URL and the address
# was a few per cent of a vote); strings that never recur only cycle through the cache.
@functools.lru_cache(maxsize=256)
def service_url_allowed(service_url: str, extra: tuple[str, ...], development: bool) -> bool:
    """True for Teams' service hosts over HTTPS, listed prefixes, and loopback in development."""
    parts = urlsplit(service_url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host in TEAMS_SERVICE_HOSTS:
        return True
    if any(service_url.startswith(prefix) for prefix in extra):
        return True
    return development and parts.scheme in ("http", "https") and is_loopback(host)


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment."""

    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = "MultiTenant"
    tenant_id: str = ""
    database_url: str = DEFAULT_DATABASE_URL
    partnership_profile: str = "stockport"
    host: str = "127.0.0.1"
    port: int = 3978
    log_level: str = "INFO"
    service_url_allow_list: tuple[str, ...] = ()
    openid_metadata_url: str = ""
    # Seconds between reminder sweeps; 0 turns the periodic sweep off (tests drive it).
    reminder_sweep_seconds: int = 30
    # The shared panel card is redrawn at most once per this many seconds (Teams throttles).
    card_update_seconds: float = 1.0
    # Sends and updates a second to one tenant from this replica: Teams allows a bot 50 per
    # tenant, so each of N replicas keeps 50 / N (TEAMS_TENANT_SENDS_PER_SECOND).
    tenant_sends_per_second: int = 50
    # Development and demos only: the app's clock starts at this instant and runs on.
    clock_start: datetime | None = None
    # Hosts the bot uploads 1:1 files to and downloads them from (FILE_HOST_ALLOW_LIST adds).
    file_hosts: tuple[str, ...] = FILE_HOSTS
    # The keys that encrypt the free text at rest, newest first (DATA_KEYS; see data_keyring).
    data_keys: tuple[str, ...] = field(default=(), repr=False)
    # Where development keeps the key it generated when DATA_KEYS is unset.
    dev_data_key_file: Path = DEV_DATA_KEY_FILE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from `env` (default: the process environment)."""
        env = os.environ if env is None else env
        port_text = env.get("PORT", "3978")
        try:
            port = int(port_text)
        except ValueError:
            raise SettingsError(f"PORT must be a number, not {port_text!r}") from None
        if not 0 < port < 65536:
            raise SettingsError(f"PORT must be between 1 and 65535, not {port}")
        app_type = env.get("MicrosoftAppType", "") or "MultiTenant"
        if app_type not in {"MultiTenant", "SingleTenant", "UserAssignedMSI"}:
            raise SettingsError(
                "MicrosoftAppType must be MultiTenant, SingleTenant or UserAssignedMSI, "
                f"not {app_type!r}"
            )
        tenant_id = env.get("MicrosoftAppTenantId", "")
        if app_type in {"SingleTenant", "UserAssignedMSI"} and not tenant_id:
            raise SettingsError(
                f"MicrosoftAppTenantId is required when MicrosoftAppType is {app_type}"
            )
        allow = tuple(
            s.strip() for s in env.get("SERVICE_URL_ALLOW_LIST", "").split(",") if s.strip()
        )
        file_hosts = FILE_HOSTS + tuple(
            s.strip() for s in env.get("FILE_HOST_ALLOW_LIST", "").split(",") if s.strip()
        )
        return cls(
            app_id=env.get("MicrosoftAppId", ""),
            app_password=env.get("MicrosoftAppPassword", ""),
            app_type=app_type,
            tenant_id=tenant_id,
            database_url=normalise_database_url(
                env.get("DATABASE_URL", "") or DEFAULT_DATABASE_URL
            ),
            partnership_profile=env.get("PARTNERSHIP_PROFILE", "") or "stockport",
            host=env.get("HOST", "") or "127.0.0.1",
            port=port,
            log_level=(env.get("LOG_LEVEL", "") or "INFO").upper(),
            service_url_allow_list=allow,
            openid_metadata_url=env.get("OPENID_METADATA_URL", ""),
            reminder_sweep_seconds=_int(env, "REMINDER_SWEEP_SECONDS", 30),
            tenant_sends_per_second=_tenant_rate(env),
            clock_start=_instant(env, "RAPID_REVIEW_CLOCK_START"),
            file_hosts=file_hosts,
            data_keys=_data_keys(env),
        )

    @property
    def anonymous(self) -> bool:
        """True when no Microsoft app id is set (local development only)."""
        return not self.app_id

    def check_listener(self) -> None:
        """Refuse an unauthenticated listener on anything but loopback."""
        if self.anonymous and not is_loopback(self.host):
            raise SettingsError(
                f"Refusing to listen on {self.host} without MicrosoftAppId: anyone could post "
                "activities to the bot. Set MicrosoftAppId and MicrosoftAppPassword, or use "
                "HOST=127.0.0.1 for local development."
            )

    def check_clock(self) -> None:
        """A moved clock is for local demos only: never with a real app registration."""
        if self.clock_start is not None and not (self.anonymous and is_loopback(self.host)):
            raise SettingsError(
                "RAPID_REVIEW_CLOCK_START is for local demos only (no MicrosoftAppId, loopback)."
            )

    def data_keyring(self) -> Keyring:
        """The keys that encrypt the data at rest (DATA_KEYS, newest first).

        Without DATA_KEYS, production (a MicrosoftAppId) refuses to start; development
        generates a key into `dev_data_key_file` (var/data.key, mode 0600) once and reuses it.
        """
        if self.data_keys:
            return _keyring(self.data_keys, "DATA_KEYS")
        if not self.anonymous:
            raise SettingsError(
                "DATA_KEYS is not set: with MicrosoftAppId set, the key that encrypts the "
                "referrals and returns at rest must be given (generate one with "
                "`python -m bot keys new` and keep it in the app's secret settings)."
            )
        return _keyring(_dev_key(self.dev_data_key_file), str(self.dev_data_key_file))

    def service_url_allowed(self, service_url: str) -> bool:
        """True when replies may be sent to `service_url` (Teams' hosts; loopback only in dev)."""
        return service_url_allowed(service_url, self.service_url_allow_list, self.anonymous)

    def file_host_allowed(self, host: str) -> bool:
        """True when the bot may upload a 1:1 file to, or download one from, `host`."""
        return host_matches(host, self.file_hosts)

    def sqlite_path(self) -> Path | None:
        """The SQLite file behind database_url, if it is one."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            rest = self.database_url[len(prefix) :]
            return None if rest in ("", ":memory:") else Path(rest)
        return None


def _dev_key(path: Path) -> tuple[str, ...]:
    """The development key kept in `path`, generated there (mode 0600) on first use."""
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole under another name, then linked in: a process starting at the
            # same moment reads one key or the other's, never half a file.
            draft = path.with_name(f".{path.name}.{os.getpid()}")
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
            try:
                with os.fdopen(fd, "w", encoding="ascii") as out:
                    out.write(new_key() + "\n")
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink(missing_ok=True)
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as why:
        raise SettingsError(f"cannot read the development data key {path}: {why}") from None
    return tuple(k.strip() for k in text.split(",") if k.strip())
