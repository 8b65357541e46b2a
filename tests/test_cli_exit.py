"""hypercare exit-check, signoff and import metrics: the CI gate.

Hand-made databases; expected verdicts and times are worked out by hand in
the comments. The project fixture's go-live is 2026-03-02 09:00 UTC.
"""

from __future__ import annotations

import csv
import gzip
import json
import sqlite3
import tomllib
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from tests.conftest import REFUSED, SERVICENOW_CSV, run


def set_criteria(folder: Path, *criteria: dict[str, Any]) -> None:
    """Replace the config's exit criteria."""
    path = folder / "hypercare.toml"
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    document["exit_criteria"] = list(criteria)
    path.write_text(tomli_w.dumps(document), encoding="utf-8")


NO_P1 = {"name": "no-p1-72h", "rule": "no_open_priority", "priority": "P1", "hours": 72}


def p1_resolved_at(resolved: str) -> None:
    """Issue 1: a P1 reported 2026-03-02 10:00, resolved at ``resolved``."""
    run(
        "log",
        "Payroll run fails",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--at",
        "2026-03-02 10:00",
    )
    run("start", "1", "--at", "2026-03-02 10:05")
    run("resolve", "1", "--at", resolved)


def check(*args: str, expect: int) -> dict[str, Any]:
    result: dict[str, Any] = run(
        "exit-check", "--format", "json", *args, expect=expect
    ).json()
    return result


# --- no P1 for 72 hours --------------------------------------------------------


def test_a_p1_resolved_71_hours_ago_fails_and_says_when_it_will_pass(
    project: Path,
) -> None:
    set_criteria(project, NO_P1)
    p1_resolved_at("2026-03-02 12:00")

    # 71 h after 2026-03-02 12:00 is 2026-03-05 11:00; it passes 72 h after
    # the resolution, at 2026-03-05 12:00.
    report = check("--as-of", "2026-03-05 11:00", expect=1)

    [result] = report["criteria"]
    assert report["status"] == "fail"
    assert result["status"] == "fail"
    assert result["passes_at"] == "2026-03-05T12:00:00Z"
    assert "passes at 2026-03-05T12:00:00Z" in result["detail"]
    assert result["evidence"] == [
        {
            "issue": 1,
            "title": "Payroll run fails",
            "open_from": "2026-03-02T10:00:00Z",
            "open_until": "2026-03-02T12:00:00Z",
        }
    ]


def test_people_read_the_verdict_in_local_time_and_json_stays_utc(
    isolated: Path,
) -> None:
    # Berlin: CET (UTC+1) until 01:00 UTC on Sunday 29 March 2026, then CEST
    # (UTC+2). The P1 is open from 26 March 10:00 CET (09:00Z) to 27 March
    # 12:00 CET (11:00Z); 72 h later is 30 March 11:00Z, 13:00 CEST.
    run("init", "--go-live", "2026-03-02 09:00", "--tz", "Europe/Berlin")
    set_criteria(isolated, NO_P1)
    run(
        "log",
        "Payroll run fails",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--at",
        "2026-03-26 10:00",
    )
    run("resolve", "1", "--at", "2026-03-27 12:00")

    md = run(
        "exit-check", "--as-of", "2026-03-30 09:00", "--format", "md", expect=1
    ).stdout
    [result] = check("--as-of", "2026-03-30 09:00", expect=1)["criteria"]

    assert md.splitlines() == [
        "## Exit check as of 2026-03-30 09:00 CEST: FAIL: 0 pass, 1 fail, 0 unknown.",
        "",
        "| criterion | status | measured | threshold | detail |",
        "| --- | --- | --- | --- | --- |",
        "| no-p1-72h | FAIL | 1 P1 issue open in 72 h | no P1 open for 72 h | P1 "
        "issue 1 was open in the last 72 hours (the last until 2026-03-27 12:00 "
        "CET); if nothing new happens this passes at 2026-03-30 13:00 CEST. |",
        "",
        "**no-p1-72h** (FAIL):",
        "",
        "- issue 1: Payroll run fails (open 2026-03-26 10:00 CET until "
        "2026-03-27 12:00 CET)",
    ]
    assert result["passes_at"] == "2026-03-30T11:00:00Z"
    assert result["detail"] == (
        "P1 issue 1 was open in the last 72 hours (the last until "
        "2026-03-27T11:00:00Z); if nothing new happens this passes at "
        "2026-03-30T11:00:00Z."
    )
    assert result["evidence"][0]["open_from"] == "2026-03-26T09:00:00Z"


def test_a_p1_resolved_73_hours_ago_passes(project: Path) -> None:
    set_criteria(project, NO_P1)
    p1_resolved_at("2026-03-02 12:00")

    report = check("--as-of", "2026-03-05 13:00", expect=0)

    assert report["status"] == "pass"
    assert report["criteria"][0]["status"] == "pass"
    assert report["criteria"][0]["evidence"] == []


def test_the_text_report_says_when_it_will_pass(project: Path) -> None:
    set_criteria(project, NO_P1)
    p1_resolved_at("2026-03-02 12:00")

    out = run("exit-check", "--as-of", "2026-03-05 11:00", expect=1).stdout

    assert "if nothing new happens this passes at 2026-03-05 12:00 UTC" in out
    assert "\nno-p1-72h (FAIL):\n" in out
    assert (
        "issue 1: Payroll run fails (open 2026-03-02 10:00 UTC until "
        "2026-03-02 12:00 UTC)" in out
    )
    assert out.rstrip().endswith("FAIL: 0 pass, 1 fail, 0 unknown.")


def test_a_p1_still_open_cannot_pass_until_resolved(project: Path) -> None:
    set_criteria(project, NO_P1)
    run(
        "log",
        "Payroll run fails",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--at",
        "2026-03-02 10:00",
    )

    [result] = check("--as-of", "2026-03-06 10:00", expect=1)["criteria"]

    assert result["passes_at"] is None
    assert result["evidence"][0]["open_until"] is None
    assert result["detail"].startswith(
        "P1 issue 1 is still open; this cannot pass until it is resolved"
    )


