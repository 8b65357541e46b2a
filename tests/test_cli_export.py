"""hypercare export and import jsonl: a lossless round trip into a new database."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import SERVICENOW_CSV, run

TABLES = (
    "issues",
    "events",
    "survey_answers",
    "messages",
    "metric_samples",
    "signoff_events",
    "lessons",
)


def build_small_hypercare(folder: Path) -> None:
    """A few issues touching every table, in ``folder``."""
    run(
        "init", "--dir", str(folder), "--go-live", "2026-03-02T09:00:00Z", "--tz", "UTC"
    )
    config = ("--config", str(folder / "hypercare.toml"))
    for args in (
        (
            "log",
            "Invoice PDF blank",
            "--impact",
            "high",
            "--urgency",
            "high",
            "--reporter",
            "Ana Ruiz",
            "--contact",
            "ana@example.com",
            "--tag",
            "pdf",
            "--at",
            "2026-03-02 10:00",
        ),
        (
            "log",
            "Tax rounding | off by 1 [cent] <b>",
            "--area",
            "billing",
            "--description",
            "Zeilenumbruch\nund Umlaute: äöü €",
            "--at",
            "2026-03-02 11:00",
        ),
        ("log", "Same as 1", "--at", "2026-03-02 11:30"),
        ("duplicate", "3", "--of", "1", "--at", "2026-03-02 11:40"),
        (
            "triage",
            "2",
            "--impact",
            "low",
            "--urgency",
            "low",
            "--at",
            "2026-03-02 12:00",
        ),
        ("assign", "1", "Payroll team", "--at", "2026-03-02 12:10"),
        (
            "resolve",
            "1",
            "--resolution",
            "Font fixed",
            "--kb",
            "--at",
            "2026-03-02 15:00",
        ),
        ("known", "2", "--workaround", "Round by hand", "--at", "2026-03-03 09:00"),
        ("survey", "add", "1", "--score", "4", "--at", "2026-03-03 10:00"),
        ("notify", "1", "--kind", "resolution", "--print", "--at", "2026-03-03 10:05"),
        ("signoff", "support-trained", "--by", "Dana", "--at", "2026-03-04 09:00"),
        (
            "lesson",
            "Test PDFs with real fonts",
            "--area",
            "billing",
            "--at",
            "2026-03-04 10:00",
        ),
    ):
        run(*config, *args)
    samples = folder / "samples.csv"
    samples.write_text(
        "timestamp,check,status,value,latency_ms\n2026-03-04 10:00,api,up,0.25,120.5\n",
        encoding="utf-8",
    )
    run(*config, "import", "metrics", str(samples))


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    build_small_hypercare(folder)
    return folder / "hypercare.db"


@pytest.fixture
def small(project: Path, small_db: Path) -> Path:
    """The project fixture holding the small hypercare."""
    shutil.copy(small_db, project / "hypercare.db")
    return project


def dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(db) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            for table in TABLES
        }


def new_project(folder: Path) -> list[str]:
    run(
        "init", "--dir", str(folder), "--go-live", "2026-03-02T09:00:00Z", "--tz", "UTC"
    )
    return ["--config", str(folder / "hypercare.toml")]


def test_export_then_import_gives_the_same_database(small: Path) -> None:
    project = small
    run("export", "--output", "all.jsonl")
    copy = new_project(project / "copy")

    out = run(*copy, "import", "jsonl", "all.jsonl").stdout

    assert out.startswith("Imported ")
    original, restored = (
        dump(project / "hypercare.db"),
        dump(project / "copy" / "hypercare.db"),
    )
    assert all(original[table] for table in TABLES), "every table should hold rows"
    assert restored == original
    assert (
        run(*copy, "list", "--format", "json").stdout
        == run("list", "--format", "json").stdout
    )
    as_of = ("--as-of", "2026-03-05 09:00")
    assert (
        run(*copy, "kpi", "--format", "json", *as_of).stdout
        == run("kpi", "--format", "json", *as_of).stdout
    )


def test_a_dry_run_checks_the_export_and_writes_nothing(small: Path) -> None:
    project = small
    run("export", "--output", "all.jsonl")
    copy = new_project(project / "copy")

    dry = run(*copy, "import", "jsonl", "all.jsonl", "--dry-run").stdout

    assert all(not rows for rows in dump(project / "copy" / "hypercare.db").values())
    done = run(*copy, "import", "jsonl", "all.jsonl").stdout
    assert dry == (
        done.replace("Imported ", "Would import ", 1)
        + "Dry run: nothing was written.\n"
    )


def test_every_line_is_a_record_of_one_table(small: Path) -> None:
    lines = [json.loads(line) for line in run("export").stdout.splitlines()]

    header, records = lines[0], lines[1:]
    assert header["table"] == "_export"
    assert header["format"] == "hypercare-jsonl"
    counts = {table: sum(r["table"] == table for r in records) for table in TABLES}
    assert header["tables"] == counts
    issue = next(
        r["row"] for r in records if r["table"] == "issues" and r["row"]["id"] == 2
    )
    assert issue["description"] == "Zeilenumbruch\nund Umlaute: äöü €"


def test_import_into_a_database_with_data_is_refused(small: Path) -> None:
    project = small
    run("export", "--output", "all.jsonl")

    result = run("import", "jsonl", "all.jsonl", expect=2)

    assert result.stderr == (
        f"Error: the database {project / 'hypercare.db'} already holds data (table "
        "issues); import an export only into a new database: run 'hypercare init' in a "
        "new folder\n"
    )


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("not json", "line 2: not valid JSON (Expecting value)"),
        (
            '{"table": "tickets", "row": {"id": 1}}',
            "line 2: unknown table 'tickets'; known: issues, events, survey_answers, "
            "messages, metric_samples, signoff_events, lessons",
        ),
        (
            '{"table": "issues", "row": {"id": 1, "colour": "red"}}',
            "line 2: table issues has no column 'colour'",
        ),
        (
            '{"table": "issues", "row": {"id": 1000000000000000000000000000000}}',
            "line 2: issues.id is a whole number too large for SQLite (beyond 64 "
            "bits); the export was changed by hand, export it again",
        ),
        (
            '{"table": "issues", "row": {"id": 1, "title": ["a"]}}',
            "line 2: issues.title holds a JSON list; an export holds values as "
            "stored (text, a number or null); export it again",
        ),
        (
            '{"table": "issues", "row": {"id": ' + "9" * 5000 + "}}",
            "line 2: not valid JSON (a number with too many digits)",
        ),
    ],
)
def test_a_bad_line_is_refused_naming_it_and_nothing_is_written(
    small: Path,
    line: str,
    error: str,
) -> None:
    project = small
    good = run("export").stdout.splitlines()
    copy = new_project(project / "copy")
    Path("bad.jsonl").write_text(
        "\n".join([good[0], line, *good[1:]]) + "\n", encoding="utf-8"
    )

    result = run(*copy, "import", "jsonl", "bad.jsonl", expect=2)

    assert result.stderr == f"Error: bad.jsonl {error}\n"
    assert all(not rows for rows in dump(project / "copy" / "hypercare.db").values())


@pytest.mark.parametrize(
    ("column", "value", "error"),
    [
        (
            "changes",
            "{notjson",
            'events.changes "{notjson" is not a JSON object as text (like "{}"); '
            "the export was changed by hand, export it again",
        ),
        (
            "changes",
            "null",
            'events.changes "null" is not a JSON object as text (like "{}"); '
            "the export was changed by hand, export it again",
        ),
        (
            "changes",
            "[1,2]",
            'events.changes "[1,2]" is not a JSON object as text (like "{}"); '
            "the export was changed by hand, export it again",
        ),
        (
            "at",
            "garbage",
            'events.at "garbage" is not a UTC time as hypercare writes them (like '
            "2026-03-02T09:00:00Z); export it again",
        ),
        (
            "at",
            "2026-03-02 09:00",
            'events.at "2026-03-02 09:00" is not a UTC time as hypercare writes '
            "them (like 2026-03-02T09:00:00Z); export it again",
        ),
        (
            "at",
            "2099-01-01T00:00:00Z",
            "events.at 2099-01-01T00:00:00Z is in the future; the export was "
            "changed by hand, export it again",
        ),
        (
            "recorded_at",
            "zzz",
            'events.recorded_at "zzz" is not a UTC time as hypercare writes them '
            "(like 2026-03-02T09:00:00Z); export it again",
        ),
    ],
)
def test_a_hand_edited_event_is_refused_naming_its_line(
    small: Path, column: str, value: str, error: str
) -> None:
    project = small
    lines = run("export").stdout.splitlines()
    number = next(
        i for i, text in enumerate(lines, 1) if json.loads(text)["table"] == "events"
    )
    record = json.loads(lines[number - 1])
    record["row"][column] = value
    lines[number - 1] = json.dumps(record)
    Path("edited.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    copy = new_project(project / "copy")

    result = run(*copy, "import", "jsonl", "edited.jsonl", expect=2)

    assert result.stderr == f"Error: edited.jsonl line {number}: {error}\n"
    assert all(not rows for rows in dump(project / "copy" / "hypercare.db").values())


@pytest.mark.parametrize(
    ("version", "shown", "fix"),
    [
        (99, "99", "import it with the newer hypercare that wrote it"),
        (None, "null", "write it again with 'hypercare export --format jsonl'"),
        ("1", '"1"', "write it again with 'hypercare export --format jsonl'"),
    ],
)
def test_an_export_of_another_format_version_is_refused(
    small: Path, version: object, shown: str, fix: str
) -> None:
    lines = run("export").stdout.splitlines()
    header = json.loads(lines[0])
    header["version"] = version
    Path("other.jsonl").write_text(
        "\n".join([json.dumps(header), *lines[1:]]) + "\n", encoding="utf-8"
    )
    copy = new_project(small / "copy")

    result = run(*copy, "import", "jsonl", "other.jsonl", expect=2)

    assert result.stderr == (
        f"Error: other.jsonl line 1: the export is format version {shown}, this "
        f"hypercare reads version 1; {fix}\n"
    )
    assert all(not rows for rows in dump(small / "copy" / "hypercare.db").values())


def test_a_cut_gzip_export_is_refused_naming_it(small: Path) -> None:
    packed = gzip.compress(run("export").stdout.encode(), mtime=0)
    Path("all.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    copy = new_project(small / "copy")

    result = run(*copy, "import", "jsonl", "all.jsonl.gz", expect=2)

    assert result.stderr == (
        "Error: all.jsonl.gz is a damaged gzip file (it ends early); compress the "
        "export again, or import the uncompressed file\n"
    )
    assert all(not rows for rows in dump(small / "copy" / "hypercare.db").values())


def test_an_export_whose_rows_point_nowhere_is_refused(small: Path) -> None:
    project = small
    lines = run("export").stdout.splitlines()
    # Drop the issues (and say so in the header): their events point at nothing.
    header = json.loads(lines[0])
    header["tables"]["issues"] = 0
    kept = [json.dumps(header)] + [
        line for line in lines[1:] if '"table": "issues"' not in line
    ]
    Path("partial.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    copy = new_project(project / "copy")

    result = run(*copy, "import", "jsonl", "partial.jsonl", expect=2)

    assert result.stderr.startswith("Error: partial.jsonl: row 1 of table ")
    assert result.stderr.endswith("the export is incomplete\n")


def test_a_file_that_is_not_an_export_is_refused(project: Path) -> None:
    Path("other.jsonl").write_text('{"table": "issues", "row": {"id": 1}}\n')

    result = run("import", "jsonl", "other.jsonl", expect=2)

    assert result.stderr == (
        "Error: other.jsonl line 1: not a hypercare export (no "
        "'_export' header); write one with 'hypercare export "
        "--format jsonl'\n"
    )


def test_csv_export_has_every_issue_column(small: Path) -> None:
    out = run("export", "--format", "csv").stdout

    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["id"] for row in rows] == ["1", "2", "3"]
    assert rows[1]["title"] == "Tax rounding | off by 1 [cent] <b>"
    assert rows[2]["status"] == "duplicate"
    assert "contact" in rows[0]


@pytest.fixture(scope="module")
def servicenow_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ServiceNow sample imported once for this module."""
    folder = tmp_path_factory.mktemp("servicenow")
    run(
        "init", "--dir", str(folder), "--go-live", "2016-02-29T00:00:00Z", "--tz", "UTC"
    )
    run(
        "--config",
        str(folder / "hypercare.toml"),
        "import",
        "servicenow",
        str(SERVICENOW_CSV),
    )
    return folder


