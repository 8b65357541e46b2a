"""The ``hypercare`` command's entry point, also run by ``python -m hypercare``.

Start-up is the product's speed: a triage lead runs hypercare dozens of
times an hour. Most of a quick command's time goes to importing typer (with
the pydantic coercion it builds) and hypercare itself, and nearly every
object those imports make lives until the process ends. Python's cycle
collector would walk them again and again as they age, so it is paused
here, before any of those imports, and the root command resumes it once the
arguments are read (``hypercare.cli.app.resume_gc``), with everything made
by then frozen out of later collections. Only ``gc`` is imported here.
"""

import gc


def main() -> None:
    """Run the command line with the cycle collector paused for start-up."""
    gc.disable()
    from hypercare.cli import app

    app.main(gc_paused=True)


if __name__ == "__main__":
    main()
