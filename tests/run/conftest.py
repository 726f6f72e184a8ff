"""Pytest fixtures of the runner's tests; the fixture builders are in runfixtures.py."""

from __future__ import annotations

import pytest
from runfixtures import new_mark


@pytest.fixture
def mark() -> str:
    return new_mark()
