"""The root command: global options, command registration, error handling.

``_Group.invoke`` is the one place where failures become messages and exit
statuses: a ``HypercareError`` is one ``Error:`` line and exit 2; anything
unexpected is a bug, exit 3, with a traceback only under ``--debug``.
"""

from __future__ import annotations

import errno
import gc
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from hypercare import __version__
from hypercare.cli import context, output
from hypercare.cli.exit_codes import ExitCode
from hypercare.errors import HypercareError, InputError


class _Group(TyperGroup):
    """Turns errors into one line and a named exit status."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except HypercareError as exc:
            output.error(str(exc))
            raise typer.Exit(ExitCode.BAD_INPUT) from None
        except typer.Abort:
            # A prompt met Ctrl-C or the end of input (Ctrl-D): the user
            # stopped, which is neither a failed check nor bad input.
            output.echo_err("Interrupted.")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except (typer.Exit, KeyboardInterrupt, NoArgsIsHelpError):
            raise  # a bare group (`hypercare import`) shows its help, as asked
        except UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else _named_command(ctx)
            raise _usage_error(exc, where) from None
        except BrokenPipeError:
            # The reader went away (`hypercare export | head`): not an error,
            # but a check that failed still says so.
            _quiet_stdout()
            failed = context.current().has_failed_check
            raise typer.Exit(ExitCode.CHECK_FAILED if failed else ExitCode.OK) from None
        except OSError as exc:
            # A path the user gave that cannot be read or written: a missing
            # folder, a folder where a file was expected, no permission.
            if context.current().has_written():
                # The change is in; only what it prints was lost.
                output.error(
                    "the change was recorded, but what the command prints could "
                    f"not be written ({exc.strerror}); 'hypercare list' shows the "
                    "change, so do not repeat the command"
                )
            else:
                output.error(_describe_os_error(exc))
            raise typer.Exit(ExitCode.BAD_INPUT) from None
        except UnicodeDecodeError as exc:
            output.error(
                f"a file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                "save it as UTF-8 (CSV UTF-8 in a spreadsheet) and try again"
            )
            raise typer.Exit(ExitCode.BAD_INPUT) from None
        except Exception as exc:
            if _is_click_exception(exc):
                raise
            known = _describe_input_failure(exc)
            if known is not None:
                output.error(known)
                raise typer.Exit(ExitCode.BAD_INPUT) from None
            if context.current().debug:
                traceback.print_exc()
            output.error(
                f"internal error ({type(exc).__name__}: {exc}); this is a bug in "
                "hypercare. Run again with --debug for the traceback and report it."
            )
            raise typer.Exit(ExitCode.BUG) from None
        finally:
            context.current().close()

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # A usage error in the root's own options (`hypercare --bogus`) is one
        # line too, not click's usage block.
        try:
            return list(super().parse_args(ctx, args))
        except NoArgsIsHelpError:
            raise  # bare `hypercare`: show the help, as asked
        except UsageError as exc:
            raise _usage_error(exc, "hypercare") from None
        except BrokenPipeError:
            # `hypercare --help | head`: the reader has what it wanted.
            _quiet_stdout()
            raise typer.Exit(ExitCode.OK) from None
        except OSError as exc:  # --help or --version into a full disk
            output.error(_describe_os_error(exc))
            raise typer.Exit(ExitCode.BAD_INPUT) from None

    def list_commands(self, ctx: Any) -> list[str]:
        # Commands in the order they were registered, which follows the
        # flow of an issue, rather than alphabetically.
        return list(self.commands)


def _quiet_stdout() -> None:
    """Point stdout at the null device, so the final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _usage_error(exc: UsageError, where: str) -> typer.Exit:
    """Say a usage error in one line, like every other bad input; exit 2."""
    output.error(f"{exc.format_message().rstrip('.')} (see '{where} --help')")
    return typer.Exit(ExitCode.BAD_INPUT)