@pytest.mark.slow
def test_servicenow_round_trip(servicenow_db: Path, project: Path) -> None:
    shutil.copy(servicenow_db / "hypercare.db", project / "hypercare.db")
    run("export", "--output", "all.jsonl")
    copy = new_project(project / "copy")

    run(*copy, "import", "jsonl", "all.jsonl")

    assert dump(project / "copy" / "hypercare.db") == dump(project / "hypercare.db")
    # The copy's config has the default go-live, years after this data.
    as_of = ("--as-of", "2016-03-13 23:59", "--since", "2016-02-29")
    assert (
        run(*copy, "kpi", "--format", "json", *as_of).stdout
        == run("kpi", "--format", "json", *as_of).stdout
    )
    assert (
        run(*copy, "list", "--format", "json").stdout
        == run("list", "--format", "json").stdout
    )


def test_the_import_summary_counts_each_table_in_words(project: Path) -> None:
    # One issue (its one logged event) and one lesson: three rows.
    run("log", "Only issue", "--at", "2026-03-03 10:00")
    run("lesson", "Write things down", "--at", "2026-03-03 11:00")
    run("export", "--output", "all.jsonl")
    copy = new_project(project / "copy")

    out = run(*copy, "import", "jsonl", "all.jsonl").stdout

    assert out == "Imported 3 rows (1 issue, 1 event, 1 lesson).\n"


