"""The console entry point: the cycle collector is paused for start-up only."""

from __future__ import annotations

import gc
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def collector() -> Iterator[None]:
    """Leave this test process's collector as the test found it."""
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def test_the_console_script_is_the_entry_that_pauses_the_collector() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    assert project["scripts"] == {"hypercare": "hypercare.__main__:main"}


@pytest.mark.usefixtures("project", "collector")
def test_the_collector_runs_again_before_the_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hypercare import __main__ as entry
    from hypercare.cli import output

    seen: list[bool] = []
    real_echo = output.echo

    def echo(text: str = "") -> None:
        seen.append(gc.isenabled())
        real_echo(text)

    monkeypatch.setattr(output, "echo", echo)
    monkeypatch.setattr(sys, "argv", ["hypercare", "-q", "log", "Blank invoice PDF"])
    with pytest.raises(SystemExit) as done:
        entry.main()

    assert done.value.code == 0
    assert seen == [True]  # the issue number, printed with the collector on
    assert gc.isenabled()


@pytest.mark.usefixtures("collector")
@pytest.mark.parametrize("args", [["--help"], ["--version"], ["--bogus"]])
def test_the_collector_runs_again_when_no_command_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    from hypercare import __main__ as entry

    monkeypatch.setattr(sys, "argv", ["hypercare", *args])
    with pytest.raises(SystemExit):
        entry.main()

    assert gc.isenabled()


def test_python_dash_m_runs_the_same_entry() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hypercare", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("hypercare ")
