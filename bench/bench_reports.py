"""Report benchmark: kpi, standup and exit-check against the same figures in plain SQL.

Issue 4 asks that a stand-up over 100,000 issues take a fraction of a
second, and that ``kpi``, ``standup`` and ``exit-check`` each run within
2.5x of the same figures computed by plain SQL in the ``sqlite3`` shell on
the same file, with peak memory under 200 MB.

The hypercare is built from ``../shared/bench/gen_tickets.py --events-out``
(100,000 issues, about 1,000,000 events): each ticket becomes an issue and
each generated event an event of ours, with the issue row set to the fold of
its events. Each command is then timed whole-process against its SQL twin in
alternating pairs (``../shared/bench/paired.py``), reported as the median
ratio.

The SQL twins compute what the command shows: states and priorities as of
the moment from the events, resolution moments, MTTR with median and 90th
percentile, SLA compliance with on-hold time excluded, FCR, reopen rate,
volume, backlog per day, aging and CSAT. One simplification favours SQL: its
SLA clocks count real time on every calendar, where hypercare counts
business hours for P3 and P4.

Run on demand (not a test), from the repository root, with hypercare installed:

    python bench/bench_reports.py [--runs 5] [--rows 100000] [--work DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_BENCH = ROOT.parent / "shared" / "bench"
GOAL = 2.5
PEAK_MB = 200

STATUS = {
    "Open": "new",
    "In Progress": "in_progress",
    "Waiting for Customer": "on_hold",
    "Reopened": "in_progress",
    "Resolved": "resolved",
    "Closed": "closed",
}
TYPE = {
    "Incident": "bug",
    "Service Request": "question",
    "Bug": "bug",
    "Problem": "bug",
    "Change": "enhancement",
}
CHANNELS = ("helpdesk", "email", "phone", "chat")
KIND = {
    "comment": "comment",
    "assign": "assigned",
    "field_change": "edited",
    "priority_change": "triaged",
}

OPEN = "('new', 'acknowledged', 'in_progress', 'on_hold', 'awaiting_testing')"

# The figures of `hypercare kpi` (and most of exit-check's) as of {as_of}.
KPI_SQL = """
CREATE TEMP TABLE mv AS
  SELECT issue_id, id, at, from_status, to_status,
         lead(at) OVER (PARTITION BY issue_id ORDER BY at, id) AS next_at
  FROM events WHERE to_status IS NOT NULL AND at <= '{as_of}';
CREATE TEMP TABLE f AS
WITH pr AS (
  SELECT issue_id, priority FROM (
    SELECT issue_id, json_extract(changes, '$.priority') AS priority,
           row_number() OVER (PARTITION BY issue_id ORDER BY at DESC, id DESC) AS rn
    FROM events WHERE at <= '{as_of}' AND instr(changes, '"priority"'))
  WHERE rn = 1),
last AS (SELECT issue_id, to_status AS status FROM mv WHERE next_at IS NULL),
res AS (SELECT issue_id, max(at) AS resolved_at FROM mv WHERE to_status = 'resolved'
        GROUP BY issue_id),
ack AS (SELECT issue_id, min(at) AS ack_at FROM mv
        WHERE from_status = 'new' AND to_status <> 'new' GROUP BY issue_id),
hold AS (SELECT issue_id, sum(julianday(coalesce(next_at, '{as_of}')) - julianday(at))
                * 1440 AS minutes
         FROM mv WHERE to_status = 'on_hold' GROUP BY issue_id),
reo AS (SELECT issue_id, count(*) AS n FROM mv
        WHERE from_status IN ('resolved', 'closed') AND to_status IN {open}
        GROUP BY issue_id),
esc AS (SELECT DISTINCT issue_id FROM events WHERE kind = 'escalated'
        AND at <= '{as_of}')
SELECT i.id, i.reported_at, i.type, i.channel, pr.priority,
       coalesce(last.status, 'new') AS status, res.resolved_at, ack.ack_at,
       coalesce(hold.minutes, 0) AS hold_minutes, coalesce(reo.n, 0) AS reopens,
       esc.issue_id IS NOT NULL AS escalated, i.reassignment_count
FROM issues i
LEFT JOIN pr ON pr.issue_id = i.id LEFT JOIN last ON last.issue_id = i.id
LEFT JOIN res ON res.issue_id = i.id LEFT JOIN ack ON ack.issue_id = i.id
LEFT JOIN hold ON hold.issue_id = i.id LEFT JOIN reo ON reo.issue_id = i.id
LEFT JOIN esc ON esc.issue_id = i.id
WHERE i.reported_at <= '{as_of}';

