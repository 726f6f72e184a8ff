"""Where the data folders are: inside the wheel, or at the top of a source checkout."""

from __future__ import annotations

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
