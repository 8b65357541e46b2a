"""Exit criteria: evaluate each configured rule to pass, fail or unknown.

The criteria come from ``settings.criteria`` (``[[exit_criteria]]`` in the
TOML file; the rules and their parameters are ``config.RULES``). Each
evaluates, as of one moment, to

- ``pass``: the evidence says the criterion holds;
- ``fail``: it does not, with the evidence (which issues, which days, which
  samples) and, where it can be known, the earliest moment it could pass;
- ``unknown``: there is not enough data to say. A criterion with no data is
  never a pass.

Everything is computed from the recorded history as of ``as_of``: an issue's
state at a moment is the ``to_status`` of its last status event at or before
it, and its priority is the last priority set at or before it. An issue's
history starts at its reported time: what its first event sets (status
``new``, and the priority when triaged on logging) holds from ``reported_at``
even when that event was logged later.

The measures (MTTR, SLA compliance, reopen rate, CSAT, backlog per day) are
``hypercare.core.measures``'s; this module only compares them with the
thresholds. The bottom of the module renders a list of results as Markdown,
JUnit XML and GitHub Actions annotations.

A result's ``detail`` names times in UTC ISO-8601, as JSON and JUnit carry
them; ``local_detail`` is the same sentence with the times in the config's
zone, for people (rich, Markdown, the hand-over pack). The rules write a
detail as a ``Phrase`` (text with the times left as datetimes) so both come
from one sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from hypercare.config import Criterion, Settings
from hypercare.core.text import one_line, visible
from hypercare.core.when import format_time, from_iso, to_iso
from hypercare.core.words import counted
from hypercare.errors import InputError
from hypercare.models import OPEN_STATUSES
from hypercare.store import exit as rows
from hypercare.store.db import Store

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"

# A detail sentence: text, and the times it names (written out per reader).
Phrase = tuple[str | datetime, ...]


@dataclass(frozen=True)
class CriterionResult:
    """The verdict on one criterion, with what was measured and why."""

    name: str
    rule: str
    description: str
    status: str  # pass | fail | unknown
    measured: str  # the measured value in words, e.g. "2 P1 issues open"
    threshold: str  # the threshold in words, e.g. "none open for 72 h"
    detail: str  # one sentence saying why
    value: float | None = None  # the measured number, when there is one
    limit: float | None = None  # the threshold as a number, when there is one
    evidence: tuple[dict[str, Any], ...] = ()
    passes_at: str | None = None  # earliest pass if nothing new happens (UTC ISO)
    window: dict[str, str] | None = None  # {"since", "until"} when windowed
    local_detail: str | None = None  # ``detail`` with times in the config's zone

    @property
    def detail_for_people(self) -> str:
        return self.detail if self.local_detail is None else self.local_detail

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rule": self.rule,
            "description": self.description,
            "status": self.status,
            "measured": self.measured,
            "threshold": self.threshold,
            "value": self.value,
            "limit": self.limit,
            "detail": self.detail,
            "evidence": list(self.evidence),
            "passes_at": self.passes_at,
            "window": self.window,
        }


@dataclass(frozen=True)
class OpenSpan:
    """A stretch of time an issue was open at a given priority."""

    issue_id: int
    title: str
    reported_at: datetime
    start: datetime
    end: datetime | None  # None: still open at the moment of evaluation


@dataclass(frozen=True)
class Verdict:
    """All results, and whether the gate passes."""

    as_of: str
    results: tuple[CriterionResult, ...]
    allow_unknown: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when every criterion passes; a gate with no criteria never passes."""
        if not self.results:
            return False
        bad = {FAIL} if self.allow_unknown else {FAIL, UNKNOWN}
        return not any(result.status in bad for result in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "status": PASS if self.passed else FAIL,
            "allow_unknown": self.allow_unknown,
            "counts": {
                s: sum(r.status == s for r in self.results)
                for s in (PASS, FAIL, UNKNOWN)
            },
            "criteria": [result.as_dict() for result in self.results],
        }