SELECT priority, count(*), sum(status IN {open}) FROM f
WHERE priority IN ('P1', 'P2') AND reported_at >= '{since}' GROUP BY priority;

WITH r AS (
  SELECT priority, (julianday(resolved_at) - julianday(reported_at)) * 1440 AS m
  FROM f WHERE status IN ('resolved', 'closed') AND resolved_at >= '{since}'),
o AS (
  SELECT priority, m, row_number() OVER (PARTITION BY priority ORDER BY m) - 1 AS k,
         count(*) OVER (PARTITION BY priority) AS n FROM r)
SELECT priority, n, avg(m),
  sum(CASE WHEN k = CAST((n - 1) * 0.5 AS INT) THEN m * (1 - ((n - 1) * 0.5 - k))
           WHEN k = CAST((n - 1) * 0.5 AS INT) + 1
           THEN m * ((n - 1) * 0.5 - (k - 1)) END),
  sum(CASE WHEN k = CAST((n - 1) * 0.9 AS INT) THEN m * (1 - ((n - 1) * 0.9 - k))
           WHEN k = CAST((n - 1) * 0.9 AS INT) + 1
           THEN m * ((n - 1) * 0.9 - (k - 1)) END)
FROM o GROUP BY priority;

WITH t(priority, ack_min, res_min) AS (
  VALUES ('P1', 15, 240), ('P2', 60, 480), ('P3', 240, 1440), ('P4', 480, NULL)),
c AS (
  SELECT f.priority,
    (julianday(coalesce(ack_at, '{as_of}')) - julianday(reported_at)) * 1440 AS ack_m,
    (julianday(CASE WHEN status IN ('resolved', 'closed') THEN resolved_at
                    ELSE '{as_of}' END) - julianday(reported_at)) * 1440
      - hold_minutes AS res_m,
    status IN {open} AS is_open, ack_min, res_min, ack_at, resolved_at
  FROM f JOIN t ON t.priority = f.priority
  WHERE status NOT IN ('duplicate', 'rejected', 'deferred'))
SELECT priority,
  sum(ack_at >= '{since}' AND ack_m <= ack_min),
  sum((ack_at >= '{since}' OR ack_at IS NULL) AND ack_m > ack_min),
  sum(NOT is_open AND resolved_at >= '{since}' AND res_m <= res_min),
  sum((is_open OR resolved_at >= '{since}') AND res_m > res_min)
FROM c GROUP BY priority;

SELECT sum(NOT escalated AND reassignment_count = 0), count(*), sum(reopens > 0)
FROM f WHERE status IN ('resolved', 'closed') AND resolved_at >= '{since}';

SELECT coalesce(type, 'unset'), count(*) FROM f WHERE reported_at >= '{since}'
GROUP BY 1;
SELECT coalesce(channel, 'unset'), count(*) FROM f WHERE reported_at >= '{since}'
GROUP BY 1;

SELECT CASE WHEN h < 24 THEN 'under 1 day' WHEN h < 72 THEN '1-3 days'
            WHEN h < 168 THEN '3-7 days' WHEN h < 336 THEN '7-14 days'
            ELSE 'over 14 days' END, count(*)
FROM (SELECT (julianday('{as_of}') - julianday(reported_at)) * 24 AS h FROM f
      WHERE status IN {open}) GROUP BY 1;

WITH spans AS (
  SELECT date(reported_at) AS d, 1 AS step FROM f
  UNION ALL
  SELECT date(at), CASE WHEN to_status IN {open} THEN 1 ELSE -1 END FROM mv
  WHERE (to_status IN {open}) <> (coalesce(from_status, 'new') IN {open})),
days AS (SELECT d, sum(step) AS step FROM spans GROUP BY d)
SELECT d, sum(step) OVER (ORDER BY d) FROM days WHERE d >= date('{since}');

SELECT sum(score >= 4), count(*) FROM survey_answers
WHERE scale = 'csat' AND answered_at BETWEEN '{since}' AND '{as_of}';
"""

# What `hypercare standup` lists for the window [{since}, {as_of}].
STANDUP_SQL = (
    KPI_SQL
    + """
