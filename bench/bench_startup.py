"""Start-up benchmark: is hypercare as quick to run as a minimal Typer app?

A triage lead runs hypercare dozens of times an hour, so start-up is the
product's speed. The baseline is a minimal Typer app that imports typer and
sqlite3 and inserts one row; each hypercare command is timed against it in
alternating pairs (``../shared/bench/paired.py``) and reported as the median
ratio, which stays meaningful on a noisy shared machine.

Goals (issue 2): ``log``, ``triage`` and ``--help`` within 1.2x of the
baseline; ``list`` of one page within 1.3x on a database of 100,000 issues;
peak memory of each under 60 MB.

Run on demand, from the repository root, with hypercare installed:

    python bench/bench_startup.py [--runs 15] [--issues 100000]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAIRED = ROOT.parent / "shared" / "bench" / "paired.py"

BASELINE = """
import sqlite3
import typer

app = typer.Typer()


@app.command()
def log(title: str) -> None:
    conn = sqlite3.connect("baseline.db", isolation_level=None)
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, title TEXT)")
    conn.execute("BEGIN IMMEDIATE")
    row = conn.execute("INSERT INTO t (title) VALUES (?)", (title,)).lastrowid
    conn.execute("COMMIT")
    print(row)


app()
"""

GOALS = {"log": 1.2, "triage": 1.2, "--help": 1.2, "list": 1.3}


def _hypercare() -> str:
    found = shutil.which("hypercare", path=str(Path(sys.executable).parent))
    return found or "hypercare"


def _fill(db: Path, count: int) -> None:
    """Add ``count`` triaged issues, each with its logged event, in one transaction."""
    import sqlite3

    conn = sqlite3.connect(db)
    rows = [
        (
            f"Synthetic issue {n}",
            "new",
            "2026-03-02T09:00:00Z",
            "2026-03-02T09:00:00Z",
            "2026-03-02T09:00:00Z",
            "P3",
            "medium",
            "medium",
        )
        for n in range(count)
    ]
    with conn:
        conn.executemany(
            "INSERT INTO issues (title, status, reported_at, logged_at, updated_at, "
            "priority, impact, urgency) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute(
            "INSERT INTO events (issue_id, kind, at, recorded_at, actor, "
            "to_status, changes) "
            "SELECT id, 'logged', reported_at, logged_at, 'bench', 'new', "
            "json_object('title', title, 'status', status, 'reported_at', reported_at, "
            "'logged_at', logged_at, 'updated_at', updated_at, 'priority', priority, "
            "'impact', impact, 'urgency', urgency) FROM issues"
        )
    conn.close()


def _peak_mb(command: list[str], cwd: Path) -> float:
    probe = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *command],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out.strip()) / 1024


def _environment() -> dict[str, str]:
    """This environment, but writing bytecode as a normal install does.

    With PYTHONDONTWRITEBYTECODE set, every run recompiles hypercare's
    sources, a cost users never pay (pip compiles them at install).
    """
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _ratio(a: str, b: str, runs: int, cwd: Path) -> float:
    out = subprocess.run(
        [sys.executable, str(PAIRED), "-n", str(runs), "-a", a, "-b", b],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"A/B wall median\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--issues", type=int, default=100_000)
    args = parser.parse_args()

    hypercare = _hypercare()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "baseline.py").write_text(BASELINE)
        env = _environment()
        subprocess.run(
            [hypercare, "init"],
            cwd=work,
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [hypercare, "log", "first"], cwd=work, check=True, stdout=subprocess.DEVNULL
        )
        big = work / "big"
        big.mkdir()
        subprocess.run(
            [hypercare, "init"], cwd=big, check=True, stdout=subprocess.DEVNULL
        )
        _fill(big / "hypercare.db", args.issues)

        baseline = f"{sys.executable} baseline.py title"
        commands = {
            "log": (f"{hypercare} log 'Bench issue'", work),
            "triage": (f"{hypercare} triage 1 --impact high --urgency high", work),
            "--help": (f"{hypercare} --help", work),
            "list": (
                f"{hypercare} --db big/hypercare.db list --limit 50 --sort reported "
                "--desc",
                work,
            ),
        }
        print(f"{'command':10} {'ratio':>7} {'goal':>6} {'peak MB':>8}")
        for name, (command, cwd) in commands.items():
            ratio = _ratio(command, baseline, args.runs, cwd)
            peak = _peak_mb(command.replace("'", "").split(), cwd)
            verdict = "ok" if ratio <= GOALS[name] and peak < 60 else "over"
            print(f"{name:10} {ratio:7.2f} {GOALS[name]:6.1f} {peak:8.1f}  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
