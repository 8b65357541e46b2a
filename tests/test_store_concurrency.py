"""Several hypercare processes writing to one file at once lose nothing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import run

# Each worker waits for a shared start moment, then logs 50 issues through the
# real command line entry point, one command (one transaction) per issue.
WORKER = """
import sys, time
from hypercare.cli.app import app
start, worker = float(sys.argv[1]), sys.argv[2]
time.sleep(max(0.0, start - time.time()))
for n in range(50):
    try:
        app(["-q", "log", f"worker {worker} issue {n}"], standalone_mode=True)
    except SystemExit as done:
        if done.code not in (0, None):
            sys.exit(done.code)
"""


def test_eight_processes_logging_fifty_issues_each(project: Path) -> None:
    start = time.time() + 3.0
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(start), str(worker)],
            cwd=project,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(8)
    ]
    codes = [(w.communicate(timeout=300)[1], w.returncode) for w in workers]

    assert codes == [("", 0)] * 8
    issues = run("list", "--format", "json").json()
    assert len(issues) == 400
    assert sorted(i["id"] for i in issues) == list(range(1, 401))
    titles = {i["title"] for i in issues}
    assert titles == {f"worker {w} issue {n}" for w in range(8) for n in range(50)}