def evaluate(
    store: Store,
    settings: Settings,
    as_of: datetime,
    only: Sequence[str] | None = None,
) -> list[CriterionResult]:
    """Evaluate the configured criteria (or just those named in ``only``)."""
    criteria = select(settings, only)
    return [_evaluate_one(store, settings, criterion, as_of) for criterion in criteria]


def verdict(
    store: Store,
    settings: Settings,
    as_of: datetime,
    *,
    only: Sequence[str] | None = None,
    allow_unknown: bool = False,
) -> Verdict:
    results = evaluate(store, settings, as_of, only)
    return Verdict(
        as_of=to_iso(as_of), results=tuple(results), allow_unknown=allow_unknown
    )


def select(settings: Settings, only: Sequence[str] | None) -> tuple[Criterion, ...]:
    """The criteria named in ``only`` (all when it is empty), in config order.

    InputError listing the known names for a name that is not configured.
    """
    if not only:
        return settings.criteria
    known = {c.name for c in settings.criteria}
    for name in only:
        if name not in known:
            names = ", ".join(c.name for c in settings.criteria) or "none configured"
            raise InputError(
                f"there is no exit criterion '{name}'; known criteria: {names}"
            )
    return tuple(c for c in settings.criteria if c.name in only)


def describe(criterion: Criterion) -> str:
    """The criterion in words, from its rule and parameters."""
    c = criterion
    window = f"over the last {_amount(c.window_days, 'day')}"
    check = "every check" if c.check in ("*", "") else f"check '{c.check}'"
    words = {
        "no_open_priority": f"No {c.priority} issue open at any moment in the last "
        f"{_amount(c.hours, 'hour')}",
        "max_open_age": f"No open {c.priority} issue older than "
        f"{_amount(c.hours, 'hour')}",
        "mttr_under": f"Mean time to resolve {c.priority} issues under "
        f"{_amount(c.target_hours, 'hour')}, {window}",
        "sla_compliance": f"At least {_num(c.percent)}% of {c.priority} issues within "
        f"their {c.clock} target, {window}",
        "reopen_rate_under": f"Under {_num(c.percent)}% of resolved issues "
        f"reopened, {window}",
        "csat_at_least": f"CSAT at least {_num(c.percent)}% from at least "
        f"{counted(c.min_responses or 0, 'answer')}, {window}",
        "backlog_not_growing": "Open backlog not growing over the last "
        f"{_amount(c.days, 'day')}",
        "uptime_at_least": f"Uptime of {check} at least {_num(c.percent)}%, {window}",
        "error_rate_under": f"Error rate of {check} under {_num(c.percent)}%, {window}",
        "signoff": f"Sign-off '{c.signoff}' given by a person and not revoked",
    }
    return words[c.rule]


# --- the rules ----------------------------------------------------------------


def _evaluate_one(
    store: Store, settings: Settings, criterion: Criterion, as_of: datetime
) -> CriterionResult:
    rule = _RULES[criterion.rule]
    partial = rule(store, settings, criterion, as_of)
    phrase = partial.pop("detail")
    return CriterionResult(
        name=criterion.name,
        rule=criterion.rule,
        description=criterion.description or describe(criterion),
        detail=_words(phrase, to_iso),
        local_detail=_words(phrase, lambda moment: format_time(moment, settings.tz)),
        **partial,
    )


def _words(phrase: str | Phrase, write: Callable[[datetime], str]) -> str:
    """The sentence, with each time in it written by ``write``."""
    if isinstance(phrase, str):
        return phrase
    return "".join(part if isinstance(part, str) else write(part) for part in phrase)