def test_a_reopen_makes_the_p1_open_again(project: Path) -> None:
    set_criteria(project, NO_P1)
    p1_resolved_at("2026-03-02 12:00")
    run("reopen", "1", "--reason", "back again", "--at", "2026-03-04 08:00")
    run("resolve", "1", "--at", "2026-03-04 09:00")

    # Open 10:00-12:00 on the 2nd and 08:00-09:00 on the 4th: the last end is
    # 2026-03-04 09:00, so it passes at 2026-03-07 09:00. As of 2026-03-05
    # 11:00 the window starts 2026-03-02 11:00 and holds both stretches.
    [result] = check("--as-of", "2026-03-05 11:00", expect=1)["criteria"]

    assert result["passes_at"] == "2026-03-07T09:00:00Z"
    assert [e["open_from"] for e in result["evidence"]] == [
        "2026-03-02T10:00:00Z",
        "2026-03-04T08:00:00Z",
    ]


def test_the_priority_in_force_at_each_moment_counts(project: Path) -> None:
    set_criteria(project, NO_P1)
    run(
        "log",
        "Slow report",
        "--impact",
        "medium",
        "--urgency",
        "medium",
        "--at",
        "2026-03-02 10:00",
    )
    run(
        "triage",
        "1",
        "--priority",
        "P1",
        "--reason",
        "CFO waiting",
        "--at",
        "2026-03-03 10:00",
    )
    run(
        "triage",
        "1",
        "--priority",
        "P3",
        "--reason",
        "workaround found",
        "--at",
        "2026-03-03 14:00",
    )

    # Open all along, but a P1 only from 10:00 to 14:00 on the 3rd.
    [result] = check("--as-of", "2026-03-06 13:00", expect=1)["criteria"]
    assert result["evidence"][0]["open_from"] == "2026-03-03T10:00:00Z"
    assert result["evidence"][0]["open_until"] == "2026-03-03T14:00:00Z"
    assert result["passes_at"] == "2026-03-06T14:00:00Z"

    check("--as-of", "2026-03-06 14:00", expect=0)


def test_a_window_reaching_before_go_live_is_unknown(project: Path) -> None:
    set_criteria(project, NO_P1)
    run("log", "Typo on the login page", "--at", "2026-03-02 10:00")

    [result] = check("--as-of", "2026-03-04 09:00", expect=1)["criteria"]

    assert result["status"] == "unknown"
    assert "known from 2026-03-05T09:00:00Z" in result["detail"]


# --- unknown, sign-offs, config ------------------------------------------------


def test_with_no_issues_mttr_is_unknown_and_the_gate_fails(project: Path) -> None:
    report = check("--only", "mttr-p1", "--as-of", "2026-03-20 09:00", expect=1)

    assert [c["status"] for c in report["criteria"]] == ["unknown"]
    assert report["counts"] == {"pass": 0, "fail": 0, "unknown": 1}


def test_allow_unknown_tolerates_unknown(project: Path) -> None:
    report = check(
        "--only", "mttr-p1", "--as-of", "2026-03-20 09:00", "--allow-unknown", expect=0
    )

    assert report["status"] == "pass"
    assert report["allow_unknown"] is True


def test_allow_unknown_does_not_tolerate_a_failure(project: Path) -> None:
    run("exit-check", "--allow-unknown", "--as-of", "2026-03-20 09:00", expect=1)


def test_a_missing_signoff_fails_naming_it(project: Path) -> None:
    [result] = check("--only", "support-trained", expect=1)["criteria"]

    assert result["status"] == "fail"
    assert result["measured"] == "missing"
    assert result["detail"] == (
        "Sign-off 'support-trained' is missing; record it with: "
        "hypercare signoff support-trained --by WHO."
    )


def test_a_signoff_passes_until_revoked(project: Path) -> None:
    out = run(
        "signoff",
        "support-trained",
        "--by",
        "Dana",
        "--note",
        "12 agents",
        "--at",
        "2026-03-10 09:00",
    ).stdout
    assert out == "Sign-off 'support-trained' signed by Dana at 2026-03-10 09:00 UTC.\n"

    [result] = check(
        "--only", "support-trained", "--as-of", "2026-03-11 09:00", expect=0
    )["criteria"]
    assert result["measured"] == "signed by Dana"
    assert result["evidence"][0]["note"] == "12 agents"
    # As of a moment before the sign-off, it was missing.
    check("--only", "support-trained", "--as-of", "2026-03-09 09:00", expect=1)

    run(
        "signoff",
        "support-trained",
        "--revoke",
        "--by",
        "Lee",
        "--at",
        "2026-03-12 09:00",
    )
    [result] = check(
        "--only", "support-trained", "--as-of", "2026-03-12 10:00", expect=1
    )["criteria"]
    assert result["measured"] == "revoked"
    assert result["detail"].startswith("Sign-off 'support-trained' was revoked by Lee")


def test_revoking_what_is_not_signed_is_refused(project: Path) -> None:
    result = run(
        "signoff", "support-trained", "--revoke", "--at", "2026-03-12 09:00", expect=2
    )

    assert result.stderr == (
        "Error: sign-off 'support-trained' is not in force at "
        "2026-03-12 09:00 UTC; there is nothing to revoke\n"
    )


def test_a_config_naming_an_unknown_rule_exits_2_naming_rule_and_file(
    project: Path,
) -> None:
    set_criteria(project, {"name": "no-p1", "rule": "no_p1_evr", "priority": "P1"})

    result = run("exit-check", expect=2)

    assert result.stderr.startswith(
        f"Error: {project / 'hypercare.toml'}: exit criterion 'no-p1' has unknown rule "
        "'no_p1_evr'; known rules: "
    )
    assert result.stderr.count("\n") == 1


