"""Errors that mean bad usage or bad input (exit status 2).

Every message is one line that names the thing at fault and says what would
work. The CLI turns these into ``Error: <message>``; nothing here imports
the rest of hypercare.
"""


class HypercareError(Exception):
    """Bad usage or bad input that the user can fix."""


class ConfigError(HypercareError):
    """The TOML config is missing, malformed or names something unknown."""


class StoreError(HypercareError):
    """The database is missing, corrupt or written by a newer hypercare."""


class NotFoundError(HypercareError):
    """An issue number (or other id) that does not exist."""


class TransitionError(HypercareError):
    """A lifecycle move that the current state does not allow."""


class InputError(HypercareError):
    """A value typed by the user that cannot be read (time, priority, ...)."""


class ImportRowError(HypercareError):
    """A row of an imported file that cannot be read."""


class DeliveryError(HypercareError):
    """A message that could not be delivered to its recipient."""
