"""The code checks STYLE.md asks for run with the tests: ruff and mypy --strict."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed; install the test extra: pip install -e '.[test]'"
        )
    return found


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "format", "--check", "hypercare", "tests", "bench"],
        ["ruff", "check", "hypercare", "tests", "bench"],
        ["mypy"],
    ],
    ids=["ruff format", "ruff check", "mypy --strict"],
)
def test_code_checks_pass(command: list[str]) -> None:
    done = subprocess.run(
        [_tool(command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stdout + done.stderr