def test_a_criterion_missing_a_parameter_is_a_config_error(project: Path) -> None:
    set_criteria(
        project, {"name": "no-p1", "rule": "no_open_priority", "priority": "P1"}
    )

    result = run("exit-check", expect=2)

    assert result.stderr == (
        f"Error: {project / 'hypercare.toml'}: exit criterion 'no-p1' "
        "needs 'hours' for rule 'no_open_priority'\n"
    )


def test_only_repeated_evaluates_each_named_criterion_in_config_order(
    project: Path,
) -> None:
    set_criteria(
        project,
        NO_P1,
        {"name": "trained", "rule": "signoff", "signoff": "support-trained"},
        {"name": "signed", "rule": "signoff", "signoff": "business-owner"},
    )

    report = check("--only", "signed", "--only", "no-p1-72h", expect=1)

    assert [c["name"] for c in report["criteria"]] == ["no-p1-72h", "signed"]


def test_only_an_unknown_name_exits_2_listing_the_names(project: Path) -> None:
    set_criteria(
        project,
        NO_P1,
        {"name": "trained", "rule": "signoff", "signoff": "support-trained"},
    )

    result = run("exit-check", "--only", "nope", expect=2)

    assert result.stderr == (
        "Error: there is no exit criterion 'nope'; known criteria: no-p1-72h, trained\n"
    )


def test_list_writes_to_output(project: Path) -> None:
    result = run("exit-check", "--list", "--only", "no-p1-72h", "-o", "criteria.txt")

    assert result.stdout == ""
    assert (project / "criteria.txt").read_text() == (
        "no-p1-72h: No P1 issue open at any moment in the last 72 hours "
        "(rule no_open_priority)\n"
    )


def test_list_says_each_default_criterion_in_words(project: Path) -> None:
    out = run("exit-check", "--list").stdout.splitlines()

    assert out == [
        "no-p1-72h: No P1 issue open at any moment in the last 72 hours "
        "(rule no_open_priority)",
        "no-old-p2: No open P2 issue older than 48 hours (rule max_open_age)",
        "mttr-p1: Mean time to resolve P1 issues under 4 hours, over the last 7 days "
        "(rule mttr_under)",
        "mttr-p2: Mean time to resolve P2 issues under 8 hours, over the last 7 days "
        "(rule mttr_under)",
        "sla-p2: At least 90% of P2 issues within their resolve target, over the last "
        "14 days (rule sla_compliance)",
        "reopen-rate: Under 5% of resolved issues reopened, over the last 14 days "
        "(rule reopen_rate_under)",
        "csat: CSAT at least 80% from at least 20 answers, over the last 14 days "
        "(rule csat_at_least)",
        "backlog-not-growing: Open backlog not growing over the last 5 days "
        "(rule backlog_not_growing)",
        "support-trained: Sign-off 'support-trained' given by a person and not revoked "
        "(rule signoff)",
        "handover-accepted: Sign-off 'handover-accepted' given by a person and not "
        "revoked (rule signoff)",
    ]


# --- other rules ----------------------------------------------------------------


def _old_p2_rule(project: Path) -> None:
    """The only criterion: no P2 open for more than 48 hours."""
    set_criteria(
        project,
        {"name": "old-p2", "rule": "max_open_age", "priority": "P2", "hours": 48},
    )


def _log_p2(title: str, at: str) -> None:
    run("log", title, "--impact", "high", "--urgency", "high", "--at", at)


def test_an_open_p2_older_than_48_hours_fails(project: Path) -> None:
    _old_p2_rule(project)
    _log_p2("Export slow", "2026-03-02 10:00")
    _log_p2("Import slow", "2026-03-03 12:00")

    # As of 2026-03-04 12:00, issue 1 is 50 h old, issue 2 is 24 h old.
    [result] = check("--as-of", "2026-03-04 12:00", expect=1)["criteria"]
    assert result["evidence"] == [
        {
            "issue": 1,
            "title": "Export slow",
            "reported_at": "2026-03-02T10:00:00Z",
            "age_hours": 50.0,
        }
    ]
    assert result["value"] == 50.0

    run("resolve", "1", "--at", "2026-03-04 13:00")
    check("--as-of", "2026-03-04 14:00", expect=0)


def test_csat_with_too_few_answers_is_unknown(project: Path) -> None:
    set_criteria(
        project,
        {
            "name": "csat",
            "rule": "csat_at_least",
            "percent": 80,
            "min_responses": 3,
            "window_days": 14,
        },
    )
    run("log", "Cannot print", "--at", "2026-03-02 10:00")
    run("survey", "add", "1", "--score", "5", "--at", "2026-03-03 10:00")
    run("survey", "add", "1", "--score", "4", "--at", "2026-03-03 11:00")

    [result] = check("--as-of", "2026-03-05 10:00", expect=1)["criteria"]
    assert result["status"] == "unknown"
    assert result["measured"] == "2 answers"

    # 5, 4, 2: two of three are 4 or 5 = 66.7% < 80%.
    run("survey", "add", "1", "--score", "2", "--at", "2026-03-03 12:00")
    [result] = check("--as-of", "2026-03-05 10:00", expect=1)["criteria"]
    assert (result["status"], result["value"]) == ("fail", 66.7)


CSAT_20 = {
    "name": "csat",
    "rule": "csat_at_least",
    "percent": 80,
    "min_responses": 20,
    "window_days": 14,
}


def test_csat_without_answers_says_no_answers(project: Path) -> None:
    set_criteria(project, CSAT_20)
    run("log", "Cannot print", "--at", "2026-03-02 10:00")

    [result] = check("--as-of", "2026-03-05 10:00", expect=1)["criteria"]

    assert (result["measured"], result["detail"]) == (
        "0 answers",
        "No CSAT answers in the last 14 days; at least 20 are needed.",
    )


def test_csat_with_one_answer_says_it_in_the_singular(project: Path) -> None:
    set_criteria(project, {**CSAT_20, "min_responses": 1, "window_days": 1})
    run("log", "Cannot print", "--at", "2026-03-02 10:00")
    run("survey", "add", "1", "--score", "5", "--at", "2026-03-03 10:00")

    [result] = check("--as-of", "2026-03-03 12:00", expect=0)["criteria"]

    assert result["detail"] == "1 of 1 answer of 4 or 5."


