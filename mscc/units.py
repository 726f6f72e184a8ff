"""Sizes: KiB MiB GiB TiB, and K M G T read as binary units (the kernel and ZFS convention)."""

from __future__ import annotations

UNITS = {
    "K": 1 << 10, "KiB": 1 << 10,
    "M": 1 << 20, "MiB": 1 << 20,
    "G": 1 << 30, "GiB": 1 << 30,
    "T": 1 << 40, "TiB": 1 << 40,
}


def parse_size(text: str) -> int | None:
    """Bytes for '16GiB', '1.5G', '4K'; None when a fraction does not come out whole."""
    for suffix in ("KiB", "MiB", "GiB", "TiB", "K", "M", "G", "T"):
        if text.endswith(suffix):
            number = text[: -len(suffix)]
            if number.isascii() and number.isdigit():
                return int(number) * UNITS[suffix]  # the usual case; the decimal module costs 1 ms to load
            from decimal import Decimal, InvalidOperation

            try:
                exact = Decimal(number) * UNITS[suffix]
            except InvalidOperation:
                return None
            if not exact.is_finite() or exact < 0:  # "InfinityG", "NaNK", "-1G" are no sizes
                return None
            return int(exact) if exact == exact.to_integral_value() else None
    return None


def format_size(n: int) -> str:
    """The shortest exact binary-unit spelling of n bytes."""
    for suffix in ("TiB", "GiB", "MiB", "KiB"):
        unit = UNITS[suffix]
        if n >= unit and n % unit == 0:
            return f"{n // unit}{suffix}"
    return f"{n} bytes"


GIB = 1 << 30
MIB = 1 << 20
