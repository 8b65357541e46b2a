"""``survey add`` and ``import survey``: answers, blanks, re-imports, bad rows."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import OLIST_CSV, REFUSED, run

MAPPING = (
    Path(__file__).resolve().parents[1] / "examples" / "mappings" / "olist-survey.toml"
)
SMALL_MAPPING = """\
source = "pulse"
scale = "csat"

[columns]
id = "answer"
score = "score"
answered_at = "answered"
comment = "comment"
issue = "ticket"
"""


def _answers(where: str = "1") -> list[tuple[object, ...]]:
    with sqlite3.connect("hypercare.db") as conn:
        return conn.execute(
            f"SELECT issue_id, scale, score, comment, answered_at, actor, source "
            f"FROM survey_answers WHERE {where} ORDER BY id"
        ).fetchall()


def _write(name: str, text: str) -> Path:
    path = Path(name)
    path.write_bytes(text.encode())
    return path


def test_survey_add(project: Path) -> None:
    run("log", "slow page", "--at", "2026-03-02 10:00")
    result = run(
        "survey",
        "add",
        "1",
        "--score",
        "4",
        "--comment",
        "  Quick, thanks ",
        "--at",
        "2026-03-03 10:00",
        "--by",
        "desk",
    )
    assert result.stdout == "Recorded answer 1 (csat 4) for issue 1.\n"
    run("survey", "add", "1", "--score", "9", "--scale", "nps")
    rows = _answers()
    assert rows[0] == (
        1,
        "csat",
        4,
        "Quick, thanks",
        "2026-03-03T10:00:00Z",
        "desk",
        "manual",
    )
    assert rows[1][1:3] == ("nps", 9)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("1", "--score", "6"),
            "Error: score 6 is outside the csat scale; give --score 1-5",
        ),
        (
            ("1", "--score", "11", "--scale", "nps"),
            "Error: score 11 is outside the nps scale; give --score 0-10",
        ),
        (
            ("1", "--score", "3", "--scale", "ces"),
            "Error: unknown scale 'ces'; use --scale csat|nps",
        ),
        (
            ("7", "--score", "3"),
            "Error: there is no issue 7; 'hypercare list' shows the issues",
        ),
    ],
)
def test_survey_add_refuses(project: Path, args: tuple[str, ...], message: str) -> None:
    run("log", "slow page")
    result = run("survey", "add", *args, expect=2)
    assert result.stderr.strip() == message
    assert _answers() == []


def test_an_answer_before_its_issue_was_reported_is_refused(project: Path) -> None:
    run("log", "slow page", "--at", "2026-03-03 10:00")

    result = run(
        "survey", "add", "1", "--score", "4", "--at", "2026-03-02 10:00", expect=2
    )

    assert result.stderr == (
        "Error: --at 2026-03-02 10:00 UTC is before issue 1 was reported "
        "(2026-03-03 10:00 UTC); an answer about it comes after\n"
    )
    assert _answers() == []


def test_a_large_survey_import_counts_with_thousands_separators(
    project: Path,
) -> None:
    _write("map.toml", SMALL_MAPPING)
    rows = [f"a{n},4,2026-03-03 10:00,," for n in range(1200)]
    _write("answers.csv", "answer,score,answered,comment,ticket\n" + "\n".join(rows))

    result = run("import", "survey", "answers.csv", "--mapping", "map.toml")

    assert result.stdout == (
        "Imported 1,200 answers from 1,200 rows of answers.csv (0 already "
        "imported, 0 repeated ids, 0 blank scores skipped, 0 linked to issues).\n"
    )


def test_a_later_file_cannot_change_an_imported_answer(project: Path) -> None:
    _write("map.toml", SMALL_MAPPING)
    header = "answer,score,answered,comment,ticket\n"
    _write("answers.csv", header + "a1,4,2026-03-03 10:00,,\n")
    run("import", "survey", "answers.csv", "--mapping", "map.toml")
    _write("later.csv", header + "a1,1,2026-03-03 10:00,,\n")

    result = run("import", "survey", "later.csv", "--mapping", "map.toml", expect=2)

    assert result.stderr == (
        "Error: later.csv line 2: answer id a1 was imported before with score 4, "
        f"here 1; a recorded answer is not changed{REFUSED}\n"
    )
    assert [row[2] for row in _answers()] == [4]


def test_three_answers_and_a_blank_give_66_7_percent(project: Path) -> None:
    _write("map.toml", SMALL_MAPPING)
    _write(
        "answers.csv",
        "answer,score,answered,comment,ticket\r\n"
        "a1,5,2026-03-03 10:00,great,\r\n"
        "a2,4,2026-03-03 11:00,,\r\n"
        "a3,,2026-03-03 12:00,no score given,\r\n"
        'a4,2,2026-03-03 13:00,"slow,\r\nvery slow",',
    )
    result = run("import", "survey", "answers.csv", "--mapping", "map.toml")
    assert result.stdout == (
        "Imported 3 answers from 4 rows of answers.csv (0 already imported, "
        "0 repeated ids, 1 blank score skipped, 0 linked to issues).\n"
    )
    data = run("kpi", "--as-of", "2026-03-04", "--format", "json").json()
    assert data["csat"] == {
        "numerator": 2,
        "denominator": 3,
        "percent": 66.7,
        "responses": 3,
    }
    assert _answers("score = 2")[0][3] == "slow,\nvery slow"


def test_answers_link_to_issues_by_number_or_ref(project: Path) -> None:
    run("log", "one", "--ref", "INC-9", "--at", "2026-03-02 10:00")
    run("log", "two", "--at", "2026-03-02 10:00")
    _write("map.toml", SMALL_MAPPING)
    _write(
        "answers.csv",
        "answer,score,answered,comment,ticket\n"
        "a1,5,2026-03-03 10:00,,INC-9\n"
        "a2,3,2026-03-03 10:00,,2\n",
    )
    run("import", "survey", "answers.csv", "--mapping", "map.toml")
    assert [row[0] for row in _answers()] == [1, 2]


@pytest.mark.parametrize(
    ("body", "message", "is_row"),
    [
        (
            'a1,5,2026-03-03 10:00,"two\nlines",\na2,six,2026-03-03 10:00,,\n',
            "answers.csv line 4: score 'six' is not a whole number from 1 to 5",
            True,
        ),
        (
            "a1,0,2026-03-03 10:00,,\n",
            "answers.csv line 2: score 0 is outside the csat scale (1-5)",
            True,
        ),
        (
            "a1,5,,,\n",
            "answers.csv line 2: answered_at is empty; every answer needs the time it "
            "was given",
            True,
        ),
        (
            "a1,5,2026-03-03 10:00,,INC-404\n",
            "answers.csv line 2: issue 'INC-404' matches no issue number or external "
            "reference; import the issues first or drop columns.issue from the mapping",
            True,
        ),
        # Too big for SQLite's integers, or a digit int() cannot read: no
        # issue has such a number (it used to end in an internal error).
        (
            "a1,5,2026-03-03 10:00,,99999999999999999999999\n",
            "answers.csv line 2: issue '99999999999999999999999' matches no issue "
            "number or external reference; import the issues first or drop "
            "columns.issue from the mapping",
            True,
        ),
        (
            "a1,5,2026-03-03 10:00,,\u00b2\n",
            "answers.csv line 2: issue '\u00b2' matches no issue number or external "
            "reference; import the issues first or drop columns.issue from the mapping",
            True,
        ),
        # A relative time would move (and the answer import again) each time.
        (
            "a1,5,2026-03-03 10:00,,\na2,4,yesterday 10:00,,\n",
            "answers.csv line 3: answered_at: cannot read the time 'yesterday 10:00': "
            "it is relative; a file's times must be absolute, like 2026-03-05 14:30, "
            "so that importing it again gives the same times",
            True,
        ),
        (
            "a1,5,2099-11-21 10:00,,\n",
            "answers.csv line 2: answered_at: the time '2099-11-21 10:00' is in the "
            "future (2099-11-21 10:00 UTC); a file can only hold times up to now",
            True,
        ),
        (
            "a1,5,2026-03-03 10:00,,\na1,4,2026-03-03 10:00,,\n",
            "answers.csv line 3: answer id a1 was already given on line 2 "
            "with score 5, here 4; keep one of them",
            True,
        ),
        (
            'a1,5,2026-03-03 10:00,"Great\na2,4,2026-03-03 11:00,,\n',
            "answers.csv line 2: a quoted field starts on this row and is never "
            "closed, so every line after it would be read into it; nothing was "
            'imported. Close the quote or remove the stray "',
            False,
        ),
        (
            "a1,5,2026-03-03 10:00,,,x\n",
            "answers.csv line 2: the row has 6 fields, the header 5; check the "
            "delimiters and quoting",
            False,
        ),
    ],
)
def test_a_bad_row_names_its_line_and_writes_nothing(
    project: Path, body: str, message: str, is_row: bool
) -> None:
    # A bad row can be left out with --skip-bad; a file that cannot be read
    # into rows (an unclosed quote, a row of another width) cannot.
    _write("map.toml", SMALL_MAPPING)
    _write("answers.csv", "answer,score,answered,comment,ticket\n" + body)
    result = run("import", "survey", "answers.csv", "--mapping", "map.toml", expect=2)
    assert result.stderr.strip() == f"Error: {message}{REFUSED if is_row else ''}"
    assert _answers() == []


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            SMALL_MAPPING.replace('score = "score"\n', ""),
            "map.toml: columns.score is missing; name the column",
        ),
        (
            SMALL_MAPPING.replace('scale = "csat"', 'scale = "stars"'),
            "map.toml: scale 'stars' is unknown; use csat or nps",
        ),
        (
            SMALL_MAPPING + 'colour = "red"\n',
            "map.toml: columns.colour is not a known key; known keys: id, score, "
            "answered_at, sent_at, comment, issue, respondent, scale",
        ),
        (
            SMALL_MAPPING.replace('"comment"', '"remarks"'),
            "answers.csv has no column 'remarks' named in the mapping; "
            "its columns are: answer, score, answered, comment, ticket",
        ),
    ],
)
def test_bad_mapping(project: Path, mapping: str, message: str) -> None:
    _write("map.toml", mapping)
    _write("answers.csv", "answer,score,answered,comment,ticket\na1,5,2026-03-03,,\n")
    result = run("import", "survey", "answers.csv", "--mapping", "map.toml", expect=2)
    assert result.stderr.strip() == f"Error: {message}"
    assert _answers() == []


_TEXT_CODECS = 'give e.g. encoding = "utf-8", "cp1252" or "latin-1"'
_ONE_CHARACTER = 'is not a one-character string; give e.g. delimiter = "," or ";"'


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            'encoding = "bogus"',
            f"encoding 'bogus' is not a text encoding Python knows; {_TEXT_CODECS}",
        ),
        (
            "encoding = 5",
            f"encoding 5 is not a text encoding Python knows; {_TEXT_CODECS}",
        ),
        # Codecs between bytes and bytes or str and str cannot read a file.
        (
            'encoding = "rot13"',
            f"encoding 'rot13' is not a text encoding Python knows; {_TEXT_CODECS}",
        ),
        (
            'encoding = "hex"',
            f"encoding 'hex' is not a text encoding Python knows; {_TEXT_CODECS}",
        ),
        (
            'encoding = "base64"',
            f"encoding 'base64' is not a text encoding Python knows; {_TEXT_CODECS}",
        ),
        (
            'delimiter = ""',
            f"delimiter '' {_ONE_CHARACTER}",
        ),
        (
            'delimiter = ";;"',
            f"delimiter ';;' {_ONE_CHARACTER}",
        ),
        (
            "delimiter = 5",
            f"delimiter 5 {_ONE_CHARACTER}",
        ),
    ],
)
def test_a_bad_encoding_or_delimiter_names_the_key(
    project: Path, setting: str, message: str
) -> None:
    _write("map.toml", setting + "\n" + SMALL_MAPPING)
    _write("answers.csv", "answer,score,answered,comment,ticket\na1,5,2026-03-03,,\n")
    result = run("import", "survey", "answers.csv", "--mapping", "map.toml", expect=2)
    assert result.stderr.strip() == f"Error: map.toml: {message}"
    assert _answers() == []


def test_utf_16_on_a_file_without_byte_order_mark_is_bad_input(project: Path) -> None:
    _write("map.toml", 'encoding = "utf-16"\n' + SMALL_MAPPING)
    _write("answers.csv", "answer,score,answered,comment,ticket\na1,5,2026-03-03,,\n")
    result = run("import", "survey", "answers.csv", "--mapping", "map.toml", expect=2)
    assert result.stderr.strip() == (
        "Error: answers.csv is not utf-16 text; set encoding in the mapping"
    )
    assert _answers() == []


def _olist_expected() -> tuple[int, int]:
    """Answers (one per review id) and how many are 4 or 5, counted with csv."""
    scores: dict[str, str] = {}
    with OLIST_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            scores.setdefault(row["review_id"], row["review_score"])
    answered = [int(score) for score in scores.values() if score.strip()]
    return len(answered), sum(1 for score in answered if score >= 4)


@pytest.mark.slow
def test_olist_import_gives_77_5_percent_and_is_idempotent(project: Path) -> None:
    answers, satisfied = _olist_expected()
    assert answers == 6121  # 6,123 rows, two review ids appear twice

    dry = run(
        "import",
        "survey",
        str(OLIST_CSV),
        "--mapping",
        str(MAPPING),
        "--dry-run",
        "--format",
        "json",
    ).json()
    assert dry["added"] == answers and dry["dry_run"] is True
    assert _answers() == []

    first = run(
        "import",
        "survey",
        str(OLIST_CSV),
        "--mapping",
        str(MAPPING),
        "--format",
        "json",
    ).json()
    assert first == {
        "file": str(OLIST_CSV),
        "rows": 6123,
        "added": answers,
        "already_imported": 0,
        "repeated_ids": 2,
        "blank_scores": 0,
        "linked_to_issues": 0,
        "dry_run": False,
        "skipped": [],
        "skipped_count": 0,
    }
    again = run(
        "import",
        "survey",
        str(OLIST_CSV),
        "--mapping",
        str(MAPPING),
        "--format",
        "json",
    ).json()
    assert (again["added"], again["already_imported"]) == (0, answers)

    data = run(
        "kpi", "--as-of", "2019-01-01", "--since", "2016-01-01", "--format", "json"
    ).json()
    assert data["csat"]["responses"] == answers
    assert data["csat"]["numerator"] == satisfied
    assert data["csat"]["percent"] == round(100 * satisfied / answers, 1) == 77.5
    # Times are Sao Paulo local, on summer time (UTC-2) in January 2018.
    first_row = _answers("rowid = 1")[0]
    assert first_row[4] == "2018-01-18T23:46:59Z"  # 21:46:59 local


def test_a_byte_order_mark_is_not_part_of_the_first_column(project: Path) -> None:
    _write("map.toml", SMALL_MAPPING)
    _write(
        "answers.csv",
        "\ufeffanswer,score,answered,comment,ticket\r\na1,4,2026-03-03 10:00,,\r\n",
    )

    result = run("import", "survey", "answers.csv", "--mapping", "map.toml")

    assert result.stdout.startswith("Imported 1 answer from 1 row of answers.csv")


def test_an_answer_in_the_future_is_refused(project: Path) -> None:
    run("log", "x")

    result = run("survey", "add", "1", "--score", "4", "--at", "2100-01-01", expect=2)

    assert result.stderr == (
        "Error: --at 2100-01-01 is in the future (2100-01-01 00:00 UTC); give a time "
        "up to now\n"
    )


def test_a_repeated_local_hour_in_a_file_is_its_first_pass(project: Path) -> None:
    # An export cannot be asked for an offset; Berlin passes 02:30 twice on
    # 25 October 2026, first at 00:30 UTC (+02:00).
    _write("map.toml", 'timezone = "Europe/Berlin"\n' + SMALL_MAPPING)
    _write(
        "answers.csv", "answer,score,answered,comment,ticket\na1,5,2026-10-25 02:30,,\n"
    )

    run("import", "survey", "answers.csv", "--mapping", "map.toml")

    assert [row[4] for row in _answers()] == ["2026-10-25T00:30:00Z"]


def test_skip_bad_imports_the_other_answers_and_lists_the_bad(project: Path) -> None:
    _write("map.toml", SMALL_MAPPING)
    _write(
        "answers.csv",
        "answer,score,answered,comment,ticket\n"
        "a1,5,2026-03-03 10:00,,\na2,six,2026-03-03 10:00,,\n"
        "a3,4,2026-03-03 11:00,,\na1,3,2026-03-03 10:00,,\n",
    )
    refused = run("import", "survey", "answers.csv", "-m", "map.toml", expect=2)
    assert refused.stderr == (
        f"Error: answers.csv line 3: score 'six' is not a whole number from 1 to 5"
        f"{REFUSED}\n"
    )
    assert _answers() == []

    result = run("import", "survey", "answers.csv", "-m", "map.toml", "--skip-bad")

    assert result.stdout.splitlines()[1:] == [
        "Skipped 2 bad rows:",
        "  line 3: score 'six' is not a whole number from 1 to 5",
        "  line 5: answer id a1 was already given on line 2 with score 5, here 3; "
        "keep one of them",
    ]
    assert [row[2] for row in _answers()] == [5, 4]


def test_an_imported_answer_before_its_issue_was_reported_is_a_bad_row(
    project: Path,
) -> None:
    run("log", "one", "--ref", "INC-9", "--at", "2026-03-03 09:00")
    _write("map.toml", SMALL_MAPPING)
    _write(
        "answers.csv",
        "answer,score,answered,comment,ticket\n"
        "a1,5,2026-03-03 10:00,,INC-9\n"
        "a2,3,2026-03-03 08:59,,1\n",
    )

    refused = run("import", "survey", "answers.csv", "-m", "map.toml", expect=2)
    skipped = run("import", "survey", "answers.csv", "-m", "map.toml", "--skip-bad")

    assert refused.stderr == (
        "Error: answers.csv line 3: answered_at 2026-03-03 08:59 UTC is before "
        "issue 1 was reported (2026-03-03 09:00 UTC); an answer about it comes "
        f"after{REFUSED}\n"
    )
    assert "line 3: answered_at 2026-03-03 08:59 UTC is before" in skipped.stdout
    assert [row[2] for row in _answers()] == [5]


def test_a_dry_run_says_nothing_was_written(project: Path) -> None:
    _write("map.toml", SMALL_MAPPING)
    _write("answers.csv", "answer,score,answered,comment,ticket\na1,5,2026-03-03,,\n")

    out = run("import", "survey", "answers.csv", "-m", "map.toml", "--dry-run").stdout

    assert out.endswith("\nDry run: nothing was written.\n")
    assert out.startswith("Would import 1 answer from 1 row of answers.csv")
    assert _answers() == []


def test_an_empty_survey_file_is_named_so(project: Path) -> None:
    _write("map.toml", SMALL_MAPPING)
    _write("answers.csv", "")

    result = run("import", "survey", "answers.csv", "-m", "map.toml", expect=2)

    assert result.stderr == (
        "Error: answers.csv is empty; give a CSV file with a header row\n"
    )