def test_too_few_csat_answers_counts_them(project: Path) -> None:
    set_criteria(project, CSAT_20)
    run("log", "Cannot print", "--at", "2026-03-02 10:00")
    run("survey", "add", "1", "--score", "5", "--at", "2026-03-03 10:00")

    [result] = check("--as-of", "2026-03-05 10:00", expect=1)["criteria"]

    assert (result["measured"], result["detail"]) == (
        "1 answer",
        "Only 1 CSAT answer in the last 14 days; at least 20 are needed.",
    )


def test_one_reopened_issue_of_one_is_worded_in_the_singular(project: Path) -> None:
    set_criteria(
        project,
        {
            "name": "reopens",
            "rule": "reopen_rate_under",
            "percent": 10,
            "window_days": 7,
        },
    )
    run("log", "Cannot print", "--at", "2026-03-02 10:00")
    run("resolve", "1", "--at", "2026-03-02 11:00")
    run("reopen", "1", "--reason", "still blank", "--at", "2026-03-02 12:00")

    [result] = check("--as-of", "2026-03-03 10:00", expect=1)["criteria"]

    assert result["detail"] == "1 of 1 resolved issue reopened."


def test_one_open_p2_too_old_is_asked_to_be_resolved_as_it(project: Path) -> None:
    _old_p2_rule(project)
    _log_p2("Export slow", "2026-03-02 10:00")

    [result] = check("--as-of", "2026-03-04 12:00", expect=1)["criteria"]

    assert result["detail"] == (
        "Open P2 issue 1 is older than 48 hours; resolve it to pass."
    )


def test_mttr_over_the_target_fails(project: Path) -> None:
    set_criteria(
        project,
        {
            "name": "mttr-p1",
            "rule": "mttr_under",
            "priority": "P1",
            "target_hours": 4,
            "window_days": 7,
        },
    )
    p1_resolved_at("2026-03-02 12:00")  # 2 h
    run(
        "log",
        "Login down",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--at",
        "2026-03-03 10:00",
    )
    run("resolve", "2", "--at", "2026-03-03 18:00")  # 8 h

    # Mean (2 + 8) / 2 = 5 h, not under 4 h.
    [result] = check("--as-of", "2026-03-04 10:00", expect=1)["criteria"]
    assert (result["status"], result["value"]) == ("fail", 5.0)
    assert result["evidence"][0]["resolved"] == 2


# --- monitoring samples -----------------------------------------------------------


UPTIME = {
    "name": "uptime",
    "rule": "uptime_at_least",
    "percent": 99.0,
    "window_days": 1,
    "check": "api",
}
ERRORS = {
    "name": "errors",
    "rule": "error_rate_under",
    "percent": 5.0,
    "window_days": 1,
    "check": "*",
}


