"""Satisfaction answers: recording one by hand, importing a survey export.

Scales: ``csat`` is 1-5 (CSAT counts 4 and 5 as satisfied), ``nps`` is 0-10.
A blank score is not an answer: it is skipped and counted, never stored as 0.

An import is driven by a TOML mapping that names the file's columns (see
``examples/mappings/olist-survey.toml``). Every row is read and checked before
anything is written, so a bad row (reported with its line number and the
reason) changes nothing; with ``skip_bad`` the other rows are imported and
the bad ones listed. Rows are keyed by the mapping's ``source`` and the
answer id: importing the same file twice adds nothing. An id repeated within
the file with the same score is one answer given once (counted as
``repeated``); with a different score it is an error.
"""

from __future__ import annotations

import codecs
import csv
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from hypercare.config import Settings
from hypercare.core.importing import (
    BadRow,
    check_readable_file,
    csv_problem,
    refused,
    whole_number,
)
from hypercare.core.when import format_time, parse_recorded, to_iso, zone
from hypercare.errors import ConfigError, ImportRowError, InputError
from hypercare.models import SURVEY_SCALES
from hypercare.store import surveys as sql
from hypercare.store.db import Store

_REQUIRED = ("id", "score", "answered_at")
_OPTIONAL = ("sent_at", "comment", "issue", "respondent", "scale")
_TOP = {"source", "scale", "timezone", "delimiter", "encoding", "columns"}


@dataclass(frozen=True)
class Answer:
    """One satisfaction answer as stored."""

    id: int
    scale: str
    score: int
    answered_at: str
    issue_id: int | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Mapping:
    """Which columns of a survey export hold what."""

    source: str
    columns: dict[str, tuple[str, ...]]
    scale: str = "csat"
    timezone: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"


@dataclass
class ImportResult:
    """What an import did (or, with --dry-run, would do)."""

    file: str
    rows: int = 0
    added: int = 0
    already: int = 0
    repeated: int = 0
    blank: int = 0
    linked: int = 0
    is_dry_run: bool = False
    by_scale: dict[str, int] = field(default_factory=dict)
    bad_rows: list[BadRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "added": self.added,
            "already_imported": self.already,
            "repeated_ids": self.repeated,
            "blank_scores": self.blank,
            "linked_to_issues": self.linked,
            "dry_run": self.is_dry_run,
            "skipped": [
                {"line": bad.line, "reason": bad.reason} for bad in self.bad_rows
            ],
            "skipped_count": len(self.bad_rows),
        }


def check_score(score: int, scale: str) -> None:
    """InputError unless ``score`` fits ``scale``."""
    if scale not in SURVEY_SCALES:
        raise InputError(f"unknown scale '{scale}'; use --scale csat|nps")
    low, high = SURVEY_SCALES[scale]
    if not low <= score <= high:
        raise InputError(
            f"score {score} is outside the {scale} scale; give --score {low}-{high}"
        )


def add_answer(
    store: Store,
    issue_id: int,
    *,
    score: int,
    scale: str,
    comment: str | None,
    at: datetime,
    now: datetime,
    actor: str,
    tz: ZoneInfo,
) -> Answer:
    """Record one answer about an issue; NotFoundError when the issue is unknown.

    ``tz`` is the config's zone, in which a refusal shows times.
    """
    from hypercare.core.issues import check_after_report, get_issue

    check_score(score, scale)
    answered_at = to_iso(at)
    issue = get_issue(store, issue_id)
    check_after_report(issue, answered_at, tz, "an answer about it comes after")
    text = comment.strip() if comment and comment.strip() else None
    row: dict[str, Any] = {
        "issue_id": issue_id,
        "scale": scale,
        "score": score,
        "comment": text,
        "answered_at": answered_at,
        "source": "manual",
        "recorded_at": to_iso(now),
        "actor": actor,
    }
    with store.write() as conn:
        sql.insert_answers(conn, [row])
        answer_id = sql.last_answer_id(conn)
    return Answer(answer_id, scale, score, answered_at, issue_id, text)


# --- importing ----------------------------------------------------------------


