"""Every exit status hypercare uses, by name."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    CHECK_FAILED = 1  # a check (exit-check) did not pass
    BAD_INPUT = 2  # bad usage or bad input: every HypercareError
    BUG = 3  # an exception nobody anticipated
    INTERRUPTED = 130