def write_samples(path: Path, down: int, total: int = 100) -> None:
    """``total`` samples of check api, one a minute from 2026-03-05 00:00; the
    last ``down`` are down and failed."""
    start = datetime(2026, 3, 5)
    lines = ["timestamp,check,status,error,latency_ms"]
    for minute in range(total):
        is_down = minute >= total - down
        lines.append(
            f"{(start + timedelta(minutes=minute)):%Y-%m-%d %H:%M},api,"
            f"{'down' if is_down else 'up'},{'true' if is_down else 'false'},120"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_uptime_and_error_rate_from_imported_samples(project: Path) -> None:
    set_criteria(project, UPTIME, ERRORS)
    write_samples(project / "samples.csv", down=2)

    out = run("import", "metrics", "samples.csv").stdout
    assert out == "Read 100 samples: 100 added, 0 already there.\n"

    # 98 of 100 up = 98% < 99%: fail; 2 of 100 failed = 2% < 5%: pass.
    report = check("--as-of", "2026-03-05 12:00", expect=1)
    uptime, errors = report["criteria"]
    assert (uptime["status"], uptime["value"]) == ("fail", 98.0)
    assert [e["at"] for e in uptime["evidence"]] == [
        "2026-03-05T01:38:00Z",
        "2026-03-05T01:39:00Z",
    ]
    assert (errors["status"], errors["value"]) == ("pass", 2.0)


@pytest.mark.parametrize(
    ("total", "line"),
    [
        (1, "Read 1 sample: 1 added, 0 already there."),
        (1500, "Read 1,500 samples: 1,500 added, 0 already there."),
    ],
)
def test_the_samples_summary_counts_in_words(
    project: Path, total: int, line: str
) -> None:
    write_samples(project / "samples.csv", down=0, total=total)

    assert run("import", "metrics", "samples.csv").stdout == line + "\n"


def test_importing_the_same_samples_twice_adds_nothing(project: Path) -> None:
    write_samples(project / "samples.csv", down=0)
    run("import", "metrics", "samples.csv")

    out = run("import", "metrics", "samples.csv").stdout

    assert out == "Read 100 samples: 0 added, 100 already there.\n"


def test_a_later_file_cannot_change_a_stored_sample(project: Path) -> None:
    write_samples(project / "samples.csv", down=0, total=3)
    run("import", "metrics", "samples.csv")
    # The same three minutes, the second now down.
    write_samples(project / "later.csv", down=0, total=3)
    text = (
        (project / "later.csv")
        .read_text()
        .replace("00:01,api,up,false", "00:01,api,down,true")
    )
    (project / "later.csv").write_text(text)

    refused = run("import", "metrics", "later.csv", expect=2)
    skipped = run("import", "metrics", "later.csv", "--skip-bad").stdout

    assert refused.stderr == (
        "Error: later.csv line 3: check api at 2026-03-05 00:01 UTC was imported "
        f"before with other values; a recorded sample is not changed{REFUSED}\n"
    )
    assert skipped.splitlines()[0] == "Read 2 samples: 0 added, 2 already there."
    assert "  line 3: check api at 2026-03-05 00:01 UTC was imported before" in skipped


def test_samples_as_json_lines(project: Path) -> None:
    set_criteria(project, UPTIME)
    (project / "samples.jsonl").write_text(
        '{"timestamp": "2026-03-05T10:00:00Z", "check": "api", "status": "up"}\n'
        '{"timestamp": "2026-03-05T10:01:00Z", "check": "api", "status": "up"}\n'
        '{"timestamp": "2026-03-05T10:02:00Z", "check": "web", "status": "down"}\n',
        encoding="utf-8",
    )
    run("import", "metrics", "samples.jsonl")

    [result] = check("--as-of", "2026-03-05 12:00", expect=0)["criteria"]
    assert result["value"] == 100.0


def test_samples_compressed_with_gzip_read_as_they_are(project: Path) -> None:
    write_samples(project / "samples.csv", down=0, total=10)
    packed = gzip.compress((project / "samples.csv").read_bytes())
    (project / "samples.csv.gz").write_bytes(packed)

    out = run("import", "metrics", "samples.csv.gz").stdout

    assert out == "Read 10 samples: 10 added, 0 already there.\n"


def test_samples_not_in_utf8_are_refused_naming_the_file(project: Path) -> None:
    (project / "samples.csv").write_bytes(
        b"timestamp,check,status\n2026-03-05 10:00,caf\xe9,up\n"
    )

    result = run("import", "metrics", "samples.csv", expect=2)

    assert result.stderr == (
        "Error: samples.csv is not UTF-8 text; export the file as UTF-8\n"
    )


def test_no_samples_in_the_window_is_unknown(project: Path) -> None:
    set_criteria(project, UPTIME)
    write_samples(project / "samples.csv", down=0)
    run("import", "metrics", "samples.csv")

    [result] = check("--as-of", "2026-03-08 12:00", expect=1)["criteria"]

    assert result["status"] == "unknown"


def test_a_bad_sample_is_refused_with_its_line_and_nothing_is_written(
    project: Path,
) -> None:
    write_samples(project / "samples.csv", down=0, total=10)
    text = (project / "samples.csv").read_text().splitlines()
    text[6] = "2026-03-05 00:05,api,sideways,false,120"
    (project / "samples.csv").write_text("\n".join(text) + "\n")

    result = run("import", "metrics", "samples.csv", expect=2)

    assert result.stderr == (
        "Error: samples.csv line 7: status 'sideways' is not up/down, "
        f"true/false or 1/0{REFUSED}\n"
    )
    out = run("import", "metrics", "samples.csv", expect=2)
    assert "line 7" in out.stderr


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        # "1h ago" moves with each import: the same file added its rows again.
        (
            "1h ago,api,up,false,120",
            "cannot read the time '1h ago': it is relative; a file's times must be "
            "absolute, like 2026-03-05 14:30, so that importing it again gives the "
            "same times",
        ),
        (
            "now,api,up,false,120",
            "cannot read the time 'now': it is relative; a file's times must be "
            "absolute, like 2026-03-05 14:30, so that importing it again gives the "
            "same times",
        ),
        (
            "2099-11-21 10:00,api,up,false,120",
            "the time '2099-11-21 10:00' is in the future (2099-11-21 10:00 UTC); a "
            "file can only hold times up to now",
        ),
        (
            "2026-03-05 00:05,api,up,false,-5",
            "latency_ms -5 is negative; give the latency in milliseconds, 0 or more",
        ),
        ("2026-03-05 00:05,api,up,false,inf", "latency_ms 'inf' is not a number"),
    ],
)
def test_a_sample_at_a_relative_or_future_time_is_refused(
    project: Path, row: str, reason: str
) -> None:
    write_samples(project / "samples.csv", down=0, total=10)
    text = (project / "samples.csv").read_text().splitlines()
    text[6] = row
    (project / "samples.csv").write_text("\n".join(text) + "\n")

    result = run("import", "metrics", "samples.csv", expect=2)

    assert result.stderr == f"Error: samples.csv line 7: {reason}{REFUSED}\n"
    with sqlite3.connect(project / "hypercare.db") as conn:
        assert conn.execute("SELECT count(*) FROM metric_samples").fetchone() == (0,)


@pytest.mark.parametrize(
    ("check", "shown"),
    [
        (["api"], '["api"]'),
        ("a\u0000pi", '"a\\u0000pi"'),
        ("api\nweb", '"api\\nweb"'),
        ("  ", '"  "'),
        (5, "5"),
    ],
)
def test_a_check_name_must_be_one_line_of_text(
    project: Path, check: object, shown: str
) -> None:
    sample = {"timestamp": "2026-03-05T10:00:00Z", "check": check, "status": "up"}
    (project / "samples.jsonl").write_text(
        '{"timestamp": "2026-03-05T09:00:00Z", "check": "api", "status": "up"}\n'
        + json.dumps(sample)
        + "\n",
        encoding="utf-8",
    )

    result = run("import", "metrics", "samples.jsonl", expect=2)

    assert result.stderr == (
        f"Error: samples.jsonl line 2: check {shown} is not a check name; give it "
        f"as text on one line, without control characters{REFUSED}\n"
    )
    assert _sample_count(project) == 0


def _sample_count(project: Path) -> int:
    with sqlite3.connect(project / "hypercare.db") as conn:
        count: int = conn.execute("SELECT count(*) FROM metric_samples").fetchone()[0]
    return count


def test_one_check_at_one_time_twice_with_other_values_is_a_bad_row(
    project: Path,
) -> None:
    (project / "samples.csv").write_text(
        "timestamp,check,status\n"
        "2026-03-05 11:00,web,down\n"
        "2026-03-05 11:00,web,down\n"  # the same sample again: one sample
        "2026-03-05 11:00,web,up\n",
        encoding="utf-8",
    )

    refused = run("import", "metrics", "samples.csv", expect=2)
    kept = run("import", "metrics", "samples.csv", "--skip-bad")

    assert refused.stderr == (
        "Error: samples.csv line 4: check web at 2026-03-05 11:00 UTC was already "
        f"given on line 2 with other values; keep one of them{REFUSED}\n"
    )
    assert kept.stdout.startswith("Read 2 samples: 1 added, 1 already there.\n")
    assert _sample_count(project) == 1


