#!/usr/bin/env python3
"""Tag Linux Kconfig symbols with the architectures that define them.

targets/alpine/kconfig-<series>.json is arm64's view of the Kconfig tree (gen_kconfig_db.py
starts at arch/arm64/Kconfig). A file for x86 or a multi-architecture fragment names symbols
that arm64 does not have. This script reads every Kconfig file of a kernel tree and records:

  arch_only:      symbol -> the arch/ directories that define it, for every symbol defined
                  only below arch/ (CONFIG_KVM_GUEST -> [x86, powerpc, ...])
  outside_arm64:  symbols defined outside arch/ that arm64's database lacks
  tristate_in:    for the arch_only symbols, the arch/ directories that define them as a
                  tristate (KVM: a bool on arm64, a tristate on x86, so m may be right)

  python3 scripts/kconfig_arches.py --tree "$(sh scripts/linux-tree)" \\
      --arm64-db targets/alpine/kconfig-6.12.json -o targets/alpine/kconfig-arches-6.12.json

Only symbol names and directory names are recorded. Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
from collections.abc import Iterator
from typing import Any

from scripts.srcread import (
    write_json,  # the one JSON writer of scripts/: same input, same bytes
)

GENERATED_BY = "scripts/kconfig_arches.py"
SCHEMA_VERSION = 1
_DEFINITION = re.compile(r"^\s*(?:menu)?config\s+([A-Za-z0-9_]+)\s*$")
_TYPE = re.compile(r"^\s*(?:def_)?(bool|tristate|int|hex|string)\b")


# Kconfig files that are not part of the kernel's configuration (test inputs, tools).
_NOT_KERNEL = ("scripts", "Documentation", "tools")


def kconfig_files(tree: str) -> Iterator[str]:
    """Every Kconfig* file of the kernel below `tree`, relative to it, in a stable order."""
    for root, dirs, files in os.walk(tree):
        dirs[:] = sorted(d for d in dirs if not (root == tree and d in _NOT_KERNEL))
        for name in sorted(files):
            if name.startswith("Kconfig"):
                yield os.path.relpath(os.path.join(root, name), tree)


def definitions(text: str) -> Iterator[str]:
    for line in text.splitlines():
        m = _DEFINITION.match(line)
        if m:
            yield m.group(1)


def typed_definitions(text: str) -> Iterator[tuple[str, str | None]]:
    """(symbol, its type) for each definition; the type is the first type line of its entry."""
    symbol: str | None = None
    kind: str | None = None
    for line in text.splitlines():
        m = _DEFINITION.match(line)
        if m:
            if symbol is not None:
                yield symbol, kind
            symbol, kind = m.group(1), None
            continue
        t = _TYPE.match(line)
        if symbol is not None and kind is None and t:
            kind = t.group(1)
    if symbol is not None:
        yield symbol, kind


def arch_of(relative: str) -> str | None:
    parts = relative.split(os.sep)
    return parts[1] if len(parts) > 2 and parts[0] == "arch" else None


def build(tree: str, arm64_symbols: set[str], version: str) -> dict[str, Any]:
    where: dict[str, set[str]] = {}
    tristate: dict[str, set[str]] = {}
    generic: set[str] = set()
    digest = hashlib.sha256()
    count = 0
    for relative in kconfig_files(tree):
        with open(os.path.join(tree, relative), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        digest.update(relative.encode() + b"\0" + text.encode("utf-8", "replace"))
        count += 1
        arch = arch_of(relative)
        for symbol, kind in typed_definitions(text):
            if arch is None:
                generic.add(symbol)
            else:
                where.setdefault(symbol, set()).add(arch)
                if kind == "tristate":
                    tristate.setdefault(symbol, set()).add(arch)
    arch_only = {s: sorted(a) for s, a in sorted(where.items()) if s not in generic}
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_by": GENERATED_BY,
        "kernel_version": version,
        "kconfig_files": count,
        "kconfig_files_sha256": digest.hexdigest(),
        "arches": sorted({a for arches in where.values() for a in arches}),
        "arch_only": arch_only,
        "outside_arm64": sorted(generic - arm64_symbols),
        "tristate_in": {s: sorted(a) for s, a in sorted(tristate.items()) if s in arch_only},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tree", required=True, help="an unpacked kernel source tree")
    ap.add_argument("--arm64-db", required=True, help="targets/alpine/kconfig-<series>.json")
    ap.add_argument("--source", default="", help="what the tree is, to record (package and version)")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args(argv)
    with open(args.arm64_db, encoding="utf-8") as fh:
        db = json.load(fh)
    header = db.get("header", {})
    data = build(args.tree, set(db["symbols"]), str(header.get("kernel_version", "")))
    data["source"] = args.source or (f"{header.get('source_package')} {header.get('source_package_version')}"
                                     f" (tarball sha256 {header.get('tarball_sha256')})")
    write_json(data, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