def load_mapping(path: Path) -> Mapping:
    """Read a survey mapping; ConfigError naming the file and key when wrong."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such mapping file; see examples/mappings/olist-survey.toml"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc})") from None

    unknown = sorted(set(document) - _TOP)
    if unknown:
        raise ConfigError(
            f"{path}: {unknown[0]} is not a known key; known keys: "
            + ", ".join(sorted(_TOP))
        )
    columns = document.get("columns")
    if not isinstance(columns, dict):
        raise ConfigError(f"{path}: needs a [columns] table naming the file's columns")
    extra = sorted(set(columns) - set(_REQUIRED) - set(_OPTIONAL))
    if extra:
        raise ConfigError(
            f"{path}: columns.{extra[0]} is not a known key; known keys: "
            + ", ".join((*_REQUIRED, *_OPTIONAL))
        )
    for key in _REQUIRED:
        if not columns.get(key):
            raise ConfigError(f"{path}: columns.{key} is missing; name the column")
    source = document.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ConfigError(
            f"{path}: source is missing; name where the answers come from"
        )
    scale = document.get("scale", "csat")
    if scale not in SURVEY_SCALES:
        raise ConfigError(f"{path}: scale '{scale}' is unknown; use csat or nps")
    timezone = document.get("timezone")
    if timezone is not None:
        try:
            zone(str(timezone))
        except InputError as exc:
            raise ConfigError(f"{path}: timezone: {exc}") from None
    return Mapping(
        source=source.strip(),
        columns={key: _names(value) for key, value in columns.items()},
        scale=scale,
        timezone=timezone,
        delimiter=_delimiter(path, document.get("delimiter", ",")),
        encoding=_encoding(path, document.get("encoding", "utf-8")),
    )


def _delimiter(path: Path, value: Any) -> str:
    """The csv module takes exactly one character and fails obscurely otherwise."""
    if not isinstance(value, str) or len(value) != 1:
        raise ConfigError(
            f"{path}: delimiter {value!r} is not a one-character string; "
            'give e.g. delimiter = "," or ";"'
        )
    return value


def _encoding(path: Path, value: Any) -> str:
    """A codec that turns bytes into text (not rot13, hex or base64)."""
    try:
        is_text = isinstance(value, str) and codecs.lookup(value)._is_text_encoding
    except LookupError:
        is_text = False
    if not is_text:
        raise ConfigError(
            f"{path}: encoding {value!r} is not a text encoding Python knows; "
            'give e.g. encoding = "utf-8", "cp1252" or "latin-1"'
        )
    return str(value)


def _names(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else (str(value),)


def import_answers(
    store: Store,
    settings: Settings,
    path: Path,
    mapping: Mapping,
    *,
    now: datetime,
    actor: str,
    is_dry_run: bool = False,
    skip_bad: bool = False,
    advance: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import a survey export; every row is checked before anything is written.

    Raises ImportRowError naming the first bad row unless ``skip_bad``, which
    leaves bad rows out and lists them in the result.
    """
    check_readable_file(path, "the survey export")
    tz = zone(mapping.timezone) if mapping.timezone else settings.tz
    result = ImportResult(file=str(path), is_dry_run=is_dry_run)
    known = sql.known_refs(store.conn, mapping.source)
    by_ref = sql.issue_ids_by_ref(store.conn) if "issue" in mapping.columns else {}
    seen: dict[str, tuple[int, int]] = {}  # id -> (line, score)
    new_rows: list[dict[str, Any]] = []

    for line, record in _records(path, mapping):
        result.rows += 1
        if advance is not None:
            advance(1)
        try:
            row = _answer_row(
                path, line, record, mapping, settings, tz, now, by_ref, store
            )
            if row is not None and _is_repeat(path, line, row, seen):
                result.repeated += 1
                continue
            if row is not None:
                _check_unchanged(path, line, row, known)
        except ImportRowError as exc:
            if not skip_bad:
                raise refused(str(exc)) from None
            reason = str(exc).removeprefix(f"{path} line {line}: ")
            result.bad_rows.append(BadRow(line, reason))
            continue
        if row is None:
            result.blank += 1
            continue
        ref = row["external_ref"]
        seen[ref] = (line, row["score"])
        if ref in known:
            result.already += 1
            continue
        row.update(source=mapping.source, recorded_at=to_iso(now), actor=actor)
        new_rows.append(row)

    result.linked = sum(1 for row in new_rows if row["issue_id"] is not None)
    for row in new_rows:
        result.by_scale[row["scale"]] = result.by_scale.get(row["scale"], 0) + 1
    if is_dry_run:
        result.added = len(new_rows)
        return result
    with store.write() as conn:
        result.added = sql.insert_answers(conn, new_rows)
    return result


def _check_unchanged(
    path: Path, line: int, row: dict[str, Any], known: dict[str, int]
) -> None:
    """An answer imported before keeps its score: a file cannot rewrite it."""
    stored = known.get(row["external_ref"])
    if stored is not None and stored != row["score"]:
        raise ImportRowError(
            f"{path} line {line}: answer id {row['external_ref']} was imported "
            f"before with score {stored}, here {row['score']}; a recorded answer "
            "is not changed"
        )


def _is_repeat(
    path: Path, line: int, row: dict[str, Any], seen: dict[str, tuple[int, int]]
) -> bool:
    """Whether the answer id came before with the same score; an error if not."""
    ref = row["external_ref"]
    if ref not in seen:
        return False
    first_line, first_score = seen[ref]
    if first_score != row["score"]:
        raise ImportRowError(
            f"{path} line {line}: answer id {ref} was already given on line "
            f"{first_line} with score {first_score}, here {row['score']}; "
            "keep one of them"
        )
    return True