def _no_open_priority(
    store: Store, settings: Settings, c: Criterion, as_of: datetime
) -> dict[str, Any]:
    assert c.priority is not None and c.hours is not None
    span = timedelta(hours=c.hours)
    start = as_of - span
    window = {"since": to_iso(start), "until": to_iso(as_of)}
    threshold = f"no {c.priority} open for {_num(c.hours)} h"
    base = {"threshold": threshold, "limit": 0.0, "window": window}
    spans = [
        s
        for s in open_spans(store, c.priority, as_of)
        if s.end is None or s.end > start
    ]
    ids = sorted({s.issue_id for s in spans})
    evidence = tuple(_span_evidence(s) for s in spans)
    measured = (
        f"{len(ids)} {c.priority} issue{'s' if len(ids) != 1 else ''} open "
        f"in {_num(c.hours)} h"
    )
    # A P1 open in the part of the window on record fails the criterion even
    # when the record does not yet cover the whole window; only a clean
    # partial record is unknown.
    missing = _no_history(store, settings, start, as_of, _amount(c.hours, "hour"))
    if missing and not spans:
        return {**base, "status": UNKNOWN, "measured": "no data", "detail": missing}
    if not spans:
        return {
            **base,
            "status": PASS,
            "measured": measured,
            "value": 0.0,
            "detail": (f"No {c.priority} issue was open since ", start, "."),
        }

    still_open = sorted({s.issue_id for s in spans if s.end is None})
    detail: str | Phrase
    if still_open:
        listed = ", ".join(str(i) for i in still_open)
        detail = (
            f"{c.priority} issue{'s' if len(still_open) > 1 else ''} {listed} "
            f"{'are' if len(still_open) > 1 else 'is'} still open; this cannot pass "
            f"until {'they are' if len(still_open) > 1 else 'it is'} resolved, and "
            f"then {_amount(c.hours, 'hour')} later at the earliest."
        )
        passes_at = None
    else:
        last_end = max(s.end for s in spans if s.end is not None)
        passes_at = to_iso(last_end + span)
        which = (
            f"issues {', '.join(str(i) for i in ids)} were"
            if len(ids) > 1
            else f"issue {ids[0]} was"
        )
        detail = (
            f"{c.priority} {which} open in the last {_amount(c.hours, 'hour')} "
            "(the last until ",
            last_end,
            "); if nothing new happens this passes at ",
            last_end + span,
            ".",
        )
    return {
        **base,
        "status": FAIL,
        "measured": measured,
        "value": float(len(ids)),
        "detail": detail,
        "evidence": evidence,
        "passes_at": passes_at,
    }


def _max_open_age(
    store: Store, settings: Settings, c: Criterion, as_of: datetime
) -> dict[str, Any]:
    assert c.priority is not None and c.hours is not None
    limit = timedelta(hours=c.hours)
    threshold = f"no open {c.priority} older than {_num(c.hours)} h"
    base = {"threshold": threshold, "limit": c.hours}
    if rows.count_issues_reported(store.conn, to_iso(as_of)) == 0:
        return {
            **base,
            "status": UNKNOWN,
            "measured": "no data",
            "detail": ("No issues were recorded by ", as_of, "."),
        }

    open_now = [s for s in open_spans(store, c.priority, as_of) if s.end is None]
    old: list[dict[str, Any]] = []
    for s in open_now:
        reported = s.reported_at
        age = as_of - reported
        if age > limit:
            old.append(
                {
                    "issue": s.issue_id,
                    "title": s.title,
                    "reported_at": to_iso(reported),
                    "age_hours": round(age.total_seconds() / 3600, 1),
                }
            )
    oldest: float | None = max((float(o["age_hours"]) for o in old), default=None)
    if not old:
        return {
            **base,
            "status": PASS,
            "measured": f"{len(open_now)} open, none too old",
            "value": 0.0,
            "detail": f"No open {c.priority} issue is older than "
            f"{_amount(c.hours, 'hour')}.",
        }
    listed = ", ".join(str(o["issue"]) for o in old)
    which = f"issues {listed} are" if len(old) > 1 else f"issue {listed} is"
    return {
        **base,
        "status": FAIL,
        "measured": f"{len(old)} older than {_num(c.hours)} h "
        f"(oldest {_num(oldest)} h)",
        "value": oldest,
        "evidence": tuple(old),
        "detail": f"Open {c.priority} {which} older than "
        f"{_amount(c.hours, 'hour')}; resolve {'them' if len(old) > 1 else 'it'} "
        "to pass.",
    }


