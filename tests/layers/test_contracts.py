"""The rooms' import rules bind: lint-imports passes on the tree as it is, and fails, naming
the contract, when a room imports what its rule forbids (a copy of the tree is changed)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "dialogs", "cards", "review", "storage")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def test_the_tree_keeps_every_contract(tree: Path) -> None:
    result = lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("bot/usecases/cases.py", "import botbuilder.core", "The use cases never speak"),
        ("bot/usecases/cases.py", "import bot.teams.turn", "The use cases never speak"),
        ("bot/delivery/courier.py", "import msrest", "Delivery sends through the Sender"),
        ("review/calendar.py", "import sqlalchemy", "review/ is the pure statutory domain"),
        ("cards/base.py", "import storage.models", "cards/ are pure functions"),
        ("storage/db.py", "import bot.context", "storage/ imports none of the rooms"),
        ("dialogs/referral.py", "import bot.usecases.referrals", "dialogs/ reach the use cases"),
        ("bot/context.py", "import bot.usecases.people", "The shared kernel"),
        ("bot/cli.py", "import botframework.connector", "imported only under bot/teams/"),
        ("bot/usecases/people.py", "import bot.usecases.cases", "No import cycle"),
        ("bot/delivery/message.py", "import bot.teams.turn", "Layers:"),
    ],
)
def test_a_crossed_rule_breaks_its_contract(
    tree: Path, tmp_path: Path, module: str, line: str, contract: str
) -> None:
    changed = tmp_path / "tree"
    shutil.copytree(tree, changed)
    path = changed / module
    text = path.read_text()
    anchor = "from __future__ import annotations\n"
    assert anchor in text, module
    path.write_text(text.replace(anchor, anchor + line + "\n", 1))
    result = lint(changed)
    assert result.returncode != 0, f"{module}: {line} broke nothing"
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout[-3000:]