def _records(path: Path, mapping: Mapping) -> Iterator[tuple[int, dict[str, str]]]:
    """Each record with the line it starts on (quoted fields may span lines)."""
    try:
        # A spreadsheet's "CSV UTF-8" starts with a byte-order mark; it is not
        # part of the first column's name.
        encoding = (
            "utf-8-sig"
            if mapping.encoding.lower() in ("utf-8", "utf8")
            else (mapping.encoding)
        )
        handle = path.open(newline="", encoding=encoding)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    with handle:
        try:
            yield from _checked_records(path, mapping, handle)
        except UnicodeError:
            # A wrong codec fails on the header or on any later line, e.g.
            # utf-16 on a file without a byte-order mark.
            raise InputError(
                f"{path} is not {mapping.encoding} text; set encoding in the mapping"
            ) from None


def _checked_records(
    path: Path, mapping: Mapping, handle: TextIO
) -> Iterator[tuple[int, dict[str, str]]]:
    # Strict: a quote left open is an error at the end of the file, not a
    # last field that silently swallows every line after it.
    reader = csv.DictReader(handle, delimiter=mapping.delimiter, strict=True)
    header = reader.fieldnames or []
    if not header:
        # As the help-desk imports say it.
        raise InputError(f"{path} is empty; give a CSV file with a header row")
    missing = [
        name
        for names in mapping.columns.values()
        for name in names
        if name not in header
    ]
    if missing:
        raise InputError(
            f"{path} has no column '{missing[0]}' named in the mapping; its "
            f"columns are: {', '.join(header)}"
        )
    start = reader.line_num + 1
    try:
        for record in reader:
            if None in record:  # DictReader's key for cells past the header
                raise ImportRowError(
                    f"{path} line {start}: the row has "
                    f"{len(header) + len(record[None])} fields, the header "
                    f"{len(header)}; check the delimiters and quoting"
                )
            yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportRowError(csv_problem(path, start, exc)) from None


def _answer_row(
    path: Path,
    line: int,
    record: dict[str, str],
    mapping: Mapping,
    settings: Settings,
    tz: ZoneInfo,
    now: datetime,
    by_ref: dict[str, int],
    store: Store,
) -> dict[str, Any] | None:
    """One checked row to store, or None when the score is blank."""

    def value(key: str) -> str:
        names = mapping.columns.get(key, ())
        # Quoted multi-line fields keep the file's CRLF; store plain newlines.
        parts = [
            (record.get(name) or "").replace("\r\n", "\n").strip() for name in names
        ]
        return "\n".join(part for part in parts if part)

    def fail(problem: str) -> ImportRowError:
        return ImportRowError(f"{path} line {line}: {problem}")

    raw_score = value("score")
    if not raw_score:
        return None
    scale = value("scale").lower() if "scale" in mapping.columns else mapping.scale
    if scale not in SURVEY_SCALES:
        raise fail(f"scale '{scale}' is unknown; use csat or nps")
    low, high = SURVEY_SCALES[scale]
    try:
        score = int(raw_score)
    except ValueError:
        raise fail(
            f"score '{raw_score}' is not a whole number from {low} to {high}"
        ) from None
    if not low <= score <= high:
        raise fail(f"score {score} is outside the {scale} scale ({low}-{high})")

    ref = value("id")
    if not ref:
        raise fail(f"the answer id ({', '.join(mapping.columns['id'])}) is empty")
    answered_at = _moment(
        value("answered_at"), "answered_at", fail, settings, tz, now, required=True
    )
    issue_id = _issue(value("issue"), by_ref, store, fail)
    reported = sql.reported_at(store.conn, issue_id) if issue_id else None
    if reported is not None and answered_at is not None and answered_at < reported:
        # As 'survey add' refuses it: an answer about an issue comes after it.
        raise fail(
            f"answered_at {format_time(answered_at, tz)} is before issue {issue_id} "
            f"was reported ({format_time(reported, tz)}); an answer about it comes "
            "after"
        )
    return {
        "external_ref": ref,
        "scale": scale,
        "score": score,
        "answered_at": answered_at,
        "sent_at": _moment(value("sent_at"), "sent_at", fail, settings, tz, now),
        "comment": value("comment") or None,
        "respondent": value("respondent") or None,
        "issue_id": issue_id,
    }


def _moment(
    text: str,
    key: str,
    fail: Callable[[str], ImportRowError],
    settings: Settings,
    tz: ZoneInfo,
    now: datetime,
    *,
    required: bool = False,
) -> str | None:
    if not text:
        if required:
            raise fail(f"{key} is empty; every answer needs the time it was given")
        return None
    try:
        moment = parse_recorded(text, now=now, tz=tz, day_first=settings.day_first)
        return to_iso(moment)
    except InputError as exc:
        raise fail(f"{key}: {exc}") from None


def _issue(
    text: str,
    by_ref: dict[str, int],
    store: Store,
    fail: Callable[[str], ImportRowError],
) -> int | None:
    if not text:
        return None
    if text in by_ref:
        return by_ref[text]
    number = whole_number(text)
    if number is not None and sql.issue_exists(store.conn, number):
        return number
    raise fail(
        f"issue '{text}' matches no issue number or external reference; import the "
        "issues first or drop columns.issue from the mapping"
    )