def _mttr_under(
    store: Store, settings: Settings, c: Criterion, as_of: datetime
) -> dict[str, Any]:
    from hypercare.core import measures

    assert c.priority is not None and c.target_hours is not None and c.window_days
    since = as_of - timedelta(days=c.window_days)
    stats = measures.mttr(
        store, settings, as_of=as_of, since=since, priority=c.priority
    )
    base = {
        "threshold": f"under {_num(c.target_hours)} h",
        "limit": c.target_hours,
        "window": {"since": to_iso(since), "until": to_iso(as_of)},
    }
    if not stats.count or stats.mean_minutes is None:
        return {
            **base,
            "status": UNKNOWN,
            "measured": "no data",
            "detail": f"No {c.priority} issue was resolved in the last "
            f"{_amount(c.window_days, 'day')}.",
        }
    hours = stats.mean_minutes / 60
    evidence = (
        {
            "resolved": stats.count,
            "mean_hours": _round(hours),
            "median_hours": _round(_hours(stats.median_minutes)),
            "p90_hours": _round(_hours(stats.p90_minutes)),
        },
    )
    status = PASS if hours < c.target_hours else FAIL
    return {
        **base,
        "status": status,
        "measured": f"{_num(_round(hours))} h",
        "value": _round(hours),
        "evidence": evidence,
        "detail": f"Mean time to resolve {stats.count} {c.priority} issue"
        f"{'s' if stats.count != 1 else ''}: {_amount(_round(hours), 'hour')} (median "
        f"{_num(_round(_hours(stats.median_minutes)))}, 90th percentile "
        f"{_num(_round(_hours(stats.p90_minutes)))}).",
    }


def _sla_compliance(
    store: Store, settings: Settings, c: Criterion, as_of: datetime
) -> dict[str, Any]:
    from hypercare.core import measures

    assert c.priority is not None and c.percent is not None and c.window_days
    assert c.clock is not None
    since = as_of - timedelta(days=c.window_days)
    ratio = measures.sla_compliance(
        store, settings, as_of=as_of, since=since, priority=c.priority, clock=c.clock
    )
    what = (
        f"{c.priority} issue within its {c.clock} target",
        f"{c.priority} issues within their {c.clock} target",
    )
    return _at_least(
        ratio,
        c.percent,
        since,
        as_of,
        what,
        f"No {c.priority} issue came due in the last {_amount(c.window_days, 'day')}.",
    )


def _reopen_rate_under(
    store: Store, settings: Settings, c: Criterion, as_of: datetime
) -> dict[str, Any]:
    from hypercare.core import measures

    assert c.percent is not None and c.window_days
    since = as_of - timedelta(days=c.window_days)
    ratio = measures.reopen_rate(store, settings, as_of=as_of, since=since)
    base = {
        "threshold": f"under {_num(c.percent)}%",
        "limit": c.percent,
        "window": {"since": to_iso(since), "until": to_iso(as_of)},
    }
    if not ratio.denominator or ratio.percent is None:
        return {
            **base,
            "status": UNKNOWN,
            "measured": "no data",
            "detail": "No issue was resolved in the last "
            f"{_amount(c.window_days, 'day')}.",
        }
    status = PASS if ratio.percent < c.percent else FAIL
    return {
        **base,
        "status": status,
        "measured": f"{_num(_round(ratio.percent))}%",
        "value": _round(ratio.percent),
        "evidence": ({"reopened": ratio.numerator, "resolved": ratio.denominator},),
        "detail": f"{ratio.numerator} of "
        f"{counted(ratio.denominator, 'resolved issue')} reopened.",
    }


def _csat_at_least(
    store: Store, settings: Settings, c: Criterion, as_of: datetime
) -> dict[str, Any]:
    from hypercare.core import measures

    assert c.percent is not None and c.window_days and c.min_responses is not None
    since = as_of - timedelta(days=c.window_days)
    ratio = measures.csat(store, as_of=as_of, since=since)
    if ratio.denominator < c.min_responses:
        answers = (
            f"Only {counted(ratio.denominator, 'CSAT answer')}"
            if ratio.denominator
            else "No CSAT answers"
        )
        needed = f"{c.min_responses} {'is' if c.min_responses == 1 else 'are'} needed"
        return {
            "status": UNKNOWN,
            "measured": counted(ratio.denominator, "answer"),
            "threshold": f"at least {_num(c.percent)}% of {c.min_responses}+ answers",
            "limit": c.percent,
            "window": {"since": to_iso(since), "until": to_iso(as_of)},
            "detail": f"{answers} in the last {_amount(c.window_days, 'day')}; "
            f"at least {needed}.",
        }
    what = ("answer of 4 or 5", "answers of 4 or 5")
    result = _at_least(ratio, c.percent, since, as_of, what, "")
    result["threshold"] = f"at least {_num(c.percent)}% of {c.min_responses}+ answers"
    return result


