"""Where the data folders are: inside the wheel, or at the top of a source checkout."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_root() -> Path:
    bundled = _PACKAGE / "_data"
    if (bundled / "grammar").is_dir():
        return bundled
    return _PACKAGE.parent  # editable install or running from the checkout


def grammar_dir() -> Path:
    return data_root() / "grammar"


def targets_dir() -> Path:
    return data_root() / "targets"


def hardware_dir() -> Path:
    return data_root() / "hardware"


# Directory levels a walk descends: deep enough for any project, and it bounds the work a
# generated tree thousands of levels deep can cause.
MAX_WALK_DEPTH = 64


def walk(top: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """os.walk without recursion (Python 3.11's os.walk recurses once per level, so a tree
    ~1,000 levels deep raised RecursionError) and without following symlinks; unreadable
    directories are skipped, levels below MAX_WALK_DEPTH are not visited. Like os.walk,
    the caller may prune `dirs` in place."""
    import os

    pending = [(top, 0)]
    while pending:
        root, depth = pending.pop()
        try:
            entries = list(os.scandir(root))
        except OSError:
            continue
        dirs: list[str] = []
        files: list[str] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append(entry.name)
        yield root, dirs, files
        if depth < MAX_WALK_DEPTH:
            pending.extend((os.path.join(root, d), depth + 1) for d in reversed(dirs))


def cache_dir() -> Path:
    """mscc's cache of large inputs (kernel trees and builds, guest images, the Kconfig host
    tools): $MSCC_CACHE, else $XDG_CACHE_HOME/mscc, else ~/.cache/mscc. scripts/linux-tree and
    scripts/boot-test read the same variables. (The grammar cache has stricter rules of its
    own: mscc/parse/parser.py.)"""
    import os

    explicit = os.environ.get("MSCC_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mscc"
