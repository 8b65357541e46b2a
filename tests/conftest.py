"""Shared test helpers: an isolated home for every test and a CLI runner.

Every test runs in its own temporary folder with ``HYPERCARE_DB``,
``HYPERCARE_CONFIG`` and ``HOME`` unset or pointed there, a wide fixed
terminal and ``NO_COLOR``, so output is plain and the same everywhere.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

from hypercare.cli.app import app

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SERVICENOW_CSV = (
    SHARED_DATA
    / "servicenow-incident-event-log"
    / "incident_event_log_2016-02-29_to_2016-03-13.csv"
)
HELPDESK_CSV = SHARED_DATA / "helpdesk-italian-software-company" / "finale.csv"
OLIST_CSV = (
    SHARED_DATA
    / "olist-order-reviews-csat"
    / "olist_order_reviews_dataset.first6123.csv"
)
TEST_DATA = Path(__file__).parent / "data"
_REAL_DATA_NAMES = ("SERVICENOW_CSV", "HELPDESK_CSV", "OLIST_CSV", "SHARED_DATA")

# How every refusal of a file with bad rows ends: nothing imported, two ways on.
REFUSED = "; nothing was imported. Fix the file, or pass --skip-bad to import the rest"


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Skip the tests that read ../shared/data when it is not beside the clone.

    The real exports are not part of this repository; a user who runs the
    suite from a plain clone gets those tests (and only those: the test or
    one of its fixtures names the data) skipped with the reason. CI
    (``CI=true``) always has the folder, so there they never skip.
    """
    if SHARED_DATA.is_dir() or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason=f"the real data folder {SHARED_DATA} is not here")
    for item in items:
        if _reads_real_data(item):
            item.add_marker(skip)


def _reads_real_data(item: pytest.Item) -> bool:
    functions = [getattr(item, "function", None)]
    info = getattr(item, "_fixtureinfo", None)
    for definitions in info.name2fixturedefs.values() if info else ():
        functions += [definition.func for definition in definitions]
    for function in functions:
        try:
            source = inspect.getsource(function) if function else ""
        except (OSError, TypeError):
            continue
        if any(name in source for name in _REAL_DATA_NAMES):
            return True
    return False


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("HYPERCARE_USER", "tester")
    for name in (
        "HYPERCARE_DB",
        "HYPERCARE_CONFIG",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    def json(self) -> Any:
        return json.loads(self.stdout)


# Typer turns the whole app into click commands on every invoke (about 0.2 s
# for all of hypercare's commands); the result does not change between tests,
# so the test runner converts it once.
typer.testing._get_command = functools.cache(typer.main.get_command)  # type: ignore[attr-defined]


def run(*args: str, expect: int = 0, input: str | None = None) -> Result:
    """Run ``hypercare ARGS`` in-process; assert the exit status."""
    runner = CliRunner()
    outcome = runner.invoke(app, list(args), input=input, catch_exceptions=False)
    result = Result(outcome.exit_code, outcome.stdout, outcome.stderr)
    assert outcome.exit_code == expect, (
        f"hypercare {' '.join(args)} exited {outcome.exit_code}, expected {expect}\n"
        f"stdout:\n{outcome.stdout}\nstderr:\n{outcome.stderr}"
    )
    return result


@pytest.fixture
def project(isolated: Path) -> Path:
    """A fresh hypercare in the test's folder: UTC, go-live 2026-03-02 09:00."""
    run("init", "--name", "Test", "--go-live", "2026-03-02T09:00:00Z", "--tz", "UTC")
    return isolated