def test_a_dry_run_counts_the_samples_and_writes_nothing(project: Path) -> None:
    write_samples(project / "samples.csv", down=0, total=10)

    out = run("import", "metrics", "samples.csv", "--dry-run").stdout

    assert out == (
        "Read 10 samples: 10 would be added, 0 already there.\n"
        "Dry run: nothing was written.\n"
    )
    assert _sample_count(project) == 0


def test_skip_bad_imports_the_other_samples_and_lists_the_bad(project: Path) -> None:
    write_samples(project / "samples.csv", down=0, total=10)
    text = (project / "samples.csv").read_text().splitlines()
    text[3] = "2026-03-05 00:02,api,sideways,false,120"
    text[6] = "1h ago,api,up,false,120"
    (project / "samples.csv").write_text("\n".join(text) + "\n")

    out = run("import", "metrics", "samples.csv", "--skip-bad").stdout

    assert out == (
        "Read 8 samples: 8 added, 0 already there.\n"
        "Skipped 2 bad rows:\n"
        "  line 4: status 'sideways' is not up/down, true/false or 1/0\n"
        "  line 7: cannot read the time '1h ago': it is relative; a file's times "
        "must be absolute, like 2026-03-05 14:30, so that importing it again gives "
        "the same times\n"
    )
    assert _sample_count(project) == 8


def test_skip_bad_goes_past_a_line_that_is_not_json(project: Path) -> None:
    (project / "samples.jsonl").write_text(
        '{"timestamp": "2026-03-05T10:00:00Z", "check": "api", "status": "up"}\n'
        "{broken\n"
        '{"timestamp": "2026-03-05T10:02:00Z", "check": "api", "status": "up"}\n',
        encoding="utf-8",
    )

    out = run("import", "metrics", "samples.jsonl", "--skip-bad").stdout

    assert out.splitlines()[1:] == [
        "Skipped 1 bad row:",
        "  line 2: not valid JSON (Expecting property name enclosed in double quotes)",
    ]
    assert _sample_count(project) == 2


# --- formats and CI -----------------------------------------------------------------


def test_junit_has_one_test_case_per_criterion(project: Path) -> None:
    run(
        "exit-check",
        "--as-of",
        "2026-03-20 09:00",
        "--format",
        "junit",
        "--output",
        "exit.xml",
        expect=1,
    )

    root = ET.parse(project / "exit.xml").getroot()
    cases = root.findall("./testsuite/testcase")
    # The 10 default criteria: 2 sign-offs fail, the 8 others have no data.
    assert len(cases) == 10
    assert [c.get("name") for c in cases][:2] == ["no-p1-72h", "no-old-p2"]
    assert root.get("tests") == "10"
    assert root.get("failures") == "10"
    assert len(root.findall(".//failure[@type='fail']")) == 2
    assert len(root.findall(".//failure[@type='unknown']")) == 8


def test_junit_shows_unknown_as_skipped_when_tolerated(project: Path) -> None:
    out = run(
        "exit-check",
        "--as-of",
        "2026-03-20 09:00",
        "--format",
        "junit",
        "--allow-unknown",
        expect=1,
    ).stdout

    root = ET.fromstring(out)
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("skipped")) == ("2", "8")
    assert len(root.findall(".//skipped")) == 8


def test_markdown_escapes_user_text(project: Path) -> None:
    set_criteria(project, NO_P1)
    run(
        "log",
        "Totals | wrong [see] <script>",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--at",
        "2026-03-02 10:00",
    )

    out = run(
        "exit-check", "--format", "md", "--as-of", "2026-03-06 10:00", expect=1
    ).stdout

    assert "| no-p1-72h | FAIL | 1 P1 issue open in 72 h |" in out
    assert "Totals \\| wrong \\[see\\] \\<script\\>" in out
    assert "<script>" not in out


def test_github_actions_annotations_and_job_summary(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = project / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    set_criteria(
        project,
        NO_P1,
        {"name": "trained", "rule": "signoff", "signoff": "support-trained"},
    )
    p1_resolved_at("2026-03-02 12:00")

    result = run(
        "exit-check",
        "--as-of",
        "2026-03-05 11:00",
        "--format",
        "junit",
        "--output",
        "exit.xml",
        expect=1,
    )

    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert errors[0].startswith(
        "::error title=Exit criterion no-p1-72h%3A FAIL::1 P1 "
        "issue open in 72 h. P1 issue 1 was open"
    )
    assert errors[1] == (
        "::error title=Exit criterion trained%3A FAIL::missing. Sign-off "
        "'support-trained' is missing; record it with: hypercare "
        "signoff support-trained --by WHO."
    )
    text = summary.read_text(encoding="utf-8")
    assert text.startswith(
        "earlier step\n## Exit check as of 2026-03-05 11:00 UTC: FAIL"
    )
    assert "| trained | FAIL | missing | signed |" in text


def test_a_job_summary_that_cannot_be_written_leaves_the_verdict(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(project / "gone" / "summary.md"))
    set_criteria(project, NO_P1)

    # No P1 data yet: the gate says unknown, exit 1; not 2 for the summary.
    result = run(
        "exit-check", "--as-of", "2026-03-05 11:00", "--format", "json", expect=1
    )

    assert result.json()["status"] == "fail"
    assert result.stderr.splitlines()[-1] == (
        "Warning: could not add the job summary to GITHUB_STEP_SUMMARY "
        f"({project / 'gone' / 'summary.md'}: No such file or directory); the "
        "exit check is unaffected"
    )


def test_no_annotations_outside_github_actions(project: Path) -> None:
    set_criteria(
        project, {"name": "trained", "rule": "signoff", "signoff": "support-trained"}
    )

    result = run("exit-check", "--format", "md", expect=1)

    assert "::error" not in result.stdout + result.stderr


# --- the shared ServiceNow data -------------------------------------------------------


def _p1_open_in_window(
    path: Path, since: datetime, until: datetime
) -> tuple[set[str], set[str]]:
    """From the CSV: incidents open (state not Resolved/Closed) at priority
    1 - Critical at some moment in [since, until], each row's values holding
    from its sys_updated_at (the first row's from opened_at).

    Also returns the incidents whose final run of Resolved rows started by
    ``since`` but whose resolved_at is after it: the importer places the move
    into resolved at the end of that run (at resolved_at, the resolution
    moment of the measures), so from the events those look open until then.
    """

    def when(text: str) -> datetime:
        return datetime.strptime(text, "%d/%m/%Y %H:%M")

    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["number"]].append(row)
    literal: set[str] = set()
    late_resolution: set[str] = set()
    for number, events in rows.items():
        opened = when(events[0]["opened_at"])
        if opened > until:
            continue
        moments = [opened] + [
            max(when(e["sys_updated_at"]), opened) for e in events[1:]
        ]
        for index, event in enumerate(events):
            start = moments[index]
            end = moments[index + 1] if index + 1 < len(events) else None
            if start > until or (end is not None and end <= start):
                continue
            is_open = event["incident_state"] not in ("Resolved", "Closed")
            if (
                is_open
                and event["priority"] == "1 - Critical"
                and (end is None or end > since)
            ):
                literal.add(number)
        run_start = None
        for index, event in enumerate(events):
            if event["incident_state"] == "Resolved":
                run_start = run_start or moments[index]
            elif event["incident_state"] != "Closed":
                run_start = None
        resolved = events[-1]["resolved_at"]
        if (
            run_start is not None
            and resolved != "?"
            and run_start <= since
            and when(resolved) > since
            and events[-1]["priority"] == "1 - Critical"
        ):
            late_resolution.add(number)
    return literal, late_resolution