def _named_command(ctx: Any) -> str:
    """``hypercare CMD`` for an error raised without its command's context.

    Some option errors ("requires an argument") carry no context; the root's
    own context still names the command it was running.
    """
    name = getattr(ctx, "invoked_subcommand", None)
    return f"hypercare {name}" if name else "hypercare"


def _describe_os_error(exc: OSError) -> str:
    where = exc.filename if exc.filename is not None else "the output"
    if exc.errno == errno.ENOSPC:
        return f"no space left to write {where}; free some space and try again"
    if exc.errno == errno.ENAMETOOLONG:
        return f"{where}: the name is too long; give a shorter file name"
    if exc.errno == errno.ELOOP:
        return f"{where} is a link that leads back to itself; give a file"
    if isinstance(exc, IsADirectoryError):
        return f"{where} is a folder; give the path of a file"
    if isinstance(exc, FileNotFoundError):
        return (
            f"{where}: no such file or folder; check the path and that its "
            "folder exists"
        )
    if isinstance(exc, PermissionError):
        return f"no permission to use {where}; check who may read or write it"
    return (
        f"cannot use {where}: {exc.strerror or exc}; check the path, that its folder "
        "exists and that you may write there"
    )


def _describe_input_failure(exc: Exception) -> str | None:
    """The message for a failure caused by what the user gave, else None (a bug).

    These come from deep inside SQLite or the codecs, wherever a value or a
    file reaches them, so they are named here once rather than at every call.
    """
    text = str(exc)
    if isinstance(exc, UnicodeEncodeError) and "surrogates" in text:
        # The shell passed bytes that are not UTF-8 (an argument or stdin).
        return (
            "some text given is not valid UTF-8; retype it, or check that the "
            "terminal or file uses UTF-8"
        )
    if isinstance(exc, OverflowError) and "SQLite INTEGER" in text:
        return (
            "a number given is too large (the largest is 9223372036854775807); "
            "check the issue number or count"
        )
    # Imported here, not at the top: --help and other commands that never
    # open the database should not pay for the module.
    import sqlite3

    if isinstance(exc, sqlite3.DatabaseError):
        return _describe_database_failure(text)
    return None


def _describe_database_failure(text: str) -> str | None:
    where = context.current().opened_db() or "the database"
    if "readonly" in text:
        return (
            f"cannot write {where}: the file or its folder is read-only; copy it "
            "somewhere writable or fix its permissions"
        )
    if "malformed" in text or "not a database" in text:
        return (
            f"{where} is damaged ({text}); restore it from a backup, or run "
            "'hypercare init' in a new folder"
        )
    if "no such table" in text or "no such column" in text:
        return (
            f"{where} is not a complete hypercare database ({text}); restore it "
            "from a backup or run 'hypercare init' in a new folder"
        )
    if "locked" in text or "busy" in text:
        return (
            f"{where} stayed locked by another process ({text}); try again when "
            "it has finished"
        )
    return None


def _is_click_exception(exc: Exception) -> bool:
    return type(exc).__module__.startswith("typer._click")


def _new_root() -> typer.Typer:
    return typer.Typer(
        cls=_Group,
        name="hypercare",
        help="Run the hypercare period after a go-live: log, triage and resolve "
        "issues, report daily and decide from evidence when to hand over to support."
        "\n\nExample: hypercare --config pilot/hypercare.toml list --status open",
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


def root(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="<path>",
            help="The database file (else HYPERCARE_DB, "
            "else the one named by the nearest hypercare.toml).",
        ),
    ] = None,
    config: Annotated[
        str | None,
        typer.Option(
            "--config",
            metavar="<path>",
            help="The config file (else HYPERCARE_CONFIG, "
            "else the nearest hypercare.toml upward).",
        ),
    ] = None,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            help="More detail on stderr (repeat for more).",
            show_default=False,
        ),
    ] = 0,
    quiet: Annotated[
        int,
        typer.Option(
            "--quiet",
            "-q",
            count=True,
            help="Less detail on stderr (repeat for less).",
            show_default=False,
        ),
    ] = 0,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of bugs.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
) -> None:
    """Hypercare: triage, measure and hand over after a go-live."""
    resume_gc()
    output.setup_logging(verbose - quiet)
    # Path("") is the current folder: an empty value (an unset variable in a
    # script) would be read as "." and reported as a folder.
    for flag, given in (("--db", db), ("--config", config)):
        if given is not None and not given.strip():
            raise InputError(f"{flag} is empty; give a file, or leave {flag} out")
    context.reset(
        context.Env(
            db_option=Path(db) if db is not None else None,
            config_option=Path(config) if config is not None else None,
            debug=debug,
        )
    )


