"""~/.cache/mscc: large inputs (kernel trees, guest images) shared by runs, with a file lock so
two runs never download or assemble the same thing at once (Lima's users hit exactly that race
with parallel starts)."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from mscc.paths import cache_dir


def cache_root() -> Path:
    return cache_dir()


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[Path]:
    """Hold DIRECTORY.lock exclusively (waiting for another holder) while the body runs."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.with_name(directory.name + ".lock"), "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield directory
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
