"""hypercare.core.criteria: rules in words, replaying history, the report formats."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hypercare.config import Criterion
from hypercare.core import criteria
from hypercare.core.criteria import CriterionResult, Verdict
from hypercare.store.db import open_store
from tests.conftest import run


@pytest.mark.parametrize(
    ("criterion", "words"),
    [
        (
            Criterion("a", "no_open_priority", priority="P1", hours=72.0),
            "No P1 issue open at any moment in the last 72 hours",
        ),
        (
            Criterion("a", "max_open_age", priority="P2", hours=36.5),
            "No open P2 issue older than 36.5 hours",
        ),
        (
            Criterion(
                "a", "mttr_under", priority="P1", target_hours=4.0, window_days=7.0
            ),
            "Mean time to resolve P1 issues under 4 hours, over the last 7 days",
        ),
        (
            Criterion(
                "a",
                "sla_compliance",
                priority="P3",
                percent=95.0,
                window_days=14.0,
                clock="acknowledge",
            ),
            "At least 95% of P3 issues within their acknowledge target, "
            "over the last 14 days",
        ),
        (
            Criterion("a", "reopen_rate_under", percent=5.0, window_days=14.0),
            "Under 5% of resolved issues reopened, over the last 14 days",
        ),
        (
            Criterion(
                "a", "csat_at_least", percent=80.0, min_responses=20, window_days=14.0
            ),
            "CSAT at least 80% from at least 20 answers, over the last 14 days",
        ),
        (
            Criterion("a", "backlog_not_growing", days=5),
            "Open backlog not growing over the last 5 days",
        ),
        (
            Criterion(
                "a", "uptime_at_least", percent=99.9, window_days=7.0, check="api"
            ),
            "Uptime of check 'api' at least 99.9%, over the last 7 days",
        ),
        (
            Criterion("a", "error_rate_under", percent=1.0, window_days=7.0, check="*"),
            "Error rate of every check under 1%, over the last 7 days",
        ),
        (
            Criterion(
                "a", "csat_at_least", percent=80.0, min_responses=1, window_days=1.0
            ),
            "CSAT at least 80% from at least 1 answer, over the last 1 day",
        ),
        (
            Criterion("a", "no_open_priority", priority="P1", hours=1.0),
            "No P1 issue open at any moment in the last 1 hour",
        ),
        (
            Criterion("a", "signoff", signoff="support-trained"),
            "Sign-off 'support-trained' given by a person and not revoked",
        ),
    ],
    ids=lambda value: value.rule if isinstance(value, Criterion) else "",
)
def test_each_rule_in_words(criterion: Criterion, words: str) -> None:
    assert criteria.describe(criterion) == words


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_open_spans_start_at_the_reported_time_and_follow_priority(
    project: Path,
) -> None:
    # Logged at 12:00 as reported at 09:00, as a P1 straight away; it drops to
    # P2 at 14:00 and is resolved at 16:00, with a comment at the same moment.
    run(
        "log",
        "Checkout down",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--reported-at",
        "2026-03-02 09:00",
        "--at",
        "2026-03-02 12:00",
    )
    run(
        "triage",
        "1",
        "--priority",
        "P2",
        "--reason",
        "partial outage",
        "--at",
        "2026-03-02 14:00",
    )
    run("comment", "1", "fixed by restart", "--at", "2026-03-02 16:00")
    run("resolve", "1", "--at", "2026-03-02 16:00")
    store = open_store(project / "hypercare.db")

    p1 = criteria.open_spans(store, "P1", _at("2026-03-03 00:00"))
    p2 = criteria.open_spans(store, "P2", _at("2026-03-03 00:00"))
    p2_then = criteria.open_spans(store, "P2", _at("2026-03-02 15:00"))

    assert [(s.start, s.end) for s in p1] == [
        (_at("2026-03-02 09:00"), _at("2026-03-02 14:00"))
    ]
    assert [(s.start, s.end) for s in p2] == [
        (_at("2026-03-02 14:00"), _at("2026-03-02 16:00"))
    ]
    assert [(s.start, s.end) for s in p2_then] == [(_at("2026-03-02 14:00"), None)]
    store.close()


def _result(name: str, status: str, detail: str = "why") -> CriterionResult:
    return CriterionResult(
        name=name,
        rule="signoff",
        description="d",
        status=status,
        measured="m",
        threshold="t",
        detail=detail,
    )


def test_the_verdict_fails_on_unknown_unless_tolerated() -> None:
    results = (_result("a", "pass"), _result("b", "unknown"))

    assert not Verdict("2026-03-02T09:00:00Z", results).passed
    assert Verdict("2026-03-02T09:00:00Z", results, allow_unknown=True).passed
    assert not Verdict(
        "2026-03-02T09:00:00Z", (_result("c", "fail"),), allow_unknown=True
    ).passed


def test_junit_is_valid_xml_even_with_markup_in_the_detail() -> None:
    verdict = Verdict(
        "2026-03-02T09:00:00Z",
        (
            _result("a", "pass"),
            _result("b & <c>", "fail", detail='issue "1" <script>&'),
            _result("d", "unknown"),
        ),
    )

    root = ET.fromstring(criteria.to_junit(verdict))

    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["a", "b & <c>", "d"]
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == 'm (threshold: t). issue "1" <script>&'
    assert root.get("failures") == "2"


def test_github_annotations_escape_workflow_command_characters() -> None:
    verdict = Verdict(
        "2026-03-02T09:00:00Z",
        (
            _result("x,y", "fail", detail="100% done\nnot really"),
            _result("ok", "pass"),
        ),
    )

    assert criteria.github_annotations(verdict) == [
        "::error title=Exit criterion x%2Cy%3A FAIL::m. 100%25 done%0Anot really",
    ]


def test_an_open_p1_fails_even_before_72_hours_of_history(project: Path) -> None:
    # Go-live 2026-03-02 09:00; as of 03-03 12:00 only 27 h are on record,
    # but a P1 open now already means the criterion cannot hold.
    run(
        "log",
        "Down",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--at",
        "2026-03-02 10:00",
    )

    result = run(
        "exit-check",
        "--only",
        "no-p1-72h",
        "--allow-unknown",
        "--as-of",
        "2026-03-03 12:00",
        "--format",
        "json",
        expect=1,
    )

    (criterion,) = result.json()["criteria"]
    assert criterion["status"] == "fail"
