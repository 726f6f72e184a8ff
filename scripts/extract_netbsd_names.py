#!/usr/bin/env python3
"""Extract the NetBSD (evbarm/aarch64) kernel-config name database.

Reads NetBSD's config(1) inputs straight out of a git repository
(`git show REV:path`), so a run is reproducible from (git dir, rev), or from
a plain source tree (--tree DIR, e.g. an unpacked syssrc.tgz).

Starting point is the kernel config (default sys/arch/evbarm/conf/GENERIC64).
Every `include`/`cinclude` is followed (config(1) resolves them relative to
sys/, under the current `prefix`), and a `machine M S...` statement pulls in
what config(1) reads for it: sys/conf/files, sys/arch/M/conf/files.M and
sys/arch/S/conf/files.S.  From every file reached:

  defflag / defparam / defopt / deffs [obsolete]  -> "options"
      (name -> header opt_*.h, kind, dependencies, declaring file)
  device                                          -> "devices"
  defpseudo / defpseudodev                        -> "pseudo_devices"
  attach X at Y[, Z] [with W]                     -> "attachments"
  define (and `device X {...}` interface attrs)   -> "attributes"

and from the selection statements met while reading the config (options,
no options, file-system, pseudo-device, instances `x* at y?`, `no ...`,
makeoptions, maxusers, config, ident) the effective GENERIC64 selection,
evaluated in order (so `no ...` removes what was selected before).

Only names (facts) are emitted; no NetBSD source text is copied.

Usage:
  python3 -m scripts.extract_netbsd_names --git-dir DIR --rev REV [--ref NAME] \\
      -o targets/netbsd/names-10.json
  python3 -m scripts.extract_netbsd_names --tree /usr/src --ref netbsd-10 -o ...

  --sys-prefix P   where sys/ lives inside the repository (default "sys/";
                   "" for a repository that is itself the sys/ tree)
  --config PATH    root config, relative to sys/ (default
                   arch/evbarm/conf/GENERIC64)
  --extra-files P  additional files.* to read as declarations (repeatable)
  --provenance F   JSON for a reconstructed repository (same format as
                   scripts/extract_freebsd_names.py): {"repo", "ref",
                   "note", "files": {"sys/conf/files": {"commit", "ref",
                   "note"}}}

Python 3.11, standard library only.
"""
from __future__ import annotations

import argparse
import json
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from scripts.srcread import (
    AttachChecker, Source, add_source_arguments, database_head, input_record, provenance_of, source_from_arguments,
    source_record, sorted_attachments, write_json,
)

GENERATED_BY = "scripts/extract_netbsd_names.py"
SCHEMA_VERSION = 1
UPSTREAM_REPO = "NetBSD/src"
DEFAULT_CONFIG = "arch/evbarm/conf/GENERIC64"

# Statement keywords (NetBSD config(5) plus a few OpenBSD ones so the shared
# line joiner treats an indented keyword as a new statement).
KEYWORDS = {
    "include", "cinclude", "-include", "prefix", "buildprefix", "machine",
    "defflag", "defparam", "defopt", "deffs", "obsolete", "device",
    "defpseudo", "defpseudodev", "attach", "define", "file", "object",
    "devclass", "maxpartitions", "maxusers", "makeoptions", "makeoption",
    "options", "option", "no", "pseudo-device", "config", "ident",
    "file-system", "ifdef", "ifndef", "elifdef", "elifndef", "else", "endif",
    "version", "major", "device-major", "select", "rmoption", "rmoptions",
    "defattr", "package", "ioconf", "mkflagvar", "library",
}

TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:;=]|[^\s{}\[\],:;="]+(?:"(?:[^"\\]|\\.)*")?')
INST_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*?)(\*|\?|\d+)?$")
COMMENTED_SEL_RE = re.compile(r"^#\s*(options?|pseudo-device|no\s+options)\s+(.*)$")


# --------------------------------------------------------------------------
# Reading sources


# --------------------------------------------------------------------------
# Lexing config(5) text into statements


def physical_lines(text: str) -> Iterator[tuple[int, str, bool, str | None]]:
    """Yield (line number, content without comment, starts-with-blank, comment).

    A double-quoted string may span lines; it is kept in one physical line.
    """
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        start = i + 1
        buf = lines[i].rstrip("\r")
        # merge while a quote is open
        while _open_quote(buf) and i + 1 < len(lines):
            i += 1
            buf += " " + lines[i].rstrip("\r").strip()
        i += 1
        content, comment = _split_comment(buf)
        yield start, content, bool(buf[:1].isspace()), comment


def _scan(s: str) -> tuple[int | None, bool]:
    """Where a `#` comment starts outside quotes (None if nowhere), and whether the text ends
    inside an open quote (a string continued on the next line)."""
    inq = esc = False
    for i, ch in enumerate(s):
        if esc:
            esc = False
        elif ch == "\\":
            esc = True
        elif ch == '"':
            inq = not inq
        elif ch == "#" and not inq:
            return i, False
    return None, inq


def _open_quote(s: str) -> bool:
    return _scan(s)[1]


def _split_comment(s: str) -> tuple[str, str | None]:
    i = _scan(s)[0]
    return (s, None) if i is None else (s[:i], s[i:])


def statements(text: str, strict_indent: bool = False
               ) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str]]]:
    """Tokenised form of raw_statements()."""
    raw, comments = raw_statements(text, strict_indent)
    return [(ln, TOKEN_RE.findall(s)) for ln, s in raw], comments