def _at_least(
    ratio: Any,
    percent: float,
    since: datetime,
    as_of: datetime,
    what: tuple[str, str],
    empty: str,
) -> dict[str, Any]:
    """``what`` is what is counted, in the singular and the plural."""
    base = {
        "threshold": f"at least {_num(percent)}%",
        "limit": percent,
        "window": {"since": to_iso(since), "until": to_iso(as_of)},
    }
    if not ratio.denominator or ratio.percent is None:
        return {**base, "status": UNKNOWN, "measured": "no data", "detail": empty}
    status = PASS if ratio.percent >= percent else FAIL
    return {
        **base,
        "status": status,
        "measured": f"{_num(_round(ratio.percent))}%",
        "value": _round(ratio.percent),
        "evidence": ({"met": ratio.numerator, "counted": ratio.denominator},),
        "detail": f"{ratio.numerator} of {counted(ratio.denominator, *what)}.",
    }


def _backlog_not_growing(
    store: Store, settings: Settings, c: Criterion, as_of: datetime
) -> dict[str, Any]:
    from hypercare.core import measures

    assert c.days is not None
    since = as_of - timedelta(days=c.days)
    base = {
        "threshold": f"not growing over {_amount(c.days, 'day')}",
        "window": {"since": to_iso(since), "until": to_iso(as_of)},
    }
    if missing := _no_history(store, settings, since, as_of, _amount(c.days, "day")):
        return {**base, "status": UNKNOWN, "measured": "no data", "detail": missing}
    days = measures.backlog_per_day(store, settings, since=since, as_of=as_of)
    if len(days) < 2:
        return {
            **base,
            "status": UNKNOWN,
            "measured": "no data",
            "detail": "Fewer than two days of backlog to compare.",
        }
    evidence = tuple({"day": day.isoformat(), "open": count} for day, count in days)
    grew = [
        f"{day.isoformat()} (+{count - before})"
        for (_, before), (day, count) in zip(days, days[1:], strict=False)
        if count > before
    ]
    first, last = days[0][1], days[-1][1]
    status = PASS if last <= first else FAIL
    change = last - first
    detail = (
        f"Open backlog went from {first} on {days[0][0].isoformat()} to {last} on "
        f"{days[-1][0].isoformat()}."
    )
    if grew:
        detail += f" It grew on {', '.join(grew)}."
    return {
        **base,
        "status": status,
        "measured": f"{change:+d} open ({first} → {last})",
        "value": float(change),
        "limit": 0.0,
        "evidence": evidence,
        "detail": detail,
    }


def _uptime_at_least(
    store: Store, settings: Settings, c: Criterion, as_of: datetime
) -> dict[str, Any]:
    from hypercare.core import metrics

    assert c.percent is not None and c.window_days and c.check is not None
    since = as_of - timedelta(days=c.window_days)
    share = metrics.uptime(store, c.check, since, as_of)
    return _samples(share, c, since, as_of, at_least=True, label="uptime", bad="down")


def _error_rate_under(
    store: Store, settings: Settings, c: Criterion, as_of: datetime
) -> dict[str, Any]:
    from hypercare.core import metrics

    assert c.percent is not None and c.window_days and c.check is not None
    since = as_of - timedelta(days=c.window_days)
    share = metrics.error_rate(store, c.check, since, as_of)
    return _samples(
        share, c, since, as_of, at_least=False, label="error rate", bad="failed"
    )