# The modules that add commands, in the order --help lists them (the flow of
# an issue). Each has register(app).
COMMAND_MODULES = (
    "cmd_setup",
    "cmd_capture",
    "cmd_lifecycle",
    "cmd_read",
    "cmd_import",
    "cmd_kpi",
    "cmd_reports",
    "cmd_exit",
    "cmd_loop",
    "cmd_demo",
)
_ROOT_OPTIONS_WITH_VALUE = ("--db", "--config")


def build_app(only: str | None = None) -> typer.Typer:
    """The hypercare command; with ``only``, just that one command under the root.

    Typer turns every registered command into a click command on each run,
    which costs more than the command itself for the quick ones, so the
    console entry point builds only the command it was asked for.
    """
    import importlib

    app = _new_root()
    app.callback()(root)
    for name in COMMAND_MODULES:
        importlib.import_module(f"hypercare.cli.{name}").register(app)
    if only is not None:
        _keep_only(app, only)
    return app


def _keep_only(app: typer.Typer, name: str) -> None:
    from typer.main import get_command_name

    commands = [
        info
        for info in app.registered_commands
        if (info.name or get_command_name(info.callback.__name__)) == name  # type: ignore[union-attr]
    ]
    groups = [info for info in app.registered_groups if info.name == name]
    # An unknown name keeps everything, so the usage error can suggest one.
    if commands or groups:
        app.registered_commands = commands
        app.registered_groups = groups


def _command_name(args: list[str]) -> str | None:
    """The command named on the command line, skipping the root options."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _ROOT_OPTIONS_WITH_VALUE:
            skip = True
        elif arg.startswith("-"):
            if arg in ("-h", "--help", "--version"):
                return None
        else:
            return arg
    return None


def _open_closed_streams() -> None:
    """Give a stream the shell closed (`hypercare list >&-`) to the null device.

    Python sets a closed standard stream to None; reading then finds no input
    (no terminal, so prompts refuse) and writing goes nowhere, as it would
    to a reader that went away.
    """
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115


def __getattr__(name: str) -> typer.Typer:
    # `app` (the whole command, for tests and embedding) is built on first use.
    if name == "app":
        built = build_app()
        globals()["app"] = built
        return built
    raise AttributeError(name)


def _end_on_terminate() -> None:
    """SIGTERM and SIGHUP end a command the way Ctrl-C does, cleanups run.

    Python's default is to die at once, which would leave an --output's
    half-written file beside the real one. The exit status is the shell's
    128 + the signal's number.
    """
    import signal  # already loaded by the standard library at start-up

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


# True while the cycle collector is paused for start-up (see hypercare.__main__).
_gc_paused = False


def resume_gc() -> None:
    """End the start-up pause of the cycle collector, if this run began one.

    What exists by now (modules, classes, the parsed command) lives until the
    process ends, so it is frozen: later collections skip it.
    """
    global _gc_paused
    if _gc_paused:
        _gc_paused = False
        gc.freeze()
        gc.enable()


def main(gc_paused: bool = False) -> None:
    """Console entry point; ``gc_paused`` says the caller paused the collector."""
    global _gc_paused
    _gc_paused = gc_paused
    _open_closed_streams()
    _end_on_terminate()
    try:
        build_app(_command_name(sys.argv[1:]))()
    except KeyboardInterrupt:
        output.echo_err("Interrupted.")
        sys.exit(ExitCode.INTERRUPTED)
    finally:
        # --help, --version and usage errors end before the root command runs.
        resume_gc()
