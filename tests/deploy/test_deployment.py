"""The container image and the Azure template, checked statically and by running their parts.

No Docker engine or Bicep compiler runs in the tests: the Dockerfile is parsed and its health
check and entrypoint are run as they would be in the container; the Bicep file is checked for
balance, references and the settings the app reads.
"""

from __future__ import annotations

import fnmatch
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url

from bot.cli import build_parser
from bot.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
ENTRYPOINT = DEPLOY / "docker" / "entrypoint.sh"
BICEP = DEPLOY / "azure" / "main.bicep"
SETTINGS_SOURCE = REPO_ROOT / "bot" / "settings.py"


# --- Dockerfile -------------------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1].strip() + " "
            continue
        current += line
        keyword, _, rest = current.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    return instructions


@pytest.fixture(scope="module")
def docker() -> list[tuple[str, str]]:
    """The Dockerfile's instructions."""
    return dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))


def stages(instructions: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The instructions of each build stage, FROM first."""
    result: list[list[tuple[str, str]]] = []
    for keyword, args in instructions:
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, args))
    return result


def global_args(instructions: list[tuple[str, str]]) -> dict[str, str]:
    """ARG defaults declared before the first FROM."""
    args: dict[str, str] = {}
    for keyword, rest in instructions:
        if keyword == "FROM":
            break
        if keyword == "ARG":
            name, _, default = rest.partition("=")
            args[name] = default
    return args


def exec_form(args: str) -> list[str]:
    """A JSON (exec form) argument list."""
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def test_every_stage_uses_a_slim_python_311_base(docker: list[tuple[str, str]]) -> None:
    defaults = global_args(docker)
    for stage in stages(docker):
        image = stage[0][1].split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], image)
        assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-[a-z]+)?", image), image


def test_the_runtime_stage_runs_as_a_non_root_user(docker: list[tuple[str, str]]) -> None:
    final = stages(docker)[-1]
    users = [args for keyword, args in final if keyword == "USER"]
    assert users, "the final stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    created = " ".join(args for keyword, args in final if keyword == "RUN")
    assert re.search(rf"useradd\b.*--uid {re.escape(user)}\b", created)
    instructions_after_user = final[final.index(("USER", users[-1])) :]
    assert not any(keyword == "RUN" for keyword, _ in instructions_after_user)


def test_the_project_is_installed_with_pip_without_dev_extras(
    docker: list[tuple[str, str]],
) -> None:
    runs = " && ".join(args for keyword, args in docker if keyword == "RUN")
    assert re.search(r"pip install \.(\s|$)", runs)
    assert "[dev]" not in runs and " -e " not in runs and "--editable" not in runs


def test_the_container_listens_on_all_interfaces_on_port_8000(
    docker: list[tuple[str, str]],
) -> None:
    final = stages(docker)[-1]
    env = " ".join(args for keyword, args in final if keyword == "ENV")
    assert re.search(r"\bHOST=0\.0\.0\.0\b", env)
    assert re.search(r"\bPORT=8000\b", env)
    assert ("EXPOSE", "8000") in final


def test_every_copied_file_exists(docker: list[tuple[str, str]]) -> None:
    for keyword, args in docker:
        if keyword != "COPY" or "--from=" in args:
            continue
        *sources, _target = [a for a in args.split() if not a.startswith("--")]
        for source in sources:
            assert (REPO_ROOT / source).exists(), source


def test_the_entrypoint_migrates_then_runs(docker: list[tuple[str, str]]) -> None:
    final = stages(docker)[-1]
    (entry,) = [exec_form(args) for keyword, args in final if keyword == "ENTRYPOINT"]
    (cmd,) = [exec_form(args) for keyword, args in final if keyword == "CMD"]
    copies = [args.split() for keyword, args in final if keyword == "COPY"]
    assert ["deploy/docker/entrypoint.sh", entry[-1]] in [c[-2:] for c in copies]
    assert cmd == ["run"]


def test_the_health_check_calls_healthz_with_python(docker: list[tuple[str, str]]) -> None:
    final = stages(docker)[-1]
    (check,) = [args for keyword, args in final if keyword == "HEALTHCHECK"]
    options, _, command = check.partition("CMD ")
    assert "--interval=" in options and "--timeout=" in options
    argv = exec_form(command)
    assert argv[:2] == ["python", "-c"]
    assert "urllib.request" in argv[2] and "/healthz" in argv[2]


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        """Answer /healthz with the class's status."""
        code = self.status if self.path == "/healthz" else 404
        body = b'{"status": "ok"}' if code == 200 else b'{"status": "degraded"}'
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""


@pytest.fixture
def health_server() -> Iterator[tuple[type[_Health], int]]:
    """A loopback server answering /healthz with a status the test chooses."""
    handler = type("Health", (_Health,), {"status": 200})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _run_health_check(docker: list[tuple[str, str]], port: int) -> int:
    (check,) = [args for keyword, args in stages(docker)[-1] if keyword == "HEALTHCHECK"]
    argv = exec_form(check.partition("CMD ")[2])
    env = {"PATH": os.environ.get("PATH", ""), "PORT": str(port)}
    completed = subprocess.run(
        [sys.executable, *argv[1:]], env=env, capture_output=True, timeout=30, check=False
    )
    return completed.returncode


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_health_check_passes_on_200_and_fails_on_503_or_no_server(
    docker: list[tuple[str, str]], health_server: tuple[type[_Health], int]
) -> None:
    handler, port = health_server
    assert _run_health_check(docker, port) == 0
    handler.status = 503
    assert _run_health_check(docker, port) == 1
    assert _run_health_check(docker, _free_port()) == 1


# --- the entrypoint -----------------------------------------------------------------------------

FAKE_PYTHON = """#!/bin/sh
echo "$*" >> "$CALLS"
if [ "$*" = "-m bot db upgrade" ]; then
    n=$(cat "$COUNTER" 2>/dev/null || echo 0)
    n=$((n + 1))
    echo "$n" > "$COUNTER"
    if [ "$n" -le "${FAIL_TIMES:-0}" ]; then exit 1; fi
fi
exit 0
"""


def _entrypoint(tmp_path: Path, *args: str, **env: str) -> tuple[int, list[str], str]:
    """Run entrypoint.sh with a fake `python` that records its arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "python"
    fake.write_text(FAKE_PYTHON, encoding="utf-8")
    fake.chmod(0o755)
    calls = tmp_path / "calls.txt"
    base = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "CALLS": str(calls),
        "COUNTER": str(tmp_path / "counter.txt"),
        "MIGRATE_RETRY_SECONDS": "0",
    }
    completed = subprocess.run(
        ["/bin/sh", str(ENTRYPOINT), *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    recorded = calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []
    return completed.returncode, recorded, completed.stderr


@pytest.mark.parametrize("args", [(), ("run",)])
def test_entrypoint_migrates_before_starting(tmp_path: Path, args: tuple[str, ...]) -> None:
    status, calls, _ = _entrypoint(tmp_path, *args)
    assert status == 0
    assert calls == ["-m bot db upgrade", "-m bot run"]


def test_entrypoint_retries_a_migration_that_lost_a_race(tmp_path: Path) -> None:
    status, calls, err = _entrypoint(tmp_path, FAIL_TIMES="2", MIGRATE_ATTEMPTS="3")
    assert status == 0
    assert calls == ["-m bot db upgrade"] * 3 + ["-m bot run"]
    assert "attempt 1 of 3" in err and "attempt 2 of 3" in err


def test_entrypoint_does_not_start_when_migrations_keep_failing(tmp_path: Path) -> None:
    status, calls, err = _entrypoint(tmp_path, FAIL_TIMES="9", MIGRATE_ATTEMPTS="2")
    assert status == 1
    assert calls == ["-m bot db upgrade"] * 2
    assert "the database migration failed 2 times; not starting" in err


def test_entrypoint_passes_other_commands_to_the_cli(tmp_path: Path) -> None:
    status, calls, _ = _entrypoint(tmp_path, "roster", "import", "/data/roster.toml")
    assert status == 0
    assert calls == ["-m bot roster import /data/roster.toml"]


def test_the_commands_the_image_runs_exist_in_the_cli() -> None:
    parser = build_parser()
    for argv in (["run"], ["db", "upgrade"], ["roster", "import", "roster.toml"]):
        assert parser.parse_args(argv).handler is not None


def test_in_the_container_settings_the_bot_migrates_then_refuses_to_run_without_an_app_id(
    tmp_path: Path,
) -> None:
    """The image's HOST=0.0.0.0 without MicrosoftAppId: migrations apply, the server refuses."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "python"  # a symlink would lose the virtual environment
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PYTHONPATH": str(REPO_ROOT),
        "HOME": str(tmp_path),
        "HOST": "0.0.0.0",
        "PORT": str(_free_port()),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'rapid-review.db'}",
    }
    completed = subprocess.run(
        ["/bin/sh", str(ENTRYPOINT)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    assert "database at revision" in completed.stdout
    assert "Refusing to listen on 0.0.0.0 without MicrosoftAppId" in completed.stderr
    assert (tmp_path / "rapid-review.db").is_file()


# --- .dockerignore ------------------------------------------------------------------------------


def test_the_recommended_dockerignore_keeps_secrets_out_and_the_sources_in(
    docker: list[tuple[str, str]],
) -> None:
    lines = (DEPLOY / "dockerignore.txt").read_text(encoding="utf-8").splitlines()
    patterns = [p.strip() for p in lines if p.strip() and not p.startswith("#")]
    excludes = [p for p in patterns if not p.startswith("!")]
    for needed in (".git", ".env", ".venv", "node_modules", "var", "artifacts"):
        assert needed in excludes, needed
    sources = [
        src
        for keyword, args in docker
        if keyword == "COPY" and "--from=" not in args
        for src in [a for a in args.split() if not a.startswith("--")][:-1]
    ]
    for source in sources:
        parts = Path(source).parts
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            hit = [p for p in excludes if fnmatch.fnmatch(prefix, p.removeprefix("**/"))]
            assert not hit, f"{source} is excluded by {hit}"


# --- Bicep ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bicep() -> str:
    """The template's text."""
    return BICEP.read_text(encoding="utf-8")


def _strip(text: str) -> str:
    """The Bicep text without comments, string literals emptied but their ${...} code kept."""
    out = []
    i = 0
    while i < len(text):
        if text.startswith("//", i):
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
        elif text[i] == "'":
            j = i + 1
            while text[j] != "'":
                if text.startswith("${", j):  # keep interpolated code, it uses names
                    end = text.index("}", j)
                    out.append(" " + text[j + 2 : end] + " ")
                    j = end + 1
                else:
                    j += 2 if text[j] == "\\" else 1
            out.append("''")
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def app_settings(bicep: str) -> dict[str, str]:
    """name -> value (as written) of the `appSettings` and `registrySettings` variables."""
    pairs = re.findall(r"name: '([^']+)'\s*\n\s*value: ([^\n]+)", bicep)
    return dict(pairs)


def env_names_read_by_the_app() -> set[str]:
    """Every environment variable name bot/settings.py reads."""
    source = SETTINGS_SOURCE.read_text(encoding="utf-8")
    names = set(re.findall(r"env\.get\(\s*\"([A-Za-z_][A-Za-z0-9_]*)\"", source))
    names |= set(re.findall(r"_\w+\(\s*env,\s*\"([A-Za-z_][A-Za-z0-9_]*)\"", source))
    return names


def test_the_bicep_sets_every_setting_the_app_reads(bicep: str) -> None:
    read = env_names_read_by_the_app()
    assert {"MicrosoftAppId", "DATABASE_URL", "PORT", "HOST"} <= read  # the scan still works
    settings = app_settings(bicep)
    (unset_line,) = re.findall(r"// Not set in production: ([^\n]+)", bicep)
    unset = {name.strip() for name in unset_line.split(",")}
    missing = read - set(settings) - unset
    assert not missing, f"main.bicep neither sets nor explains {sorted(missing)}"
    assert unset <= read, f"stale names in the 'Not set' comment: {sorted(unset - read)}"
    assert not unset & set(settings)


def test_the_bicep_settings_match_the_image_and_the_single_tenant_bot(bicep: str) -> None:
    settings = app_settings(bicep)
    assert settings["MicrosoftAppType"] == "'SingleTenant'"
    assert settings["MicrosoftAppId"] == "msaAppId"
    assert settings["MicrosoftAppPassword"] == "msaAppPassword"
    assert settings["MicrosoftAppTenantId"] == "msaAppTenantId"
    assert settings["HOST"] == "'0.0.0.0'"
    assert settings["PORT"] == settings["WEBSITES_PORT"] == "appPort"
    assert "var appPort = '8000'" in bicep
    assert "healthCheckPath: '/healthz'" in bicep
    assert "linuxFxVersion: 'DOCKER|${containerImage}'" in bicep
    assert re.search(r"msaAppType: 'SingleTenant'\s*\n\s*msaAppTenantId: msaAppTenantId", bicep)
    assert re.search(
        r"name: 'MsTeamsChannel'.*channelName: 'MsTeamsChannel'\s*\n\s*properties: \{\s*\n"
        r"\s*isEnabled: true",
        bicep,
        re.S,
    )
    assert "output messagingEndpoint string = messagingEndpoint" in bicep
    assert (
        "var messagingEndpoint = 'https://${web.properties.defaultHostName}/api/messages'" in bicep
    )


def test_the_database_url_is_one_asyncpg_accepts(bicep: str) -> None:
    (template,) = re.findall(r"var databaseUrl = '([^']+)'", bicep)
    assert "sslmode" not in template and template.endswith("?ssl=require")
    assert "${uriComponent(postgresAdminLogin)}:${uriComponent(postgresAdminPassword)}@" in template
    password = "p@ss:w/rd%!~*'()#?&="
    url = (
        template.replace("${uriComponent(postgresAdminLogin)}", quote("rapid-review", safe=""))
        .replace("${uriComponent(postgresAdminPassword)}", quote(password, safe="-_.!~*'()"))
        .replace(
            "${postgres.properties.fullyQualifiedDomainName}", "pg.postgres.database.azure.com"
        )
        .replace("${databaseName}", "rapid_review")
    )
    settings = Settings.from_env({"DATABASE_URL": url})
    parsed = make_url(settings.database_url)
    assert parsed.drivername == "postgresql+asyncpg"
    assert (parsed.username, parsed.password) == ("rapid-review", password)
    _, kwargs = asyncpg_dialect().create_connect_args(parsed)
    assert kwargs["ssl"] == "require" and "sslmode" not in kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["database"]) == (
        "pg.postgres.database.azure.com",
        5432,
        "rapid_review",
    )


def test_secrets_are_secure_parameters_and_never_outputs(bicep: str) -> None:
    for name in (
        "msaAppPassword",
        "postgresAdminPassword",
        "containerRegistryPassword",
        "dataKeys",
    ):
        block = re.search(rf"((?:@[^\n]+\n)+)param {name} string", bicep)
        assert block and "@secure()" in block.group(1), name
    for line in bicep.splitlines():
        if line.startswith("output "):
            assert "Password" not in line and "databaseUrl" not in line, line


def test_the_bicep_is_balanced_and_every_name_is_declared_and_used(bicep: str) -> None:
    code = _strip(bicep)
    pairs = {"}": "{", "]": "[", ")": "("}
    stack: list[str] = []
    for char in code:
        if char in "{[(":
            stack.append(char)
        elif char in pairs:
            assert stack and stack.pop() == pairs[char], "unbalanced brackets in main.bicep"
    assert not stack, "unclosed brackets in main.bicep"

    declared = re.findall(r"^(param|var|resource|output) (\w+)", bicep, re.M)
    names = [name for kind, name in declared if kind != "output"]
    assert len(names) == len(set(names)), "a name is declared twice"
    for kind, name in declared:
        if kind in ("param", "var"):
            uses = len(re.findall(rf"\b{name}\b", code))
            assert uses >= 2, f"{kind} {name} is never used"
    for parent in re.findall(r"^\s*parent: (\w+)$", bicep, re.M):
        assert ("resource", parent) in declared, parent
    for kind_type in re.findall(r"^resource \w+ '([^']+)' = \{$", bicep, re.M):
        assert re.fullmatch(r"Microsoft\.\w+/[\w/]+@\d{4}-\d{2}-\d{2}(-preview)?", kind_type)
    resources = re.findall(r"^resource ", bicep, re.M)
    assert len(resources) == len(re.findall(r"^resource \w+ '[^']+' = \{$", bicep, re.M))
    # Single-line arrays or objects with commas need a recent Bicep; keep them multi-line.
    assert not re.search(r"[\[{][^\n\]}]*,", code)


def test_the_bicep_creates_the_pieces(bicep: str) -> None:
    for resource_type in (
        "Microsoft.BotService/botServices@",
        "Microsoft.BotService/botServices/channels@",
        "Microsoft.Web/serverfarms@",
        "Microsoft.Web/sites@",
        "Microsoft.DBforPostgreSQL/flexibleServers@",
        "Microsoft.DBforPostgreSQL/flexibleServers/databases@",
        "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@",
    ):
        assert f"'{resource_type}" in bicep, resource_type
    assert "reserved: true" in bicep  # a Linux plan
    assert "startIpAddress: '0.0.0.0'\n    endIpAddress: '0.0.0.0'" in bicep


# --- the deployment guide ---------------------------------------------------------------------


def test_the_deployment_guide_covers_the_steps() -> None:
    guide = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for needed in (
        "--sign-in-audience AzureADMyOrg",
        "az deployment group create",
        "deploy/azure/main.bicep",
        "/api/messages",
        'MicrosoftAppId="$APP_ID" make package',
        "@Rapid Review use this channel",
        "roster import",
        "bot/demo/roster.toml",
        "FOR UPDATE SKIP LOCKED",
        "2-minute lease",
        "Backups",
        "Retention",
        "fictional",
    ):
        assert needed in guide, needed