def _samples(
    share: Any,
    c: Criterion,
    since: datetime,
    as_of: datetime,
    *,
    at_least: bool,
    label: str,
    bad: str,
) -> dict[str, Any]:
    assert c.percent is not None
    check = "any check" if c.check in ("*", "") else f"check '{c.check}'"
    base = {
        "threshold": f"{'at least' if at_least else 'under'} {_num(c.percent)}%",
        "limit": c.percent,
        "window": {"since": to_iso(since), "until": to_iso(as_of)},
    }
    if share.percent is None:
        return {
            **base,
            "status": UNKNOWN,
            "measured": "no data",
            "detail": f"No {label} samples of {check} in the last "
            f"{_amount(c.window_days, 'day')}; import them with 'hypercare import "
            "metrics FILE'.",
        }
    is_ok = share.percent >= c.percent if at_least else share.percent < c.percent
    total = share.denominator
    bad_count = total - share.numerator if at_least else share.numerator
    evidence = tuple(
        {"at": s["at"], "check": s["check_name"], "sample": bad}
        for s in share.bad_samples
    )
    return {
        **base,
        "status": PASS if is_ok else FAIL,
        "measured": f"{_num(_round(share.percent, 3))}%",
        "value": _round(share.percent, 3),
        "evidence": evidence if not is_ok else (),
        "detail": (
            f"{bad_count} of {counted(total, 'sample')} of {check} {bad}, from ",
            from_iso(share.first_at),
            " to ",
            from_iso(share.last_at),
            ".",
        ),
    }


def _signoff(
    store: Store, settings: Settings, c: Criterion, as_of: datetime
) -> dict[str, Any]:
    from hypercare.core.signoffs import in_force

    assert c.signoff is not None
    base = {"threshold": "signed"}
    hint = f"record it with: hypercare signoff {c.signoff} --by WHO"
    current = in_force(store, c.signoff, as_of)
    if current is None:
        return {
            **base,
            "status": FAIL,
            "measured": "missing",
            "detail": f"Sign-off '{c.signoff}' is missing; {hint}.",
        }
    evidence = (
        {
            "signoff": c.signoff,
            "action": current.action,
            "by": current.actor,
            "at": current.at,
            "note": current.note,
        },
    )
    if not current.is_signed:
        return {
            **base,
            "status": FAIL,
            "measured": "revoked",
            "evidence": evidence,
            "detail": (
                f"Sign-off '{c.signoff}' was revoked by {current.actor} at ",
                from_iso(current.at),
                f"; {hint}.",
            ),
        }
    return {
        **base,
        "status": PASS,
        "measured": f"signed by {current.actor}",
        "evidence": evidence,
        "detail": (f"Signed off by {current.actor} at ", from_iso(current.at), "."),
    }


_RULES = {
    "no_open_priority": _no_open_priority,
    "max_open_age": _max_open_age,
    "mttr_under": _mttr_under,
    "sla_compliance": _sla_compliance,
    "reopen_rate_under": _reopen_rate_under,
    "csat_at_least": _csat_at_least,
    "backlog_not_growing": _backlog_not_growing,
    "uptime_at_least": _uptime_at_least,
    "error_rate_under": _error_rate_under,
    "signoff": _signoff,
}


def _no_history(
    store: Store, settings: Settings, start: datetime, as_of: datetime, span: str
) -> Phrase | None:
    """Why a window has no data to judge from, or None when it has."""
    if rows.count_issues_reported(store.conn, to_iso(as_of)) == 0:
        return ("No issues were recorded by ", as_of, ".")
    if settings.go_live is not None and start < settings.go_live:
        return (
            "The hypercare started at ",
            settings.go_live,
            f" (go-live); {span} of history are needed, so this is known from ",
            settings.go_live + (as_of - start),
            ".",
        )
    return None


# --- replaying the history ----------------------------------------------------


def open_spans(store: Store, priority: str, as_of: datetime) -> list[OpenSpan]:
    """Every stretch, up to ``as_of``, in which an issue was open at ``priority``.

    Replays status and priority events (see the module docstring for the
    rules); ``end`` is None for a stretch still running at ``as_of``.
    """
    until = to_iso(as_of)
    issues = rows.issues_ever_with_priority(store.conn, priority, until)
    history = rows.history_events(store.conn, [i["id"] for i in issues], until)
    spans: list[OpenSpan] = []
    for issue in issues:
        spans.extend(_spans_of(issue, history[issue["id"]], priority, as_of))
    return spans