@pytest.mark.slow
def test_servicenow_fails_no_p1_for_72h_listing_the_p1_issues(project: Path) -> None:
    import sqlite3

    run("init", "--force", "--go-live", "2016-02-29T00:00:00Z", "--tz", "UTC")
    run("import", "servicenow", str(SERVICENOW_CSV))

    report = check("--only", "no-p1-72h", "--as-of", "2016-03-13 23:59", expect=1)

    [result] = report["criteria"]
    assert result["status"] == "fail"
    ids = sorted({item["issue"] for item in result["evidence"]})
    with sqlite3.connect(project / "hypercare.db") as db:
        refs = {
            row[0]
            for row in db.execute(
                "SELECT external_ref FROM issues WHERE id IN "
                f"({','.join('?' * len(ids))})",
                ids,
            )
        }
    literal, late = _p1_open_in_window(
        SERVICENOW_CSV, datetime(2016, 3, 10, 23, 59), datetime(2016, 3, 13, 23, 59)
    )
    assert len(literal) == 19
    assert literal <= refs
    assert refs - literal <= late


# --- the CI examples ---------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "ci"


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_the_ci_examples_run_the_gate_on_a_schedule(project: Path, name: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    gate = "hypercare exit-check --format junit --output exit-check.xml"

    assert gate in text
    assert "schedule" in text
    assert "pip install ." in text
    # The gate's command line works: it writes the report and fails on missing
    # sign-offs.
    run(*gate.split()[1:], expect=1)
    assert ET.parse(project / "exit-check.xml").getroot().tag == "testsuites"


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        (
            {"clock": "respond"},
            "exit criterion 'sla': clock must be 'acknowledge' or 'resolve'",
        ),
        (
            {"percent": 150},
            "exit criterion 'sla': percent must be a number above 0 and at most 100",
        ),
        (
            {"window_days": 0},
            "exit criterion 'sla': window_days must be a number above 0 and at most "
            "36500 (100 years)",
        ),
        # Numbers this large ended in OverflowError (exit 3) once evaluated.
        (
            {"window_days": 99999999999},
            "exit criterion 'sla': window_days must be a number above 0 and at most "
            "36500 (100 years)",
        ),
        (
            {"percent": float("nan")},
            "exit criterion 'sla': percent must be a number above 0 and at most 100",
        ),
    ],
)
def test_bad_criterion_parameters_are_config_errors(
    project: Path, extra: dict[str, Any], error: str
) -> None:
    spec = {
        "name": "sla",
        "rule": "sla_compliance",
        "priority": "P2",
        "percent": 90,
        "window_days": 14,
        "clock": "resolve",
    }
    set_criteria(project, {**spec, **extra})

    result = run("exit-check", expect=2)

    assert result.stderr == f"Error: {project / 'hypercare.toml'}: {error}\n"


@pytest.mark.parametrize(
    ("criterion", "error"),
    [
        (
            {**NO_P1, "hours": 1e300},
            "exit criterion 'no-p1-72h': hours must be a number above 0 and at most "
            "876000 (100 years)",
        ),
        (
            {**NO_P1, "hours": float("inf")},
            "exit criterion 'no-p1-72h': hours must be a number above 0 and at most "
            "876000 (100 years)",
        ),
        (
            {**NO_P1, "hours": 9223372036854775807},
            "exit criterion 'no-p1-72h': hours must be a number above 0 and at most "
            "876000 (100 years)",
        ),
        (
            {"name": "steady", "rule": "backlog_not_growing", "days": 36501},
            "exit criterion 'steady': days must be a number above 0 and at most 36500 "
            "(100 years)",
        ),
        (
            {
                "name": "csat",
                "rule": "csat_at_least",
                "percent": 80,
                "min_responses": -1,
                "window_days": 14,
            },
            "exit criterion 'csat': min_responses must be a whole number from 0 to "
            "1000000",
        ),
    ],
)
def test_criterion_numbers_out_of_range_are_config_errors(
    project: Path, criterion: dict[str, Any], error: str
) -> None:
    set_criteria(project, criterion)

    result = run("exit-check", expect=2)

    assert result.stderr == f"Error: {project / 'hypercare.toml'}: {error}\n"


