"""One reading of a FreeBSD /boot/loader.conf line, for `mscc compile` (raw loader lines)
and `mscc lint` (loader.conf files), so that the two cannot disagree.

FreeBSD's Lua loader (stand/lua/config.lua) matches `name="value"` or `name=value` and then
accepts what trails only when it is blank or a `#` comment (isValidComment)."""

from __future__ import annotations

import re

LINE = re.compile(r'^\s*(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)\s*=\s*(?P<value>"[^"]*"|[^\s"#;]*)\s*;?\s*(?:#.*)?$')


def parse(text: str) -> tuple[str, str] | None:
    """(name, value without quotes) of a loader.conf line, or None when loader(8) rejects it."""
    m = LINE.match(text)
    if m is None:
        return None
    return m.group("key"), m.group("value").strip('"')