def _spans_of(
    issue: dict[str, Any], events: list[dict[str, Any]], priority: str, as_of: datetime
) -> list[OpenSpan]:
    reported = from_iso(issue["reported_at"])
    status, current = "new", None
    spans: list[OpenSpan] = []
    opened: datetime | None = None
    # Events at the same moment settle before the state is judged.
    for index, (at, group) in enumerate(groupby(events, key=lambda e: e["at"])):
        for event in group:
            if event["to_status"] is not None:
                status = event["to_status"]
            if event["priority_type"] is not None:
                current = event["priority"]
        # The first event's values hold from the reported time.
        moment = reported if index == 0 else max(from_iso(at), reported)
        is_open = status in OPEN_STATUSES and current == priority
        if is_open and opened is None:
            opened = moment
        elif not is_open and opened is not None:
            spans.append(
                OpenSpan(issue["id"], issue["title"], reported, opened, moment)
            )
            opened = None
    if opened is not None:
        spans.append(OpenSpan(issue["id"], issue["title"], reported, opened, None))
    return [s for s in spans if s.end is None or s.end > s.start]


def _span_evidence(span: OpenSpan) -> dict[str, Any]:
    return {
        "issue": span.issue_id,
        "title": span.title,
        "open_from": to_iso(span.start),
        "open_until": to_iso(span.end) if span.end else None,
    }


# --- numbers in words ---------------------------------------------------------


def _amount(value: float | int | None, unit: str) -> str:
    """'72 hours', '1 day', '1.5 hours': a number with its unit in words."""
    return f"{_num(value)} {unit}{'' if value == 1 else 's'}"


def _num(value: float | int | None) -> str:
    if value is None:
        return "?"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:g}"


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else minutes / 60


# --- reports ------------------------------------------------------------------

_MARK = {PASS: "PASS", FAIL: "FAIL", UNKNOWN: "UNKNOWN"}
# Why a gate with no criteria fails, in every form of the report.
NO_CRITERIA = (
    "no exit criteria are configured (add [[exit_criteria]] to hypercare.toml)"
)


def summary_line(result: Verdict, tz: ZoneInfo) -> str:
    """The verdict in one line, its time in ``tz`` (the config's zone)."""
    counts = result.as_dict()["counts"]
    verdict_word = "PASS" if result.passed else "FAIL"
    as_of = format_time(result.as_of, tz)
    if not result.results:
        return f"Exit check as of {as_of}: FAIL: {NO_CRITERIA}."
    tolerated = (
        " (unknown tolerated)" if result.allow_unknown and counts[UNKNOWN] else ""
    )
    return (
        f"Exit check as of {as_of}: {verdict_word}{tolerated}: "
        f"{counts[PASS]} pass, {counts[FAIL]} fail, {counts[UNKNOWN]} unknown."
    )


def evidence_lines(result: CriterionResult, tz: ZoneInfo | None) -> list[str]:
    """The evidence of one result, one line per item.

    Times in ``tz`` for people; with None, as stored (UTC ISO-8601, for JUnit).
    """

    def at(stamp: str) -> str:
        return stamp if tz is None else format_time(stamp, tz)

    lines = []
    for item in result.evidence:
        if "issue" in item:
            if "open_from" in item:
                until = item.get("open_until")
                end = at(until) if until else "the as-of moment (still open)"
                span = f"open {at(item['open_from'])} until {end}"
            else:
                age = _num(item["age_hours"])
                span = f"reported {at(item['reported_at'])}, {age} h old"
            lines.append(f"issue {item['issue']}: {one_line(item['title'])} ({span})")
        elif "day" in item:
            lines.append(f"{item['day']}: {item['open']} open")
        elif "sample" in item:
            lines.append(f"{at(item['at'])} {item['check']}: {item['sample']}")
        else:
            lines.append(
                ", ".join(
                    f"{k} {_num(v) if isinstance(v, float) else v}"
                    for k, v in item.items()
                    if v is not None
                )
            )
    return lines


