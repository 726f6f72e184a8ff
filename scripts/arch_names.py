#!/usr/bin/env python3
"""Merge per-architecture name databases into one compact table per OS release.

The extractors (extract_freebsd_names.py, extract_openbsd_names.py, extract_netbsd_names.py)
each read one architecture's config(8) inputs and write a large JSON file. `mscc lint` needs
only the names, per architecture (the union when one architecture is given several
extractions, from several root configs), to tell "no such name" from "a name of another
architecture". This script keeps exactly that, with the provenance of every input:

  python3 scripts/arch_names.py --os freebsd --version 15 -o targets/freebsd/arches-15.json \\
      amd64=/tmp/ex/freebsd-15-amd64.json arm64=/tmp/ex/freebsd-15-arm64.json ...

Names are kept exactly as config(8) compares them (case-sensitive); FreeBSD device words
that appear only negated (`!random_loadable`) are not devices and are dropped.
Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from scripts.srcread import (
    write_json,  # the one JSON writer of scripts/: same input, same bytes
)

GENERATED_BY = "scripts/arch_names.py"
SCHEMA_VERSION = 1
# A config(8) name: files(5) also holds make variables and quoted commands, which are not names.
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _names(table: dict[str, Any] | None, keep=lambda info: True) -> list[str]:
    return sorted(n for n, info in (table or {}).items() if NAME.match(n) and keep(info))


def compact_one(data: dict[str, Any], drop: set[str]) -> dict[str, Any]:
    """The names of one extraction, and where they came from."""
    os_name = data["os"]
    options = [n for n in _names(data.get("options")) if n not in drop]
    if os_name == "freebsd":
        devices = _names(data.get("devices"), lambda info: not info.get("negated_only"))
        pseudo: list[str] = []
    else:
        devices = _names(data.get("devices"))
        pseudo = _names(data.get("pseudo_devices"))
    file_systems = _names(data.get("options"), lambda info: info.get("kind") == "fs") if os_name == "netbsd" else []
    inputs = [{k: i[k] for k in ("path", "commit", "sha256") if k in i}
              for i in data.get("inputs", ()) if i.get("present", True)]
    source = {k: data["source"][k] for k in ("repo", "commit", "ref", "upstream") if data["source"].get(k)}
    out: dict[str, Any] = {
        "source": source,
        "inputs": inputs,
        "options": options,
        "devices": [n for n in devices if n not in drop],
    }
    if pseudo:
        out["pseudo_devices"] = [n for n in pseudo if n not in drop]
    if file_systems:
        out["file_systems"] = file_systems
    if os_name == "freebsd":
        out["debug_options"] = freebsd_debug_options(data)
    return out


def freebsd_debug_options(data: dict[str, Any]) -> list[str]:
    """The options sys/conf/std.debug adds that the release GENERIC does not already select:
    what turns a release kernel into a debugging one (USB_DEBUG, in GENERIC, is not)."""
    std_debug = (data.get("configs") or {}).get("sys/conf/std.debug", {}).get("directives", ())
    generic = (data.get("effective") or {}).get("GENERIC", {}).get("options", {})
    return sorted({d["name"] for d in std_debug if d.get("directive") == "options"} - set(generic))


def merge(tables: list[dict[str, Any]]) -> dict[str, Any]:
    """One architecture read from several root configs (NetBSD amd64: GENERIC, ALL and
    XEN3_DOM0 reach different files.*): the union of their names and inputs."""
    out: dict[str, Any] = {"source": tables[0]["source"], "inputs": []}
    seen_inputs: set = set()
    for table in tables:
        if table["source"] != out["source"]:
            raise SystemExit("extractions of one architecture must come from one commit")
        for record in table["inputs"]:
            key = (record["path"], record.get("sha256"))
            if key not in seen_inputs:
                seen_inputs.add(key)
                out["inputs"].append(record)
        for key, value in table.items():
            if isinstance(value, list) and key != "inputs":
                out[key] = sorted(set(out.get(key, ())) | set(value))
    out["inputs"].sort(key=lambda r: r["path"])
    return out


def build(os_name: str, version: str, extractions: list[tuple[str, dict[str, Any]]], drop: set[str],
          drop_reason: str | None, date: str | None = None) -> dict[str, Any]:
    by_arch: dict[str, list[dict[str, Any]]] = {}
    for arch, data in extractions:
        if data.get("os") != os_name:
            raise SystemExit(f"{arch}: the extraction is for {data.get('os')}, not {os_name}")
        by_arch.setdefault(arch, []).append(compact_one(data, drop))
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "generated_by": GENERATED_BY,
        "os": os_name,
        "version": version,
        "arches": {arch: merge(tables) for arch, tables in sorted(by_arch.items())},
    }
    if drop:
        out["dropped"] = {"names": sorted(drop), "reason": drop_reason or ""}
    if date:
        out["date"] = date  # of the tree's state: NetBSD/OpenBSD files state dates, not releases
    return out


def _pair(text: str) -> tuple[str, str]:
    arch, sep, path = text.partition("=")
    if not sep or not arch or not path:
        raise argparse.ArgumentTypeError(f"expected ARCH=FILE, got {text!r}")
    return arch, path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--os", required=True, choices=["freebsd", "netbsd", "openbsd"])
    ap.add_argument("--version", required=True)
    ap.add_argument("--drop", action="append", default=[], help="a name a downstream fork added")
    ap.add_argument("--drop-reason")
    ap.add_argument("--date", help="commit date of the tree (YYYY-MM-DD), for files that state dates")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("extractions", nargs="+", type=_pair, metavar="ARCH=FILE")
    args = ap.parse_args(argv)
    loaded = []
    for arch, path in args.extractions:
        with open(path, encoding="utf-8") as fh:
            loaded.append((arch, json.load(fh)))
    data = build(args.os, args.version, loaded, set(args.drop), args.drop_reason, args.date)
    write_json(data, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