def test_a_cut_export_is_refused(small: Path) -> None:
    lines = run("export").stdout.splitlines()
    Path("cut.jsonl").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    copy = new_project(small / "copy")

    result = run(*copy, "import", "jsonl", "cut.jsonl", expect=2)

    # The last line is the one lesson.
    assert result.stderr == (
        "Error: cut.jsonl: the header announces 1 row of table lessons, the file "
        "holds 0; the export is incomplete\n"
    )


def test_output_dash_is_standard_output(project: Path) -> None:
    run("log", "x")

    lines = run("export", "--output", "-").stdout.splitlines()

    assert json.loads(lines[0])["format"] == "hypercare-jsonl"
    assert not (project / "-").exists()


def test_an_export_that_fails_half_way_leaves_the_old_file(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hypercare.core import export as exporting

    run("export", "--output", "backup.jsonl")
    before = (small / "backup.jsonl").read_bytes()
    real = exporting.export_lines

    def cut_short(store: object) -> object:
        lines = real(store)  # type: ignore[arg-type]
        yield next(lines)
        raise RuntimeError("disk gone")

    monkeypatch.setattr(exporting, "export_lines", cut_short)
    run("export", "--output", "backup.jsonl", expect=3)

    assert (small / "backup.jsonl").read_bytes() == before
    assert sorted(p.name for p in small.iterdir() if "backup" in p.name) == [
        "backup.jsonl"
    ]


def test_output_through_a_link_replaces_the_file_it_points_to(small: Path) -> None:
    (small / "exports").mkdir()
    (small / "exports" / "latest.jsonl").write_text("old\n")
    (small / "latest.jsonl").symlink_to(small / "exports" / "latest.jsonl")

    run("export", "--output", "latest.jsonl")

    assert (small / "latest.jsonl").is_symlink()
    first = (small / "exports" / "latest.jsonl").read_text().splitlines()[0]
    assert json.loads(first)["format"] == "hypercare-jsonl"


def test_an_output_file_gets_the_permissions_of_any_new_file(small: Path) -> None:
    import os

    mask = os.umask(0o022)
    try:
        run("export", "--output", "new.jsonl")
    finally:
        os.umask(mask)

    assert (small / "new.jsonl").stat().st_mode & 0o777 == 0o644


def test_output_to_a_device_writes_to_it(small: Path) -> None:
    run("export", "--output", "/dev/null")

    assert Path("/dev/null").is_char_device()


def test_output_in_a_missing_folder_names_the_path_given(small: Path) -> None:
    result = run("export", "--output", "nowhere/backup.jsonl", expect=2)

    assert result.stderr == (
        "Error: nowhere/backup.jsonl: no such file or folder; check the path and "
        "that its folder exists\n"
    )


def test_output_to_dev_stdout_appends_to_what_stdout_is(small: Path) -> None:
    import subprocess
    import sys

    (small / "log.txt").write_text("before\n")
    with (small / "log.txt").open("a") as stdout:
        done = subprocess.run(
            [sys.executable, "-m", "hypercare", "export", "-o", "/dev/stdout"],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )

    assert done.returncode == 0, done.stderr
    lines = (small / "log.txt").read_text().splitlines()
    assert lines[0] == "before"
    assert json.loads(lines[1])["format"] == "hypercare-jsonl"


def test_output_to_dev_stdout_goes_down_a_pipe(small: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "hypercare", "export", "-o", "/dev/stdout"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[0])["format"] == "hypercare-jsonl"


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("hypercare.db", "database"),
        ("hypercare.db-wal", "database"),
        ("hypercare.toml", "config"),
    ],
)
def test_output_over_this_hypercares_own_files_is_refused(
    small: Path, name: str, what: str
) -> None:
    before = (small / "hypercare.toml").read_bytes()

    result = run("export", "--output", name, expect=2)

    assert result.stderr == (
        f"Error: {name} is this hypercare's {what}; give --output another file\n"
    )
    assert (small / "hypercare.toml").read_bytes() == before
    run("list")  # the database still opens


