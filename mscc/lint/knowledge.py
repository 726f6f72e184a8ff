"""The lint knowledge table (knowledge.json beside this module), read once."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path


@cache
def knowledge() -> dict:
    with open(Path(__file__).with_name("knowledge.json"), encoding="utf-8") as fh:
        return json.load(fh)