SELECT id, reported_at, priority FROM f WHERE reported_at >= '{since}';
SELECT f.id, f.priority FROM f JOIN mv ON mv.issue_id = f.id
WHERE mv.to_status = 'resolved' AND mv.at >= '{since}';
SELECT f.id FROM f JOIN mv ON mv.issue_id = f.id
WHERE mv.from_status IN ('resolved', 'closed') AND mv.to_status IN {open}
  AND mv.at >= '{since}';
SELECT priority, count(*) FROM f WHERE status IN {open} GROUP BY priority;
SELECT f.id, i.title, i.assignee, f.priority, f.reported_at FROM f
JOIN issues i ON i.id = f.id WHERE f.status IN {open} AND f.priority IN ('P1', 'P2');
SELECT f.id FROM f JOIN issues i ON i.id = f.id
WHERE f.status IN {open} AND i.updated_at < datetime('{as_of}', '-24 hours');
SELECT id FROM f WHERE status = 'resolved';
"""
)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _hypercare() -> str:
    found = shutil.which("hypercare", path=str(Path(sys.executable).parent))
    return found or "hypercare"


def _iso(text: str) -> str:
    return text.replace(" ", "T") + "Z"


def _generate(work: Path, rows: int) -> None:
    if (work / "events.csv").exists():
        return
    subprocess.run(
        [
            sys.executable,
            str(SHARED_BENCH / "gen_tickets.py"),
            "--rows",
            str(rows),
            "--seed",
            "7",
            "--out",
            str(work / "tickets.csv"),
            "--events-out",
            str(work / "events.csv"),
            "--events-per-issue",
            "10",
        ],
        check=True,
    )


def _load(work: Path, db: Path) -> str:
    """Fill ``db`` from the generated CSVs; return the latest reported time."""
    with (work / "tickets.csv").open(newline="", encoding="utf-8") as handle:
        tickets = list(csv.DictReader(handle))
    conn = sqlite3.connect(db)
    issues = []
    for number, t in enumerate(tickets, start=1):
        issues.append(
            (
                number,
                t["summary"],
                _iso(t["created"]),
                TYPE.get(t["type"]),
                t["component"],
                CHANNELS[number % len(CHANNELS)],
                t["reporter"],
                t["priority"],
                t["key"],
            )
        )
    with conn:
        conn.executemany(
            "INSERT INTO issues (id, title, status, reported_at, logged_at, "
            "updated_at, type, area, channel, reporter, priority, source, "
            "external_ref) "
            "VALUES (?1, ?2, 'new', ?3, ?3, ?3, ?4, ?5, ?6, ?7, ?8, 'bench', ?9)",
            issues,
        )
        conn.executemany(
            "INSERT INTO events (issue_id, kind, at, recorded_at, actor, "
            "from_status, to_status, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            _events(work, tickets),
        )
        # The issue row is the fold of its events: final status and times.
        conn.executescript(f"""
            UPDATE issues SET
              status = coalesce((SELECT to_status FROM events e WHERE e.issue_id =
                issues.id AND to_status IS NOT NULL ORDER BY at DESC, id DESC LIMIT 1),
                'new'),
              updated_at = (SELECT max(at) FROM events e
                WHERE e.issue_id = issues.id),
              acknowledged_at = (SELECT min(at) FROM events e
                WHERE e.issue_id = issues.id AND from_status = 'new'),
              resolved_at = (SELECT max(at) FROM events e WHERE e.issue_id = issues.id
                AND to_status = 'resolved'),
              closed_at = (SELECT max(at) FROM events e WHERE e.issue_id = issues.id
                AND to_status = 'closed'),
              reopen_count = (SELECT count(*) FROM events e WHERE e.issue_id = issues.id
                AND from_status IN ('resolved', 'closed') AND to_status IN {OPEN});
            UPDATE issues SET resolved_at = NULL, closed_at = NULL
              WHERE status IN {OPEN};
        """)
    latest = conn.execute("SELECT max(reported_at) FROM issues").fetchone()[0]
    conn.close()
    return str(latest)


def _events(work: Path, tickets: list[dict[str, str]]):  # type: ignore[no-untyped-def]
    with (work / "events.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            number = int(row["issue_id"])
            at = _iso(row["at"])
            if row["kind"] == "created":
                t = tickets[number - 1]
                changes = {
                    "title": t["summary"],
                    "status": "new",
                    "priority": t["priority"],
                    "reported_at": at,
                }
                yield (
                    number,
                    "logged",
                    at,
                    at,
                    "bench",
                    None,
                    "new",
                    json.dumps(changes),
                )
            elif row["kind"] == "status_change":
                to = STATUS[row["to_status"]]
                yield (
                    number,
                    "status",
                    at,
                    at,
                    "bench",
                    STATUS[row["from_status"]],
                    to,
                    json.dumps({"status": to}),
                )
            elif row["kind"] == "priority_change":
                changes = {"priority": tickets[number - 1]["priority"]}
                yield (
                    number,
                    "triaged",
                    at,
                    at,
                    "bench",
                    None,
                    None,
                    json.dumps(changes),
                )
            else:
                yield (
                    number,
                    KIND.get(row["kind"], "comment"),
                    at,
                    at,
                    "bench",
                    None,
                    None,
                    "{}",
                )


def _ratio(a: str, b: str, runs: int, cwd: Path) -> tuple[float, float, float]:
    out = subprocess.run(
        [
            sys.executable,
            str(SHARED_BENCH / "paired.py"),
            "-n",
            str(runs),
            "--warmup",
            "1",
            "-a",
            a,
            "-b",
            b,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ratio = re.search(r"A/B wall median\s+([\d.]+)", out)
    walls = re.findall(r"wall s median\s+([\d.]+)", out)
    assert ratio, out
    a_wall, b_wall = (
        (float(walls[0]), float(walls[1])) if len(walls) >= 2 else (0.0, 0.0)
    )
    return float(ratio.group(1)), a_wall, b_wall


def _peak_mb(command: list[str], cwd: Path) -> float:
    probe = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out.strip()) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="Keep the generated files and database here.",
    )
    args = parser.parse_args()

    hypercare = _hypercare()
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        _generate(work, args.rows)
        db = work / "hypercare.db"
        if not db.exists():
            subprocess.run(
                [hypercare, "init", "--go-live", "2025-12-16T09:00:00Z"],
                cwd=work,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            latest = _load(work, db)
        else:
            conn = sqlite3.connect(db)
            latest = str(
                conn.execute("SELECT max(reported_at) FROM issues").fetchone()[0]
            )
            conn.close()
        counts = (
            sqlite3.connect(db)
            .execute(
                "SELECT (SELECT count(*) FROM issues), (SELECT count(*) FROM events)"
            )
            .fetchone()
        )

        # A weekday 09:00 after the last report; the stand-up covers the day before.
        as_of = datetime.fromisoformat(latest.replace("Z", "+00:00")).replace(
            hour=9, minute=0, second=0
        ) + timedelta(days=1)
        while as_of.weekday() >= 5:
            as_of += timedelta(days=1)
        day_before = as_of - timedelta(days=1 if as_of.weekday() else 3)
        stamp = as_of.strftime("%Y-%m-%dT%H:%M:%SZ")
        figures = {"as_of": stamp, "since": "2025-12-16T09:00:00Z", "open": OPEN}
        (work / "kpi.sql").write_text(KPI_SQL.format(**figures))
        (work / "standup.sql").write_text(
            STANDUP_SQL.format(
                **{**figures, "since": day_before.strftime("%Y-%m-%dT%H:%M:%SZ")}
            )
        )
        window = {
            **figures,
            "since": (as_of - timedelta(days=14)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        (work / "exit.sql").write_text(KPI_SQL.format(**window))

        _say(f"{counts[0]:,} issues, {counts[1]:,} events; as of {stamp}")
        commands = {
            "kpi": (f"{hypercare} kpi --as-of {stamp} --format json", "kpi.sql"),
            "standup": (
                f"{hypercare} standup --as-of {stamp} --format json",
                "standup.sql",
            ),
            "exit-check": (
                f"{hypercare} exit-check --as-of {stamp} --format json",
                "exit.sql",
            ),
        }
        _say(
            f"{'command':11} {'hypercare s':>11} {'sqlite3 s':>10} {'ratio':>6} "
            f"{'goal':>5} {'peak MB':>8}"
        )
        for name, (command, sql) in commands.items():
            ratio, ours, theirs = _ratio(
                command, f"sqlite3 -bail hypercare.db '.read {sql}'", args.runs, work
            )
            peak = _peak_mb(command.split(), work)
            verdict = "ok" if ratio <= GOAL and peak < PEAK_MB else "over"
            _say(
                f"{name:11} {ours:11.2f} {theirs:10.2f} {ratio:6.2f} {GOAL:5.1f} "
                f"{peak:8.1f}  {verdict}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