def test_output_over_a_hard_link_to_the_config_is_refused(small: Path) -> None:
    os.link(small / "hypercare.toml", small / "linked.toml")
    before = (small / "hypercare.toml").read_bytes()

    result = run("export", "--output", "linked.toml", expect=2)

    assert result.stderr == (
        "Error: linked.toml is this hypercare's config; give --output another file\n"
    )
    assert (small / "hypercare.toml").read_bytes() == before


def test_a_replaced_output_keeps_the_old_files_permissions(small: Path) -> None:
    (small / "private.jsonl").write_text("old\n")
    (small / "private.jsonl").chmod(0o600)

    run("export", "--output", "private.jsonl")

    assert (small / "private.jsonl").stat().st_mode & 0o777 == 0o600
    assert (small / "private.jsonl").read_text() != "old\n"


def test_a_file_with_another_hard_link_is_written_in_place(small: Path) -> None:
    (small / "a.jsonl").write_text("old\n")
    (small / "b.jsonl").hardlink_to(small / "a.jsonl")

    run("export", "--output", "a.jsonl")

    assert (small / "a.jsonl").stat().st_nlink == 2
    assert (small / "b.jsonl").read_text() == (small / "a.jsonl").read_text()
    assert (small / "b.jsonl").read_text().startswith('{"table": "_export"')


