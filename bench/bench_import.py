"""Import benchmark: ``hypercare import`` against a plain standard-library load.

Issue 3 asks that importing the whole ServiceNow sample, history and all,
take at most 3x the time of loading the same file into one plain table with
the standard library (``csv`` reader, one ``executemany``, one transaction),
and at most 2.5x for a 100,000-row Jira-style CSV made by
``../shared/bench/gen_tickets.py --date-style jira``; and that peak memory
stay under 150 MB whatever the file size.

Both loads run in this one process, alternately (ours, plain, ours, plain
...), each into a fresh database file, and the median of the per-pair ratios
is reported: it stays meaningful when a shared machine drifts. The ratio of
CPU seconds is reported beside the wall-clock one: on a busy machine the
wall clock also counts time spent waiting for a core. Peak memory is
measured on a separate ``hypercare import`` process (its maximum resident
set), so it counts the whole command as a user runs it.

Run on demand (not a test), from the repository root, with hypercare installed:

    python bench/bench_import.py [--runs 5] [--rows 100000] [--work DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SERVICENOW = (
    SHARED
    / "data"
    / "servicenow-incident-event-log"
    / "incident_event_log_2016-02-29_to_2016-03-13.csv"
)
GENERATOR = SHARED / "bench" / "gen_tickets.py"
GOALS = {"servicenow": 3.0, "jira": 2.5}
MEMORY_LIMIT_MB = 150


def _fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def plain_load(source: Path, target: Path) -> tuple[float, float]:
    """Wall and CPU seconds to load ``source`` into one plain table (csv,
    executemany, one commit)."""
    started, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(_fresh(target), isolation_level=None)
    with source.open(newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        columns = ", ".join(f"c{i} TEXT" for i in range(len(header)))
        conn.execute(f"CREATE TABLE plain ({columns})")
        conn.execute("BEGIN")
        marks = ", ".join("?" for _ in header)
        conn.executemany(f"INSERT INTO plain VALUES ({marks})", rows)
        conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - started, time.process_time() - cpu


def hypercare_import(kind: str, source: Path, target: Path) -> tuple[float, float]:
    """Wall and CPU seconds for hypercare to import ``source`` into a new database."""
    from hypercare.config import load_settings
    from hypercare.core.importing import Request, import_file
    from hypercare.store.db import create_store

    store = create_store(_fresh(target))
    settings = load_settings(None)
    now = datetime.now(UTC)
    request = Request(
        kind=kind, path=source, recorded_at="2026-01-01T00:00:00Z", now=now
    )
    started, cpu = time.perf_counter(), time.process_time()
    summary = import_file(store, settings, request)
    elapsed = time.perf_counter() - started, time.process_time() - cpu
    store.close()
    assert summary.bad_count == 0, summary.bad_rows[:3]
    return elapsed


def peak_memory_mb(kind: str, source: Path, work: Path) -> float:
    """Maximum resident set of one ``hypercare import`` process, in MB."""
    database = _fresh(work / f"memory-{kind}.db")
    script = (
        "import sys; from hypercare.store.db import create_store; "
        "create_store(__import__('pathlib').Path(sys.argv[1])).close(); "
        "from hypercare.cli.app import main; "
        "sys.argv = ['hypercare', '--db', sys.argv[1], 'import', *sys.argv[2:]]; "
        "main()"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(
        [sys.executable, "-c", script, str(database), kind, str(source)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest of any child so far (KB on Linux).
    return max(before, after) / 1024


def compare(kind: str, source: Path, work: Path, runs: int) -> dict[str, float]:
    ours, plain, ratios, cpu_ratios = [], [], [], []
    hypercare_import(kind, source, work / "warmup.db")
    for _ in range(runs):
        a, a_cpu = hypercare_import(kind, source, work / "ours.db")
        b, b_cpu = plain_load(source, work / "plain.db")
        ours.append(a)
        plain.append(b)
        ratios.append(a / b)
        cpu_ratios.append(a_cpu / b_cpu)
    return {
        "ours_s": statistics.median(ours),
        "plain_s": statistics.median(plain),
        "ratio": statistics.median(ratios),
        "cpu_ratio": statistics.median(cpu_ratios),
    }


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)

    jira = work / f"jira-{args.rows}.csv"
    if not jira.exists():
        subprocess.run(
            [
                sys.executable,
                str(GENERATOR),
                "--rows",
                str(args.rows),
                "--date-style",
                "jira",
                "--out",
                str(jira),
            ],
            check=True,
        )
    _say(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    failed = False
    for kind, source in (("servicenow", SERVICENOW), ("jira", jira)):
        result = compare(kind, source, work, args.runs)
        memory = peak_memory_mb(kind, source, work)
        goal = GOALS[kind]
        verdict = (
            "ok" if result["ratio"] <= goal and memory < MEMORY_LIMIT_MB else "MISSED"
        )
        failed |= verdict != "ok"
        _say(
            f"{kind:11} ours {result['ours_s']:6.2f} s  "
            f"plain {result['plain_s']:6.2f} s  "
            f"ratio {result['ratio']:5.2f} (goal <= {goal}; CPU "
            f"{result['cpu_ratio']:.2f})  "
            f"peak {memory:5.0f} MB (goal < {MEMORY_LIMIT_MB})  {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
