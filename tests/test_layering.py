"""Imports point down: core and store never load typer or rich."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import importlib, pkgutil, sys
import hypercare.core, hypercare.store
for package in (hypercare.core, hypercare.store):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
print(",".join(sorted(m for m in ("typer", "rich") if m in sys.modules)))
"""


def test_core_and_store_load_neither_typer_nor_rich() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout.strip()

    assert loaded == ""


@pytest.mark.parametrize("command", [["log", "--help"], ["--help"], ["list", "--help"]])
def test_fast_paths_do_not_import_heavy_modules(command: list[str]) -> None:
    probe = (
        "import sys\nfrom hypercare.cli.app import app\n"
        f"try:\n    app({command!r})\nexcept SystemExit:\n    pass\n"
        "print('LOADED:' + ','.join(sorted(m for m in ('rich', 'sqlite_utils', "
        "'dateutil', "
        "'matplotlib', 'jinja2', 'rapidfuzz', 'plotext') if m in sys.modules)))"
    )
    lines = (
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()
    )

    assert lines[-1] == "LOADED:"