def test_an_output_name_as_long_as_the_system_allows_is_written(small: Path) -> None:
    name = "a" * 250 + ".json"  # 255 bytes, the longest a name may be

    run("export", "--output", name)

    assert (small / name).read_text().startswith('{"table": "_export"')


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("loop", "loop is a link that leads back to itself; give a file"),
        ("new/", "new/ is a folder; give the path of a file"),
        (
            "",
            "Invalid value for '--output' / '-o': give a file name, or - for "
            "standard output (see 'hypercare export --help')",
        ),
    ],
)
def test_an_output_that_is_not_a_file_is_refused(
    small: Path, path: str, message: str
) -> None:
    (small / "loop").symlink_to(small / "loop")

    result = run("export", "--output", path, expect=2)

    assert result.stderr == f"Error: {message}\n"
    assert (small / "loop").is_symlink()
    assert not (small / "new").exists()
    assert not [p for p in small.iterdir() if p.name.endswith(".part")]


def test_an_error_line_quotes_a_line_break_as_typed(small: Path) -> None:
    result = run("export", "--output", "nowhere\nelse/x.jsonl", expect=2)

    assert result.stderr == (
        "Error: nowhere\\nelse/x.jsonl: no such file or folder; check the path and "
        "that its folder exists\n"
    )
