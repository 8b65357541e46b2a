"""Schema steps of the hypercare database, applied in order when it opens.

Append-only: a shipped step is never edited, renamed or reordered; a change
is a new step named ``mNNN_<what_it_does>`` with one concern. Keep
``schema.MIGRATION_NAMES`` equal to the steps registered here.

Conventions a person browsing the file can rely on: plain table and column
names, UTC ISO-8601 timestamps in columns named ``..._at``, durations with
their unit in the name.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from hypercare.store.schema import MIGRATION_SET

migrations = Migrations(MIGRATION_SET)

_INITIAL = [
    # The current state of each issue. It is the fold of the events
    # (each event's `changes` applied in order) and must always agree with it.
    """
    CREATE TABLE issues (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        description TEXT,
        status TEXT NOT NULL,
        type TEXT,
        area TEXT,
        channel TEXT,
        reporter TEXT,
        contact TEXT,
        reporter_group TEXT,
        reported_at TEXT NOT NULL,
        logged_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        external_ref TEXT,
        source TEXT,
        tags TEXT,
        impact TEXT,
        urgency TEXT,
        priority TEXT,
        priority_reason TEXT,
        cause TEXT,
        hold_reason TEXT,
        assignee TEXT,
        escalation_level TEXT,
        duplicate_of INTEGER REFERENCES issues(id),
        workaround TEXT,
        resolution TEXT,
        resolution_code TEXT,
        users_affected INTEGER,
        is_known INTEGER NOT NULL DEFAULT 0,
        is_kb INTEGER NOT NULL DEFAULT 0,
        reopen_count INTEGER NOT NULL DEFAULT 0,
        reassignment_count INTEGER NOT NULL DEFAULT 0,
        acknowledged_at TEXT,
        resolved_at TEXT,
        closed_at TEXT
    )
    """,
    # Imports match on (source, external_ref): importing a file twice adds nothing.
    "CREATE UNIQUE INDEX issues_source_ref ON issues(source, external_ref)",
    "CREATE INDEX issues_status ON issues(status, priority)",
    "CREATE INDEX issues_reported_at ON issues(reported_at)",
    # The append-only history. `at` is when it happened (--at), `recorded_at`
    # when it was written; `changes` is a JSON object of issue columns set.
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        issue_id INTEGER NOT NULL REFERENCES issues(id),
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        actor TEXT,
        from_status TEXT,
        to_status TEXT,
        note TEXT,
        changes TEXT NOT NULL DEFAULT '{}'
    )
    """,
    "CREATE INDEX events_issue ON events(issue_id, at)",
    "CREATE INDEX events_status_at ON events(to_status, at)",
    # Satisfaction answers: CSAT on a 1-5 scale, NPS on 0-10.
    """
    CREATE TABLE survey_answers (
        id INTEGER PRIMARY KEY,
        issue_id INTEGER REFERENCES issues(id),
        scale TEXT NOT NULL CHECK (scale IN ('csat', 'nps')),
        score INTEGER NOT NULL,
        comment TEXT,
        respondent TEXT,
        sent_at TEXT,
        answered_at TEXT NOT NULL,
        source TEXT,
        external_ref TEXT,
        recorded_at TEXT NOT NULL,
        actor TEXT
    )
    """,
    "CREATE UNIQUE INDEX survey_answers_ref ON survey_answers(source, external_ref)",
    # Monitoring samples: a check is up/down (is_up) or measured (value).
    """
    CREATE TABLE metric_samples (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        check_name TEXT NOT NULL,
        is_up INTEGER,
        value REAL,
        is_error INTEGER,
        latency_ms REAL
    )
    """,
    "CREATE UNIQUE INDEX metric_samples_at_check ON metric_samples(check_name, at)",
    # Attestations for exit criteria; the latest event per name is in force.
    """
    CREATE TABLE signoff_events (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('signed', 'revoked')),
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        note TEXT
    )
    """,
    """
    CREATE TABLE lessons (
        id INTEGER PRIMARY KEY,
        text TEXT NOT NULL,
        actor TEXT,
        area TEXT,
        at TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )
    """,
    # Every message to a reporter, delivered or not.
    """
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        issue_id INTEGER NOT NULL REFERENCES issues(id),
        kind TEXT NOT NULL,
        channel TEXT NOT NULL,
        recipient TEXT,
        subject TEXT,
        body TEXT,
        delivery TEXT NOT NULL,
        error TEXT,
        at TEXT NOT NULL,
        actor TEXT
    )
    """,
    "CREATE INDEX messages_issue ON messages(issue_id, kind, at)",
]


@migrations()
def m001_initial(db: Database) -> None:
    for statement in _INITIAL:
        db.execute(statement)