def raw_statements(text: str, strict_indent: bool = False
                   ) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Split config(5) text into (line, tokens) statements.

    Continuations: a trailing backslash, or a line that starts with blanks.
    With strict_indent=False (NetBSD) an indented line whose first word is a
    statement keyword starts a new statement; with strict_indent=True
    (OpenBSD, whose scan.l treats "\\n[ \\t]" as a continuation, always)
    it does not.  Returns also the comment-only lines (for commented-out
    `#options FOO` bookkeeping).
    """
    out: list[tuple[int, str]] = []
    comments: list[tuple[int, str]] = []
    cur: str | None = None
    cur_line = 0
    backslash = False
    for lineno, content, indented, comment in physical_lines(text):
        body = content.strip()
        if not body:
            if comment is not None and not content.strip():
                comments.append((lineno, comment))
            continue
        cont = body.endswith("\\")
        if cont:
            body = body[:-1].rstrip()
        first = body.split(None, 1)[0] if body else ""
        if cur is not None and (backslash or (indented and (strict_indent
                                                            or first not in KEYWORDS))):
            cur += " " + body
        else:
            if cur is not None:
                out.append((cur_line, cur))
            cur, cur_line = body, lineno
        backslash = cont
    if cur is not None:
        out.append((cur_line, cur))
    return out, comments


def split_commas(tokens: list[str]) -> list[list[str]]:
    items: list[list[str]] = [[]]
    for t in tokens:
        if t == ",":
            items.append([])
        else:
            items[-1].append(t)
    return [i for i in items if i]


def unquote(s: str) -> str:
    if len(s) >= 2 and s[0] == s[-1] == '"':
        return s[1:-1]
    return s


def split_inst(tok: str) -> tuple[str, str]:
    m = INST_RE.match(tok)
    if not m:
        return tok, ""
    return m.group(1), m.group(2) or ""


def attach_tail(tokens: list[str]) -> tuple[list[str], str | None, list[str]]:
    """What follows `attach DEV at` in a files.* line: the parents (comma separated), an
    optional `with NAME`, and the dependencies after `:`. Shared with the OpenBSD extractor."""
    parents: list[str] = []
    with_name = None
    deps: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t == "with" and i + 1 < len(tokens):
            with_name = tokens[i + 1]
            i += 2
            continue
        if t == ":":
            deps = [d for d in tokens[i + 1:] if d != ","]
            break
        if t != ",":
            parents.append(t)
        i += 1
    return parents, with_name, deps


def skip_braces(tokens: list[str], i: int) -> tuple[list[str], int]:
    """If tokens[i] == '{', return (locator names, index after '}')."""
    locs: list[str] = []
    if i < len(tokens) and tokens[i] == "{":
        depth = 0
        prev = None
        while i < len(tokens):
            t = tokens[i]
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
                if depth == 0:
                    return locs, i + 1
            elif t not in "[],=" and prev in ("{", "[", ",") and depth == 1:
                locs.append(t)
            prev = t if t not in "]" else prev
            i += 1
    return locs, i


# --------------------------------------------------------------------------
# Reading the config graph


class Reader:
    def __init__(self, src: Source, sys_prefix: str) -> None:
        self.src = src
        self.sys = sys_prefix
        self.options: dict[str, dict[str, Any]] = {}
        self.devices: dict[str, dict[str, Any]] = {}
        self.pseudo: dict[str, dict[str, Any]] = {}
        self.attributes: dict[str, dict[str, Any]] = {}
        self.attachments: list[dict[str, Any]] = []
        self.duplicates: list[dict[str, Any]] = []
        self.read_order: list[str] = []
        self.include_chain: list[dict[str, Any]] = []
        self.unresolved: list[dict[str, Any]] = []
        self.conditionals: list[dict[str, Any]] = []
        self.unknown: dict[str, int] = {}
        self.machine: list[str] = []
        self.sel = Selection()
        self._done: set[str] = set()

    # -- paths
    def full(self, rel: str) -> str:
        return posixpath.normpath(self.sys + rel) if self.sys else posixpath.normpath(rel)

    def rel(self, full: str) -> str:
        return full[len(self.sys):] if self.sys and full.startswith(self.sys) else full

    def resolve(self, name: str, prefixes: list[str], here: str) -> str | None:
        name = unquote(name)
        cands = []
        if name.startswith("/"):
            cands.append(name.lstrip("/"))
        else:
            if prefixes and not name.startswith("../"):
                cands.append(posixpath.join(prefixes[-1], name))
            cands.append(name)
            cands.append(posixpath.join(posixpath.dirname(self.rel(here)), name))
        for c in cands:
            full = self.full(c)
            if self.src.read(full) is not None:
                return full
        return None

    # -- reading
    def read_file(self, full: str, via: str | None, kind: str, line: int | None = None) -> None:
        text = self.src.read(full)
        if text is None:
            self.unresolved.append({"path": full, "from": via, "line": line, "kind": kind})
            return
        self.include_chain.append({"path": full, "from": via, "line": line, "kind": kind})
        if full in self._done:
            return
        self._done.add(full)
        self.read_order.append(full)
        stmts, comments = statements(text)
        prefixes: list[str] = []
        for lineno, toks in stmts:
            self.statement(full, lineno, toks, prefixes)
        for lineno, c in comments:
            m = COMMENTED_SEL_RE.match(c.strip())
            if m:
                self.sel.commented(full, lineno, m.group(1), m.group(2))

    def statement(self, path: str, line: int, toks: list[str], prefixes: list[str]) -> None:
        if not toks:
            return
        kw = toks[0]
        where = {"path": path, "line": line}
        if kw in ("include", "cinclude", "-include") and len(toks) > 1:
            target = self.resolve(toks[1], prefixes, path)
            if target is None:
                if kw == "include":
                    self.unresolved.append({"path": unquote(toks[1]), "from": path,
                                            "line": line, "kind": "include"})
                return
            self.read_file(target, path, kw, line)
        elif kw == "prefix":
            if len(toks) > 1:
                p = unquote(toks[1])
                prefixes.append(posixpath.normpath(posixpath.join(prefixes[-1], p))
                                if prefixes and not p.startswith("/") else p)
            elif prefixes:
                prefixes.pop()
        elif kw == "machine":
            self.machine = [unquote(t) for t in toks[1:]]
            auto = ["conf/files"] + [f"arch/{m}/conf/files.{m}" for m in self.machine]
            for rel in auto:
                self.read_file(self.full(rel), path, "machine", line)
        elif kw == "obsolete" and len(toks) > 1:
            self.defopt(toks[1], toks[2:], where, obsolete=True)
        elif kw in ("defflag", "defparam", "defopt", "deffs"):
            self.defopt(kw, toks[1:], where, obsolete=False)
        elif kw == "device":
            self.device(toks[1:], where, self.devices, "device")
        elif kw in ("defpseudo", "defpseudodev"):
            self.device(toks[1:], where, self.pseudo, kw)
        elif kw == "define":
            self.define(toks[1:], where)
        elif kw == "attach":
            self.attach(toks[1:], where)
        elif kw in ("ifdef", "ifndef", "elifdef", "elifndef", "else", "endif"):
            # Both branches are read: a name declared in either is a valid name.
            self.conditionals.append({**where, "statement": " ".join(toks)})
        elif kw in ("file", "object", "devclass", "maxpartitions", "major", "device-major",
                    "version", "defattr", "package", "ioconf", "mkflagvar", "library",
                    "buildprefix"):
            pass
        else:
            if not self.sel.statement(path, line, toks):
                self.unknown[kw] = self.unknown.get(kw, 0) + 1

    def defopt(self, kw: str, toks: list[str], where: dict[str, Any], obsolete: bool) -> None:
        header = None
        i = 0
        if toks and toks[0].endswith(".h"):
            header, i = toks[0], 1
        deps: list[str] = []
        names: list[tuple[str, str | None]] = []
        while i < len(toks):
            t = toks[i]
            if t == ":" and not (i + 1 < len(toks) and toks[i + 1] == "="):
                deps = [d for d in toks[i + 1:] if d != ","]
                break
            if t == ":" or t == "=":
                # `NAME = default` or `NAME := lint-value`: skip the value
                j = i + 1
                if t == ":":
                    j += 1
                if names and j < len(toks):
                    if t == "=":
                        names[-1] = (names[-1][0], unquote(toks[j]))
                    i = j + 1
                    continue
                i = j
                continue
            if t != ",":
                names.append((t, None))
            i += 1
        kind = {"defflag": "flag", "defparam": "param", "defopt": "opt", "deffs": "fs"}.get(kw, kw)
        for name, default in names:
            entry = {
                "kind": kind,
                "header": header if header else (None if kind == "fs"
                                                 else f"opt_{name.lower()}.h"),
                "header_explicit": header is not None,
                "obsolete": obsolete,
                "depends": deps,
                "declared_in": where["path"],
                "line": where["line"],
            }
            if default is not None:
                entry["default"] = default
            if name in self.options:
                self.duplicates.append({"table": "options", "name": name,
                                        "first": self.options[name]["declared_in"],
                                        "again": where["path"], "line": where["line"]})
                if self.options[name]["obsolete"] and not obsolete:
                    self.options[name] = entry
                continue
            self.options[name] = entry

    def _attrs_after_colon(self, toks: list[str], i: int) -> list[str]:
        if i < len(toks) and toks[i] == ":":
            return [t for t in toks[i + 1:] if t not in (",",)]
        return []

    def device(self, toks: list[str], where: dict[str, Any], table: dict[str, Any],
               kind: str) -> None:
        if not toks:
            return
        name = toks[0]
        locs, i = skip_braces(toks, 1)
        interface = len(toks) > 1 and toks[1] == "{"
        attrs = self._attrs_after_colon(toks, i)
        entry = {"kind": kind, "attributes": attrs, "interface": interface,
                 "locators": locs, "declared_in": where["path"], "line": where["line"]}
        if name in table:
            self.duplicates.append({"table": kind, "name": name,
                                    "first": table[name]["declared_in"],
                                    "again": where["path"], "line": where["line"]})
            return
        table[name] = entry
        if interface and name not in self.attributes:
            self.attributes[name] = {"interface": True, "locators": locs, "depends": [],
                                     "implicit": True, "declared_in": where["path"],
                                     "line": where["line"]}

    def define(self, toks: list[str], where: dict[str, Any]) -> None:
        if not toks:
            return
        name = toks[0]
        locs, i = skip_braces(toks, 1)
        interface = len(toks) > 1 and toks[1] == "{"
        entry = {"interface": interface, "locators": locs,
                 "depends": self._attrs_after_colon(toks, i), "implicit": False,
                 "declared_in": where["path"], "line": where["line"]}
        if name in self.attributes and not self.attributes[name]["implicit"]:
            self.duplicates.append({"table": "attributes", "name": name,
                                    "first": self.attributes[name]["declared_in"],
                                    "again": where["path"], "line": where["line"]})
            return
        self.attributes[name] = entry

    def attach(self, toks: list[str], where: dict[str, Any]) -> None:
        if len(toks) < 3 or toks[1] != "at":
            self.unknown["attach(malformed)"] = self.unknown.get("attach(malformed)", 0) + 1
            return
        dev = toks[0]
        parents, with_name, deps = attach_tail(toks[2:])
        for p in parents:
            item = {"device": dev, "at": p, "declared_in": where["path"], "line": where["line"]}
            if with_name:
                item["with"] = with_name
            if deps:
                item["depends"] = deps
            self.attachments.append(item)


# --------------------------------------------------------------------------
# Selection (the kernel config proper), evaluated in order


class Selection:
    def __init__(self) -> None:
        self.options: dict[str, dict[str, Any]] = {}
        self.file_systems: dict[str, dict[str, Any]] = {}
        self.pseudo: dict[str, dict[str, Any]] = {}
        self.instances: list[dict[str, Any]] = []
        self.makeoptions: dict[str, dict[str, Any]] = {}
        self.selects: dict[str, dict[str, Any]] = {}
        self.maxusers: int | None = None
        self.configs: list[dict[str, Any]] = []
        self.ident: str | None = None
        self.no_lines: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.commented_out: list[dict[str, Any]] = []

    def commented(self, path: str, line: int, kw: str, rest: str) -> None:
        body, _c = _split_comment(rest)
        toks = TOKEN_RE.findall(body)
        kind = "options" if kw.startswith("option") else ("no options" if kw.startswith("no")
                                                           else "pseudo-device")
        for item in split_commas(toks) if kind != "pseudo-device" else [toks[:1]]:
            if not item:
                continue
            name = item[0]
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                continue
            value = unquote(item[2]) if len(item) > 2 and item[1] == "=" else None
            self.commented_out.append({"kind": kind, "name": name, "value": value,
                                       "path": path, "line": line})

    def statement(self, path: str, line: int, toks: list[str]) -> bool:
        kw = toks[0]
        where = {"path": path, "line": line}
        if kw in ("options", "option"):
            for item in split_commas(toks[1:]):
                name = item[0]
                value = unquote(" ".join(item[2:])) if len(item) > 2 and item[1] == "=" else None
                self.options[name] = {"value": value, **where}
            return True
        if kw in ("makeoptions", "makeoption"):
            for item in split_commas(toks[1:]):
                name = item[0]
                if len(item) >= 3 and item[1] == "=":
                    self.makeoptions[name] = {"value": unquote(" ".join(item[2:])), "append": False,
                                              **where}
                elif len(item) >= 3 and name.endswith("+") and item[1] == "=":
                    self.makeoptions[name[:-1]] = {"value": unquote(" ".join(item[2:])),
                                                   "append": True, **where}
            return True
        if kw == "file-system":
            for item in split_commas(toks[1:]):
                self.file_systems[item[0]] = where
            return True
        if kw == "pseudo-device" and len(toks) > 1:
            count = toks[2] if len(toks) > 2 and toks[2].isdigit() else None
            self.pseudo[toks[1]] = {"count": int(count) if count else None, **where}
            return True
        if kw == "maxusers" and len(toks) > 1 and toks[1].isdigit():
            self.maxusers = int(toks[1])
            return True
        if kw == "config":
            self.configs.append({"statement": " ".join(toks[1:]), **where})
            return True
        if kw == "ident" and len(toks) > 1:
            self.ident = unquote(toks[1])
            return True
        if kw == "select":
            for item in split_commas(toks[1:]):
                self.selects[item[0]] = where
            return True
        if kw == "no" and len(toks) > 1:
            self.no(toks, where)
            return True
        if len(toks) >= 3 and toks[1] == "at":
            self.instance(toks, where)
            return True
        return False

    def no(self, toks: list[str], where: dict[str, Any]) -> None:
        self.no_lines.append({"statement": " ".join(toks), **where})
        what = toks[1]
        rest = toks[2:]

        def err(msg: str) -> None:
            self.errors.append({"statement": " ".join(toks), "error": msg, **where})

        if what in ("options", "option"):
            for item in split_commas(rest):
                if item[0] in self.options:
                    del self.options[item[0]]
                else:
                    err(f"option {item[0]} was not selected")
        elif what in ("makeoptions", "makeoption"):
            for item in split_commas(rest):
                self.makeoptions.pop(item[0], None)
        elif what == "file-system":
            for item in split_commas(rest):
                if self.file_systems.pop(item[0], None) is None:
                    err(f"file-system {item[0]} was not selected")
        elif what == "pseudo-device":
            for item in split_commas(rest):
                if self.pseudo.pop(item[0], None) is None:
                    err(f"pseudo-device {item[0]} was not selected")
        elif what == "select":
            for item in split_commas(rest):
                self.selects.pop(item[0], None)
        elif what == "config":
            self.configs = []
        elif what == "ident":
            self.ident = None
        elif what == "maxusers":
            self.maxusers = None
        elif what == "device" and rest[:1] == ["at"] and len(rest) > 1:
            pbase, punit = split_inst(rest[1])
            before = len(self.instances)
            self.instances = [i for i in self.instances
                              if not _parent_matches(i, pbase, punit)]
            if len(self.instances) == before:
                err(f"nothing attaches at {rest[1]}")
        else:
            base, unit = split_inst(what)
            pbase = punit = None
            if rest[:1] == ["at"] and len(rest) > 1:
                pbase, punit = split_inst(rest[1])
            before = len(self.instances)
            keep = []
            for i in self.instances:
                if i["device"] != base or (unit not in ("", "*") and i["unit"] != unit) \
                        or (pbase is not None and not _parent_matches(i, pbase, punit or "")):
                    keep.append(i)
            self.instances = keep
            if len(self.instances) == before:
                err(f"{what} not defined")

    def instance(self, toks: list[str], where: dict[str, Any]) -> None:
        base, unit = split_inst(toks[0])
        pbase, punit = split_inst(toks[2])
        rest = toks[3:]
        item: dict[str, Any] = {"device": base, "unit": unit, "at": pbase,
                                "parent_unit": punit, "instance": toks[0], "parent": toks[2],
                                **where}
        if rest:
            item["locators"] = " ".join(rest)
        self.instances.append(item)


def _parent_matches(inst: dict[str, Any], pbase: str, punit: str) -> bool:
    if inst["at"] != pbase:
        return False
    return punit in ("", "?", "*") or inst["parent_unit"] == punit


# --------------------------------------------------------------------------


def blocked(args: argparse.Namespace) -> dict[str, Any]:
    """A schema-valid, empty database that says why there is no data."""
    return {
        **database_head(args, os_name="netbsd", generated_by=GENERATED_BY, schema_version=SCHEMA_VERSION,
                        status="blocked"),
        "blocked_reason": args.blocked_reason,
        "source": {"repo": args.repo or UPSTREAM_REPO, "rev": args.rev, "ref": args.ref,
                   "commit": None, "mode": "none"},
        "inputs": [],
        "options": {},
        "duplicates": [],
        "devices": {},
        "pseudo_devices": {},
        "attributes": {},
        "attachments": [],
        "generic64": {
            "config_path": "sys/" + args.config, "machine": [], "include_chain": [],
            "unresolved_includes": [], "options": {}, "options_where": {},
            "options_undeclared": [], "commented_out": [], "file_systems": [],
            "pseudo_devices": {}, "instances": [], "makeoptions": {}, "selects": [],
            "maxusers": None, "config": [], "ident": None, "no_lines": [], "errors": [],
            "check_problems": [],
        },
        "parse_notes": {"conditionals_seen": [], "unknown_statements": {}},
        "counts": {"inputs": 0, "options": 0, "devices": 0, "pseudo_devices": 0,
                   "attributes": 0, "attachments": 0},
    }


def selection_record(rd: Reader, root: str) -> dict[str, Any]:
    """Phase 2 of build(): what the root config selects after its includes."""
    sel = rd.sel
    opt_names = set(rd.options)
    return {
        "config_path": root,
        "machine": rd.machine,
        "include_chain": rd.include_chain,
        "unresolved_includes": rd.unresolved,
        "options": {k: sel.options[k]["value"] for k in sorted(sel.options)},
        "options_where": {k: f"{sel.options[k]['path']}:{sel.options[k]['line']}"
                          for k in sorted(sel.options)},
        "options_undeclared": sorted(k for k in sel.options if k not in opt_names),
        "commented_out": sorted(sel.commented_out,
                                key=lambda c: (c["path"], c["line"], c["name"])),
        "file_systems": sorted(sel.file_systems),
        "pseudo_devices": {k: sel.pseudo[k]["count"] for k in sorted(sel.pseudo)},
        "instances": sorted(sel.instances, key=lambda i: (i["device"], i["at"], i["instance"],
                                                          i["parent"], i.get("locators", ""),
                                                          i["path"], i["line"])),
        "makeoptions": {k: {"value": v["value"], "append": v["append"]}
                        for k, v in sorted(sel.makeoptions.items())},
        "selects": sorted(sel.selects),
        "maxusers": sel.maxusers,
        "config": [c["statement"] for c in sel.configs],
        "ident": sel.ident,
        "no_lines": sel.no_lines,
        "errors": sel.errors,
    }



def check_problems(rd: Reader) -> list[dict[str, Any]]:
    """Phase 3 of build(): instances and pseudo-devices of the selection that the declarations
    do not back (names only)."""
    sel = rd.sel
    known_dev = set(rd.devices) | set(rd.pseudo)
    attach = AttachChecker(rd.devices, rd.pseudo, rd.attributes, rd.attachments)
    problems = []
    for inst in sel.instances:
        dev, parent = inst["device"], inst["at"]
        if dev not in known_dev:
            problems.append({"instance": f"{inst['instance']} at {inst['parent']}",
                             "problem": "unknown device"})
            continue
        if parent == "root":
            continue
        if not attach.attached(dev, parent):
            problems.append({"instance": f"{inst['instance']} at {inst['parent']}",
                             "problem": "no matching attach statement"})
    for p in sel.pseudo:
        if p not in rd.pseudo:
            problems.append({"pseudo_device": p, "problem": "not declared with defpseudo*"})
    return problems



def build(args: argparse.Namespace) -> dict[str, Any]:
    if args.blocked_reason:
        return blocked(args)
    src, sys_prefix = source_from_arguments(args)
    prov, prov_files, ref, repo = provenance_of(args, UPSTREAM_REPO)

    rd = Reader(src, sys_prefix)
    root = rd.full(args.config)
    if src.read(root) is None:
        raise SystemExit(f"root config {root} not found")
    rd.read_file(root, None, "root")
    for extra in args.extra_files or []:
        rd.read_file(rd.full(extra), None, "extra")

    sel = rd.sel
    generic = selection_record(rd, root)
    generic["check_problems"] = check_problems(rd)

    inputs = [input_record(src, repo=repo, path=full, ref=ref, provenance=prov_files,
                           last_change=not args.no_last_change)
              for full in sorted(set(rd.read_order))]
    source = source_record(src, repo=repo, rev=args.rev, ref=ref, provenance=prov,
                           git_dir=args.git_dir_label)

    attachments = sorted_attachments(rd.attachments)
    return {
        **database_head(args, os_name="netbsd", generated_by=GENERATED_BY, schema_version=SCHEMA_VERSION),
        "source": source,
        "inputs": inputs,
        "options": {k: rd.options[k] for k in sorted(rd.options)},
        "duplicates": rd.duplicates,
        "devices": {k: rd.devices[k] for k in sorted(rd.devices)},
        "pseudo_devices": {k: rd.pseudo[k] for k in sorted(rd.pseudo)},
        "attributes": {k: rd.attributes[k] for k in sorted(rd.attributes)},
        "attachments": attachments,
        "generic64": generic,
        "parse_notes": {
            "conditionals_seen": rd.conditionals,
            "unknown_statements": dict(sorted(rd.unknown.items())),
        },
        "counts": {
            "inputs": len(inputs),
            "options": len(rd.options),
            "options_obsolete": sum(1 for o in rd.options.values() if o["obsolete"]),
            "devices": len(rd.devices),
            "pseudo_devices": len(rd.pseudo),
            "attributes": len(rd.attributes),
            "attachments": len(attachments),
            "generic64_options": len(sel.options),
            "generic64_instances": len(sel.instances),
            "generic64_pseudo_devices": len(sel.pseudo),
        },
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_source_arguments(ap, os_title="NetBSD", example_rev="netbsd-10", default_version="10",
                         example_release="10.1", default_repo=UPSTREAM_REPO)
    ap.add_argument("--arch", default="evbarm-aarch64", help="architecture label to record")
    ap.add_argument("--git-dir-label", help="how to describe the git dir in the output")
    ap.add_argument("--config", default=DEFAULT_CONFIG, help="root config relative to sys/")
    ap.add_argument("--extra-files", action="append", help="extra files.* relative to sys/")
    ap.add_argument("--blocked-reason",
                    help="write an empty, status=blocked database instead of reading sources")
    ap.add_argument("--later", help="an extraction of a later commit: GENERIC64 selections that differ "
                                    "there are recorded as generic64_differs_later (the release in between is "
                                    "uncertain about them)")
    args = ap.parse_args(argv)
    data = build(args)
    if args.later:
        with open(args.later, encoding="utf-8") as fh:
            data["generic64_differs_later"] = generic64_differences(data, json.load(fh))
    write_json(data, args.output)
    return 0


def _instances(generic64: dict[str, Any]) -> set[str]:
    return {f"{i['device']}{i['unit']} at {i['at']}{i['parent_unit']}" for i in generic64.get("instances", ())}


def generic64_differences(data: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """What GENERIC64 selects at one commit and not at the other: a release cut between the two
    may have either, so a consumer must not claim to know."""
    a, b = data.get("generic64") or {}, later.get("generic64") or {}
    return {
        "source": {k: later["source"].get(k) for k in ("repo", "commit")},
        "options": sorted(set(a.get("options", ())) ^ set(b.get("options", ()))),
        "pseudo_devices": sorted(set(a.get("pseudo_devices", ())) ^ set(b.get("pseudo_devices", ()))),
        "instances": sorted(_instances(a) ^ _instances(b)),
    }


if __name__ == "__main__":
    raise SystemExit(main())
