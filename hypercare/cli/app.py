"""The root command: global options, command registration, error handling.

``_Group.invoke`` is the one place where failures become messages and exit
statuses: a ``HypercareError`` is one ``Error:`` line and exit 2; anything
unexpected is a bug, exit 3, with a traceback only under ``--debug``.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from hypercare import __version__
from hypercare.cli import context, output
from hypercare.cli.exit_codes import ExitCode
from hypercare.errors import HypercareError


class _Group(TyperGroup):
    """Turns errors into one line and a named exit status."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except HypercareError as exc:
            output.error(str(exc))
            raise typer.Exit(ExitCode.BAD_INPUT) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if _is_click_exception(exc):
                raise
            if context.current().debug:
                traceback.print_exc()
            output.error(
                f"internal error ({type(exc).__name__}: {exc}); this is a bug in "
                "hypercare. Run again with --debug for the traceback and report it."
            )
            raise typer.Exit(ExitCode.BUG) from None
        finally:
            context.current().close()

    def list_commands(self, ctx: Any) -> list[str]:
        # Commands in the order they were registered, which follows the
        # flow of an issue, rather than alphabetically.
        return list(self.commands)


def _is_click_exception(exc: Exception) -> bool:
    return type(exc).__module__.startswith("typer._click")


app = typer.Typer(
    cls=_Group,
    name="hypercare",
    help="Run the hypercare period after a go-live: log, triage and resolve issues, "
    "report daily and decide from evidence when to hand over to support.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        output.echo(f"hypercare {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Annotated[
        Path | None, typer.Option("--db", help="The database file (else HYPERCARE_DB, "
                                  "else the one named by the nearest hypercare.toml).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="The config file (else HYPERCARE_CONFIG, "
                                  "else the nearest hypercare.toml upward).")
    ] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                         help="More detail on stderr.")] = 0,
    quiet: Annotated[int, typer.Option("--quiet", "-q", count=True,
                                       help="Less detail on stderr.")] = 0,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of bugs.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True,
                           help="Show the version and exit.")
    ] = False,
) -> None:
    """Hypercare: triage, measure and hand over after a go-live."""
    output.setup_logging(verbose - quiet)
    context.reset(context.Env(db_option=db, config_option=config, debug=debug))


def _register() -> None:
    # Each module adds its commands; imports inside modules stay light so
    # that start-up only pays for what the chosen command uses.
    from hypercare.cli import cmd_capture, cmd_lifecycle, cmd_read, cmd_setup

    for module in (cmd_setup, cmd_capture, cmd_lifecycle, cmd_read):
        module.register(app)
    for name in _OPTIONAL_MODULES:
        module = _load(name)
        if module is not None:
            module.register(app)


# Command groups added by later features; each is a cli module with register().
_OPTIONAL_MODULES = (
    "cmd_import",
    "cmd_kpi",
    "cmd_reports",
    "cmd_exit",
    "cmd_loop",
    "cmd_demo",
)


def _load(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(f"hypercare.cli.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"hypercare.cli.{name}":
            return None
        raise


_register()


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        output.echo_err("Interrupted.")
        sys.exit(ExitCode.INTERRUPTED)