def test_criteria_at_their_limits_still_evaluate(project: Path) -> None:
    set_criteria(
        project,
        {**NO_P1, "hours": 876000},
        {"name": "steady", "rule": "backlog_not_growing", "days": 36500},
        {
            "name": "csat",
            "rule": "csat_at_least",
            "percent": 100,
            "min_responses": 0,
            "window_days": 36500,
        },
    )

    run("exit-check", "--as-of", "2026-03-20 09:00", expect=1)


def test_a_signoff_no_criterion_uses_is_refused_unless_forced(project: Path) -> None:
    args = ("signoff", "suport-trained", "--by", "Dana", "--at", "2026-03-10 09:00")

    result = run(*args, expect=2)

    assert result.stderr == (
        "Error: no exit criterion uses sign-off 'suport-trained' (the criteria "
        "use: support-trained, handover-accepted); check the spelling, add a "
        "signoff criterion to hypercare.toml, or record it anyway with --force\n"
    )
    assert sqlite3.connect(project / "hypercare.db").execute(
        "SELECT count(*) FROM signoff_events"
    ).fetchone() == (0,)
    assert run(*args, "--force").stdout.startswith("Sign-off 'suport-trained' signed")


def test_json_keys_are_stable(project: Path) -> None:
    report = check("--as-of", "2026-03-20 09:00", expect=1)

    assert list(report) == ["as_of", "status", "allow_unknown", "counts", "criteria"]
    assert list(report["criteria"][0]) == [
        "name",
        "rule",
        "description",
        "status",
        "measured",
        "threshold",
        "value",
        "limit",
        "detail",
        "evidence",
        "passes_at",
        "window",
    ]
    assert report["as_of"] == "2026-03-20T09:00:00Z"


def test_a_gate_without_criteria_does_not_pass(project: Path) -> None:
    set_criteria(project)

    out = run("exit-check", "--as-of", "2026-03-20 09:00", expect=1).stdout

    assert out == (
        "No exit criteria are configured.\n\nExit check as of "
        "2026-03-20 09:00 UTC: FAIL: no exit criteria are configured (add "
        "[[exit_criteria]] to hypercare.toml).\n"
    )


def test_a_gate_without_criteria_in_markdown_is_its_heading(project: Path) -> None:
    set_criteria(project)

    out = run("exit-check", "--as-of", "2026-03-20 09:00", "--format", "md", expect=1)

    assert out.stdout == (
        "## Exit check as of 2026-03-20 09:00 UTC: FAIL: no exit criteria are "
        "configured (add \\[\\[exit\\_criteria\\]\\] to hypercare.toml).\n"
    )


def test_a_gate_without_criteria_fails_in_junit_and_on_github(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_criteria(project)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)

    done = run("exit-check", "--format", "junit", expect=1)

    root = ET.fromstring(done.stdout)
    assert (root.get("tests"), root.get("failures")) == ("1", "1")
    [case] = root.findall(".//testcase")
    assert case.get("name") == "exit criteria are configured"
    [failure] = case.findall("failure")
    assert failure.get("message") == (
        "no exit criteria are configured (add [[exit_criteria]] to hypercare.toml)"
    )
    assert done.stderr == (
        "::error title=Exit check%3A FAIL::no exit criteria are configured "
        "(add [[exit_criteria]] to hypercare.toml)\n"
    )


def test_control_characters_in_a_title_keep_junit_and_ci_output_safe(
    project: Path,
) -> None:
    (project / "jira.csv").write_text(
        "Summary,Issue key,Issue Type,Status,Priority,Created,Updated\n"
        '"Pay run \x1b[31mred\n::warning::injected",PAY-9,Bug,In Progress,Highest,'
        "02/Mar/26 9:15 AM,02/Mar/26 9:15 AM\n",
        encoding="utf-8",
    )
    run("import", "jira", "jira.csv")
    as_of = ("--as-of", "2026-03-03 09:00", "--only", "no-p1-72h")

    junit = run("exit-check", *as_of, "--format", "junit", expect=1).stdout
    text = run("exit-check", *as_of, expect=1).stdout

    [failure] = ET.fromstring(junit).findall(".//failure")
    assert "issue 1: Pay run \\u001b[31mred ::warning::injected (open" in (
        failure.text or ""
    )
    assert not any(line.startswith("::") for line in text.splitlines())


def test_an_issue_logged_after_the_fact_replays_in_its_own_time(
    project: Path,
) -> None:
    # Typed in now, reported on 5 March and worked through then with --at:
    # open 10:00-11:00 that day only. As of now (after it was typed in), no
    # P1 is open in the last 72 h and its one resolution took 60 minutes.
    set_criteria(project, NO_P1)
    run("log", "Payroll run fails", "--reported-at", "2026-03-05 10:00")
    run(
        "triage",
        "1",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--at",
        "2026-03-05 10:05",
    )
    run("resolve", "1", "--code", "fixed", "--at", "2026-03-05 11:00")
    run("close", "1", "--at", "2026-03-05 12:00")

    [result] = check(expect=0)["criteria"]
    kpi = run("kpi", "--since", "2026-03-01", "--format", "json").json()

    assert result["status"] == "pass"
    assert kpi["mttr"]["P1"]["count"] == 1
    assert kpi["mttr"]["P1"]["mean_minutes"] == 60.0


def test_github_annotations_stay_out_of_a_markdown_report_on_stdout(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    set_criteria(project, NO_P1)
    p1_resolved_at("2026-03-02 12:00")

    result = run(
        "exit-check", "--as-of", "2026-03-03 11:00", "--format", "md", expect=1
    )

    assert not any(line.startswith("::") for line in result.stdout.splitlines())
    assert result.stderr.startswith("::error title=Exit criterion no-p1-72h")


@pytest.mark.parametrize("as_of", ["", "2999-01-01", "someday"])
def test_known_issues_checks_as_of_in_every_format(project: Path, as_of: str) -> None:
    result = run("known-issues", "--format", "json", "--as-of", as_of, expect=2)

    assert result.stderr.startswith("Error: ")
    assert result.stdout == ""