def to_markdown(result: Verdict, *, escape: Any, tz: ZoneInfo) -> str:
    """A Markdown table of the results, then the evidence of each non-pass.

    ``escape`` escapes user text for Markdown (the CLI passes ``output.md_escape``);
    times are shown in ``tz``.
    """
    lines = [f"## {escape(summary_line(result, tz))}"]
    if not result.results:
        return lines[0] + "\n"  # the heading says why; an empty table says nothing
    lines += [
        "",
        "| criterion | status | measured | threshold | detail |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in result.results:
        lines.append(
            f"| {escape(r.name)} | {_MARK[r.status]} | {escape(r.measured)} | "
            f"{escape(r.threshold)} | {escape(r.detail_for_people)} |"
        )
    for r in result.results:
        if r.status != PASS and r.evidence:
            lines += ["", f"**{escape(r.name)}** ({_MARK[r.status]}):", ""]
            lines += [f"- {escape(line)}" for line in evidence_lines(r, tz)]
    return "\n".join(lines) + "\n"


def to_junit(result: Verdict) -> str:
    """JUnit XML: one test case per criterion.

    A failing criterion is a ``<failure>``. An unknown one is a ``<failure
    type="unknown">`` as well, because the gate fails on it, unless unknown
    is tolerated (``--allow-unknown``): then it is ``<skipped>``, and the
    gate does not fail on it either. Every case carries its measured value,
    threshold and evidence in ``<system-out>``.
    """
    import xml.etree.ElementTree as ET

    failures = sum(
        r.status == FAIL or (r.status == UNKNOWN and not result.allow_unknown)
        for r in result.results
    )
    skipped = sum(r.status == UNKNOWN and result.allow_unknown for r in result.results)
    # With no criteria the gate fails, so the report shows one failing case
    # rather than an empty suite a CI viewer would call green.
    tests = len(result.results) or 1
    failures = failures if result.results else 1
    suites = ET.Element(
        "testsuites",
        name="hypercare exit-check",
        tests=str(tests),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="exit criteria",
        tests=str(tests),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
        timestamp=result.as_of,
    )
    if not result.results:
        case = ET.SubElement(
            suite,
            "testcase",
            name="exit criteria are configured",
            classname="hypercare.exit_criteria",
            time="0",
        )
        ET.SubElement(case, "failure", message=NO_CRITERIA, type="fail")
    for r in result.results:
        case = ET.SubElement(
            suite,
            "testcase",
            name=r.name,
            classname=f"hypercare.exit_criteria.{r.rule}",
            time="0",
        )
        message = f"{r.measured} (threshold: {r.threshold}). {r.detail}"
        if r.status == FAIL:
            failure = ET.SubElement(case, "failure", message=message, type="fail")
            failure.text = "\n".join(evidence_lines(r, None)) or r.detail
        elif r.status == UNKNOWN and result.allow_unknown:
            ET.SubElement(case, "skipped", message=f"unknown: {r.detail}")
        elif r.status == UNKNOWN:
            failure = ET.SubElement(
                case, "failure", message=f"unknown: {r.detail}", type="unknown"
            )
            failure.text = r.detail
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(
            [
                f"{r.description}",
                f"status: {r.status}",
                f"measured: {r.measured}",
                f"threshold: {r.threshold}",
                *evidence_lines(r, None),
            ]
        )
    ET.indent(suites)
    # XML 1.0 forbids most control characters, which a title may hold.
    text = ET.tostring(suites, encoding="unicode", xml_declaration=True)
    return visible(text) + "\n"


def github_annotations(result: Verdict) -> list[str]:
    """GitHub Actions workflow commands: one ``::error`` per criterion not passing.

    People read them in the workflow run, so the detail has local times.
    """
    if not result.results:
        title = _gh_property("Exit check: FAIL")
        return [f"::error title={title}::{_gh_data(NO_CRITERIA)}"]
    lines = []
    for r in result.results:
        if r.status == PASS or (r.status == UNKNOWN and result.allow_unknown):
            continue
        title = _gh_property(f"Exit criterion {r.name}: {_MARK[r.status]}")
        text = _gh_data(f"{r.measured}. {r.detail_for_people}")
        lines.append(f"::error title={title}::{text}")
    return lines


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")
