"""Sizes as profiles, --memory and [tool.mscc] write them."""

from __future__ import annotations

import pytest

from mscc.settings import parse_memory
from mscc.units import format_size, parse_size


@pytest.mark.parametrize(("text", "size"), [
    ("16GiB", 16 << 30), ("4K", 4096), ("00012M", 12 << 20), ("1.5G", 3 << 29), ("1.0T", 1 << 40),
    ("0.5K", 512), ("0.3K", None), ("G", None), ("1.5", None), ("²G", None),
    # not sizes, whatever Python's number parsers make of them
    ("InfinityG", None), ("-InfinityK", None), ("NaNM", None), ("sNaNG", None), ("-1G", None),
])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize(("whole", "decimal"), [("1G", "1.0G"), ("7KiB", "7.00KiB"), ("123456789T", "123456789.0T")])
def test_the_whole_number_path_agrees_with_the_decimal_one(whole, decimal):
    assert parse_size(whole) == parse_size(decimal) is not None


@pytest.mark.parametrize("value", ["InfinityG", "-1G", "NaNK", "0G"])
def test_memory_that_is_no_size_is_refused_not_a_crash(value):
    assert parse_memory(value) is None


def test_format_size():
    assert format_size(3 << 29) == "1536MiB" and format_size(1 << 40) == "1TiB" and format_size(100) == "100 bytes"
