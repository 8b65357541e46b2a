"""``hypercare demo``: a hypercare built from real shipped data, with its reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from hypercare.cli import context, output
from hypercare.cli.context import current
from hypercare.cli.exit_codes import ExitCode
from hypercare.cli.options import path_given
from hypercare.errors import InputError


def demo(
    folder: Annotated[
        Path,
        typer.Option(
            "--dir",
            help="Folder for the demo's config and database.",
            parser=path_given,
            metavar="<path>",
        ),
    ] = Path("hypercare-demo"),
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Show the reports as of this moment "
            "(default: 2016-03-08 09:00, inside the data's fortnight).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Rebuild the demo in a folder that has one (never over a "
            "hypercare that is not a demo).",
        ),
    ] = False,
) -> None:
    """Build a demo hypercare from the ServiceNow data shipped with hypercare,
    then show its stand-up report and exit check.

    Works offline. The exit check failing is expected a week after go-live;
    the demo itself exits 0 when it was built and shown.

    Example: hypercare demo --dir /tmp/demo --as-of "2016-03-10 09:00"
    """
    from hypercare.core.demo import DEFAULT_AS_OF, build_demo, describe
    from hypercare.core.when import CLOCK_SKEW, parse_when, zone

    env = current()
    moment = DEFAULT_AS_OF if as_of is None else as_of
    # Read --as-of as the demo's config will (UTC, day first) before building:
    # a refusal after the build would leave the folder holding a demo.
    when = parse_when(
        moment, now=env.now(), tz=zone("UTC"), day_first=True, flag="--as-of"
    )
    if when > env.now() + CLOCK_SKEW:
        raise InputError(
            f"--as-of {moment} is in the future; give a time up to now, such as "
            f"the default {DEFAULT_AS_OF}"
        )
    built = describe(build_demo(folder.resolve(), now=env.now(), is_forced=force))
    output.echo(
        f"Built a demo hypercare in {built['folder']}: {built['issues']:,} "
        f"issues, {built['events']:,} events from {built['rows']:,} audit rows."
    )
    output.echo(f"Data: {built['data']}.")

    # From here on, every command function works on the demo's hypercare.
    config = Path(built["folder"]) / "hypercare.toml"
    context.reset(context.Env(config_option=config, debug=env.debug))
    _show("Stand-up", moment, _standup)
    _show("Exit check", moment, _exit_check)
    output.echo(
        f"\nExplore it: cd {built['folder']}, then hypercare kpi --as-of '{moment}', "
        f"hypercare brief --as-of '{moment}', hypercare show 187 "
        "(every issue in the sample was closed in the end, so a plain "
        "'hypercare list' shows them all closed)"
    )


def _show(title: str, moment: str, shown: Callable[[str], None]) -> None:
    output.echo(f"\n== {title} as of {moment} ==\n")
    shown(moment)


def _standup(moment: str) -> None:
    from hypercare.cli.cmd_reports import standup

    standup(as_of=moment, since=None, fmt="rich", output_file=None)


def _exit_check(moment: str) -> None:
    from hypercare.cli.cmd_exit import exit_check

    try:
        exit_check(
            as_of=moment,
            fmt="rich",
            output_file=None,
            allow_unknown=False,
            only=None,
            list_=False,
        )
    except typer.Exit as done:
        # A failing check exits 1 when run on its own; in the demo it is the
        # expected outcome a week after go-live, not a failure of the demo.
        if done.exit_code != ExitCode.CHECK_FAILED:
            raise


def register(app: typer.Typer) -> None:
    app.command()(demo)
