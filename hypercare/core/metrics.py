"""Monitoring samples: importing them, and uptime and error rate over a window.

``hypercare import metrics FILE`` reads CSV (a header row) or JSON lines (one
object per line). Each record is one sample of one check at one time:

=============  ==========================================================
field          meaning (other accepted names)
=============  ==========================================================
``timestamp``  when (``at``, ``time``); ISO 8601, or a time in the config
               zone; absolute (not "1h ago") and not after now; required
``check``      the check's name (``check_name``, ``name``); required
``status``     ``up`` / ``down`` (also ``ok``/``fail``, ``true``/``false``,
               ``1``/``0``) (``up``, ``is_up``)
``value``      a measured number
``error``      whether the request failed: ``true``/``false``/``1``/``0``
               (``is_error``)
``latency_ms`` latency in milliseconds, 0 or more (``latency``)
=============  ==========================================================

A record needs a status, a value or an error flag. A bad record is refused
with its line number and nothing is written (with ``skip_bad`` the rest is
imported and the bad lines listed; a dry run counts and writes nothing).
Samples are unique per check and time: importing the same file twice adds
nothing (which is why a relative time, which moves with each import, is
refused).

Uptime is the share of samples with a status that say ``up``; error rate is
the share of samples with an error flag that say the request failed. A window
with no such samples has no figure (``None``), never 0 or 100.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypercare.core.importing import (
    BadRow,
    DryRunRollback,
    check_readable_file,
    open_text,
    refused,
)
from hypercare.core.text import is_one_line
from hypercare.core.when import format_time, parse_recorded, to_iso
from hypercare.errors import ImportRowError, InputError
from hypercare.store import exit as rows
from hypercare.store.db import Store

_ALIASES = {
    "timestamp": ("timestamp", "at", "time"),
    "check": ("check", "check_name", "name"),
    "status": ("status", "up", "is_up"),
    "value": ("value",),
    "error": ("error", "is_error"),
    "latency_ms": ("latency_ms", "latency"),
}
_UP = (
    {"up", "ok", "true", "1", "yes", "pass", "passed"},
    {"down", "fail", "failed", "false", "0", "no", "error"},
)
_ERROR = (
    {"true", "1", "yes", "error", "fail", "failed"},
    {"false", "0", "no", "ok", "pass", "passed"},
)


@dataclass(frozen=True)
class ImportSummary:
    read: int
    added: int
    bad_rows: tuple[BadRow, ...] = ()
    is_dry_run: bool = False

    @property
    def unchanged(self) -> int:
        return self.read - self.added


@dataclass(frozen=True)
class Share:
    """A share of samples over a window; ``percent`` is None without samples."""

    numerator: int
    denominator: int
    percent: float | None
    first_at: str | None
    last_at: str | None
    bad_samples: tuple[dict[str, Any], ...] = ()


def import_samples(
    store: Store,
    path: Path,
    *,
    now: datetime,
    tz: ZoneInfo,
    day_first: bool,
    is_dry_run: bool = False,
    skip_bad: bool = False,
) -> ImportSummary:
    """Read every sample of ``path`` (CSV or JSON lines), then store the new ones.

    Zone-less times are in ``tz``; a time after ``now`` is refused. Raises
    ImportRowError naming the first bad line (then nothing is written) unless
    ``skip_bad``. A dry run counts what would be added and writes nothing.
    """
    check_readable_file(path, "the samples (CSV or JSON lines)")

    def read_time(text: str) -> datetime:
        return parse_recorded(text, now=now, tz=tz, day_first=day_first)

    samples: list[dict[str, Any]] = []
    lines: list[int] = []  # each sample's line
    bad: list[BadRow] = []
    seen: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}  # (check, at)
    for line, record in _records(path):
        try:
            if isinstance(record, ImportRowError):
                raise record
            sample = _sample(line, record, read_time, path)
            _check_repeat(sample, line, seen, path, tz)
            samples.append(sample)
            lines.append(line)
        except ImportRowError as exc:
            if not skip_bad:
                raise refused(str(exc)) from None
            bad.append(BadRow(line, str(exc).removeprefix(f"{path} line {line}: ")))
    if not samples and not bad:
        raise InputError(f"{path} holds no samples; expected a header row and samples")

    added = 0
    try:
        with store.write() as conn:
            samples = _unchanged(conn, samples, lines, path, tz, bad, skip_bad)
            added = rows.insert_samples(conn, samples)
            if is_dry_run:
                raise DryRunRollback
    except DryRunRollback:
        pass
    return ImportSummary(len(samples), added, tuple(bad), is_dry_run)


def _unchanged(
    conn: Any,
    samples: list[dict[str, Any]],
    lines: list[int],
    path: Path,
    tz: ZoneInfo,
    bad: list[BadRow],
    skip_bad: bool,
) -> list[dict[str, Any]]:
    """``samples`` but those that would change a stored sample: a file cannot
    rewrite what was measured. Raises ImportRowError on the first unless
    ``skip_bad``, which lists them in ``bad`` (in line order) instead."""
    conflicts = rows.stored_differently(conn, samples)
    if not conflicts:
        return samples
    kept = []
    for line, sample in zip(lines, samples, strict=True):
        if (sample["check_name"], sample["at"]) not in conflicts:
            kept.append(sample)
            continue
        reason = (
            f"check {sample['check_name']} at {format_time(sample['at'], tz)} was "
            "imported before with other values; a recorded sample is not changed"
        )
        if not skip_bad:
            raise refused(f"{path} line {line}: {reason}")
        bad.append(BadRow(line, reason))
    bad.sort(key=lambda row: row.line)
    return kept


def _check_repeat(
    sample: dict[str, Any],
    line: int,
    seen: dict[tuple[str, str], tuple[int, dict[str, Any]]],
    path: Path,
    tz: ZoneInfo,
) -> None:
    """Refuse a second, different sample of one check at one time in a file.

    Samples are unique per check and time, so the later one would be lost
    without a word; the same sample twice is one sample given twice.
    """
    key = (sample["check_name"], sample["at"])
    if key not in seen:
        seen[key] = (line, sample)
        return
    first_line, first = seen[key]
    if first != sample:
        raise ImportRowError(
            f"{path} line {line}: check {sample['check_name']} at "
            f"{format_time(sample['at'], tz)} was already given on line {first_line} "
            "with other values; keep one of them"
        )


def uptime(store: Store, check: str, since: datetime, until: datetime) -> Share:
    """Share of up samples of ``check`` ("*": every check) in [since, until]."""
    counts = _counts(store, check, since, until)
    bad = rows.down_samples(
        store.conn, _check(check), to_iso(since), to_iso(until), column="is_up"
    )
    return _share(counts["up"], counts["up_known"], counts, bad)


def error_rate(store: Store, check: str, since: datetime, until: datetime) -> Share:
    """Share of failed samples of ``check`` ("*": every check) in [since, until]."""
    counts = _counts(store, check, since, until)
    bad = rows.down_samples(
        store.conn, _check(check), to_iso(since), to_iso(until), column="is_error"
    )
    return _share(counts["errors"], counts["error_known"], counts, bad)


def _check(check: str) -> str | None:
    return None if check in ("*", "") else check


def _counts(
    store: Store, check: str, since: datetime, until: datetime
) -> dict[str, Any]:
    return rows.sample_counts(store.conn, _check(check), to_iso(since), to_iso(until))


def _share(
    numerator: int, denominator: int, counts: dict[str, Any], bad: list[dict[str, Any]]
) -> Share:
    percent = 100 * numerator / denominator if denominator else None
    return Share(
        numerator,
        denominator,
        percent,
        counts["first_at"],
        counts["last_at"],
        tuple(bad),
    )


# --- reading files ------------------------------------------------------------------


# A line that is not JSON comes as its error, so that --skip-bad can go on.
_Record = dict[str, Any] | ImportRowError


def _records(path: Path) -> Iterator[tuple[int, _Record]]:
    with open_text(path) as handle:
        first = handle.readline()
        lines = itertools.chain([first], handle)
        if first.lstrip().startswith("{"):
            yield from _json_lines(lines, path)
        else:
            reader = csv.DictReader(lines)
            for record in reader:
                yield (
                    reader.line_num,
                    {k.strip().lower(): v for k, v in record.items() if k is not None},
                )


def _json_lines(handle: Any, path: Path) -> Iterator[tuple[int, _Record]]:
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            yield (
                number,
                ImportRowError(f"{path} line {number}: not valid JSON ({exc.msg})"),
            )
            continue
        if not isinstance(record, dict):
            yield (
                number,
                ImportRowError(f"{path} line {number}: expected a JSON object"),
            )
            continue
        yield number, {str(k).lower(): v for k, v in record.items()}


def _field(record: dict[str, Any], name: str) -> Any:
    for alias in _ALIASES[name]:
        value = record.get(alias)
        if value is not None and value != "":
            return value
    return None


def _sample(
    line: int, record: dict[str, Any], read_time: Callable[[str], datetime], path: Path
) -> dict[str, Any]:
    where = f"{path} line {line}"
    stamp = _field(record, "timestamp")
    check = _field(record, "check")
    if stamp is None or check is None:
        raise ImportRowError(f"{where}: needs a timestamp and a check name")
    try:
        at = to_iso(read_time(str(stamp)))
    except InputError as exc:
        raise ImportRowError(f"{where}: {exc}") from None
    sample = {
        "at": at,
        "check_name": _check_name(check, where),
        "is_up": _flag(_field(record, "status"), where, "status", _UP),
        "value": _number(_field(record, "value"), where, "value"),
        "is_error": _flag(_field(record, "error"), where, "error", _ERROR),
        "latency_ms": _latency(_field(record, "latency_ms"), where),
    }
    if (
        sample["is_up"] is None
        and sample["value"] is None
        and sample["is_error"] is None
    ):
        raise ImportRowError(
            f"{where}: needs a status (up/down), a value or an error flag"
        )
    return sample


def _check_name(value: Any, where: str) -> str:
    """A name as text on one line: a list or a NUL would be stored as garbage."""
    name = value.strip() if isinstance(value, str) else ""
    if not is_one_line(name):
        raise ImportRowError(
            f"{where}: check {json.dumps(value)} is not a check name; give it as "
            "text on one line, without control characters"
        )
    return name


def _flag(
    value: Any, where: str, name: str, words: tuple[set[str], set[str]]
) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    text = str(value).strip().lower()
    if text in words[0]:
        return 1
    if text in words[1]:
        return 0
    raise ImportRowError(f"{where}: {name} '{value}' is not up/down, true/false or 1/0")


def _latency(value: Any, where: str) -> float | None:
    latency = _number(value, where, "latency_ms")
    if latency is not None and latency < 0:
        raise ImportRowError(
            f"{where}: latency_ms {value} is negative; give the latency in "
            "milliseconds, 0 or more"
        )
    return latency


def _number(value: Any, where: str, name: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    # NaN and infinity (which float() and JSON lines accept) are no measure.
    if not math.isfinite(number):
        raise ImportRowError(f"{where}: {name} '{value}' is not a number")
    return number
