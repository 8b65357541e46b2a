"""Several hypercare processes writing to one file at once lose nothing."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import run

Ended = tuple[str, str, int]  # a process's stdout, stderr and exit status


def _race(project: Path, script: str, arguments: list[list[str]]) -> list[Ended]:
    """Run ``script`` once per argument list, all starting at one moment 3 s
    from now; each process's (stdout, stderr, exit status)."""
    start = time.time() + 3.0
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(start), *args],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in arguments
    ]
    return [(*w.communicate(timeout=300), w.returncode) for w in workers]


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
    ended = _race(project, WORKER, [[str(worker)] for worker in range(8)])

    assert [(err, code) for _, err, code in ended] == [("", 0)] * 8
    issues = run("list", "--format", "json").json()
    assert len(issues) == 400
    assert sorted(i["id"] for i in issues) == list(range(1, 401))
    titles = {i["title"] for i in issues}
    assert titles == {f"worker {w} issue {n}" for w in range(8) for n in range(50)}


NOTIFY_ALL = """
import sys, time
from hypercare.cli.app import app
start = float(sys.argv[1])
time.sleep(max(0.0, start - time.time()))
app(["-q", "notify", "--owed", "--all", "--outbox", "outbox"], standalone_mode=True)
"""


def test_four_runs_of_notify_owed_all_send_each_message_once(project: Path) -> None:
    # 30 P1 issues reported an hour before now, none acknowledged: 30 acks owed.
    for n in range(30):
        run(
            "-q",
            "log",
            f"Down {n}",
            "--contact",
            f"u{n}@example.com",
            "--impact",
            "high",
            "--urgency",
            "immediate",
            "--reported-at",
            "1h ago",
            "--at",
            "1h ago",
        )
    ended = _race(project, NOTIFY_ALL, [[] for _ in range(4)])

    assert [(err, code) for _, err, code in ended] == [("", 0)] * 4
    assert len(list((project / "outbox").iterdir())) == 30
    conn = sqlite3.connect(project / "hypercare.db")
    assert conn.execute("SELECT count(*) FROM messages").fetchone() == (30,)
    conn.close()


ACK_ALL = """
import sys, time
from hypercare.cli.app import app
start = float(sys.argv[1])
time.sleep(max(0.0, start - time.time()))
refused = 0
for number in range(1, 31):
    try:
        app(["-q", "ack", str(number)], standalone_mode=True)
    except SystemExit as done:
        refused += done.code == 2
        if done.code not in (0, None, 2):
            sys.exit(done.code)
print(refused)
"""


def test_an_issue_leaves_new_once_when_eight_processes_ack_it(project: Path) -> None:
    # Eight processes run through the same 30 new issues acknowledging each:
    # the first to take the write lock moves it, and every other one, reading
    # the state that one left under the lock, is refused (already
    # acknowledged) instead of recording a second move out of `new`.
    for n in range(30):
        run("-q", "log", f"Raced over {n}", "--at", "2026-03-02 10:00")
    ended = _race(project, ACK_ALL, [[] for _ in range(8)])

    assert [code for _, _, code in ended] == [0] * 8
    # 8 x 30 tries, 30 moves: the other 210 were refused.
    assert sum(int(out.splitlines()[-1]) for out, _, _ in ended) == 8 * 30 - 30
    conn = sqlite3.connect(project / "hypercare.db")
    moves = conn.execute(
        "SELECT issue_id, count(*) FROM events WHERE from_status = 'new' "
        "GROUP BY issue_id"
    ).fetchall()
    conn.close()
    assert moves == [(n, 1) for n in range(1, 31)]
