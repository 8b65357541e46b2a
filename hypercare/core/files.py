"""Writing a file whole: readers see the old content or the new, never half.

The text goes to a part file beside the target, which then replaces it in one
rename. The part file's name is its own (two processes at once cannot remove
each other's), and it takes the permissions the target had, or those a new
file would get.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def new_file_mode() -> int:
    """The permissions open() gives a new file: 0o666 less the umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_whole(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename; OSError as the OS says."""
    import tempfile  # not at the top: output imports this module at start-up

    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = new_file_mode()
    descriptor, part = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    try:
        os.chmod(part, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(part, path)
    finally:
        Path(part).unlink(missing_ok=True)
