#!/usr/bin/env python3
"""Build mscc's offline Kconfig symbol database from a real Linux source tree.

    python3 -m scripts.gen_kconfig_db --tree DIR --arch arm64 -o targets/alpine/kconfig-6.12.json

Why a private reader: kconfiglib (last released 2020) cannot parse 6.x trees, and the
kernel's own tools do not export the dependency graph.  The reader follows `source` lines
from the top-level Kconfig exactly as the kernel does for one architecture, and records for
every symbol what the explanations in `mscc audit` need: type, whether it has a prompt (and its `if`),
`depends on` (own and inherited from enclosing if/menu/choice blocks), select/imply,
defaults, ranges, choice membership and file:line.  Expressions are kept as raw text.
No prose: help texts are dropped, and a symbol's prompt is kept as `true` (Kconfig semantics
need only that it has one); a choice keeps its menu title, the only name a choice has.  Stdlib
only; output is deterministic (sorted keys, no timestamps).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from mscc.run.artifacts import sha256_file
from mscc.source import comment_start

FORMAT_VERSION = 2
TYPE_KEYWORDS = {"bool": "bool", "tristate": "tristate", "string": "string", "int": "int", "hex": "hex"}
DEF_TYPE_KEYWORDS = {"def_bool": "bool", "def_tristate": "tristate"}
MACRO_ASSIGNMENT = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*(:=|\+=|=)\s*(.*)$")
MACRO_REFERENCE = re.compile(r"\$\(([A-Za-z0-9_-]+)\)")


class KconfigSyntaxError(Exception):
    pass


def split_comment(text: str) -> str:
    """Drop a trailing `# comment`, but not a `#` inside a quoted string (the lexer's rule)."""
    at = comment_start(text, "\"'")
    return text if at < 0 else text[:at]


def read_quoted(text: str) -> tuple[str, str]:
    """Return (unquoted string, rest of line) for text starting with a quote."""
    quote = text[0]
    out = []
    i = 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == quote:
            return "".join(out), text[i + 1:].strip()
        out.append(ch)
        i += 1
    return "".join(out), ""  # unterminated: the lexer also accepts it up to end of line


def split_if(text: str) -> tuple[str, str | None]:
    """Split `EXPR if COND` at the top-level `if` word (outside quotes and $(...))."""
    quote = ""
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif text.startswith("$(", i):
            depth += 1
            i += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0 and text.startswith("if", i):
            before_ok = i == 0 or text[i - 1] in " \t)\"'"
            after = text[i + 2:i + 3]
            if before_ok and (after == "" or after in " \t(!\"'"):
                return normalize(text[:i]), normalize(text[i + 2:]) or None
        i += 1
    return normalize(text), None


def normalize(expr: str) -> str:
    return " ".join(expr.split())


def leading_columns(line: str) -> int:
    """Indentation width with tabs to multiples of 8, as the kconfig lexer counts it."""
    width = 0
    for ch in line:
        if ch == "\t":
            width = (width & ~7) + 8
        elif ch == " ":
            width += 1
        else:
            break
    return width


class KconfigReader:
    def __init__(self, tree: Path, srcarch: str):
        self.tree = tree
        self.srcarch = srcarch
        self.macros = {"SRCARCH": srcarch, "ARCH": srcarch, "HEADER_ARCH": srcarch}
        self.symbols: dict[str, dict] = {}
        self.choices: dict[str, dict] = {}
        self.stack: list[dict] = []  # open if/menu/choice blocks, outermost first
        self.entry: dict | None = None  # entry whose attribute lines follow
        self.files_read: list[str] = []
        self.skipped_sources: list[str] = []
        self.warnings: list[str] = []

    # ---- source handling -------------------------------------------------
    def expand(self, text: str) -> str:
        for _ in range(10):  # variables may refer to variables
            new = MACRO_REFERENCE.sub(lambda m: self.macros.get(m.group(1), m.group(0)), text)
            if new == text:
                break
            text = new
        return text

    def read_file(self, relpath: str) -> None:
        parts = Path(relpath).parts
        if len(parts) > 2 and parts[0] == "arch" and parts[1] != self.srcarch:
            # Other architectures' trees are never sourced for this SRCARCH; guard anyway.
            self.skipped_sources.append(relpath)
            return
        path = self.tree / relpath
        if not path.is_file():
            raise KconfigSyntaxError(f"sourced file missing: {relpath}")
        self.files_read.append(relpath)
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        self.parse_lines(relpath, lines)
        self.entry = None

    # ---- line loop -------------------------------------------------------
    def parse_lines(self, relpath: str, lines: list[str]) -> None:
        i = 0
        while i < len(lines):
            lineno = i + 1
            text = lines[i]
            i += 1
            while text.endswith("\\") and i < len(lines):  # escaped newline joins lines
                text = text[:-1] + " " + lines[i]
                i += 1
            macro = MACRO_ASSIGNMENT.match(text)
            if macro and macro.group(1) not in KEYWORDS:
                self.assign_macro(*macro.groups())
                continue
            stripped = split_comment(text).strip()
            if not stripped or stripped.startswith("$("):
                # A bare macro call ($(error-if,...) in Kconfig.include) is a preprocessor
                # statement that expands to nothing; it declares no symbol.
                continue
            keyword, rest = re.match(r"(\S+)\s*(.*)$", stripped).groups()
            if keyword == "help":
                i = self.skip_help(lines, i)
                continue
            self.dispatch(relpath, lineno, keyword, rest)

    def assign_macro(self, name: str, op: str, value: str) -> None:
        if op == "+=":
            self.macros[name] = (self.macros.get(name, "") + " " + value).strip()
        else:
            self.macros[name] = value

    @staticmethod
    def skip_help(lines: list[str], i: int) -> int:
        """Help text ends at a less-indented non-blank line (kconfig lexer rule)."""
        first_indent = None
        while i < len(lines):
            line = lines[i]
            if not line.strip():
                i += 1
                continue
            indent = leading_columns(line)
            if indent == 0:
                return i
            if first_indent is None:
                first_indent = indent
            elif indent < first_indent:
                return i
            i += 1
        return i

    def dispatch(self, relpath: str, lineno: int, keyword: str, rest: str) -> None:
        where = f"{relpath}:{lineno}"
        if keyword in ("config", "menuconfig"):
            self.start_symbol(rest, keyword, relpath, lineno)
        elif keyword == "choice":
            self.start_choice(relpath, lineno)
        elif keyword == "endchoice":
            self.pop_block("choice", where)
        elif keyword == "menu":
            title, _ = read_quoted(rest) if rest[:1] in "\"'" else (rest, "")
            self.entry = {"kind": "menu", "title": title, "depends": [], "visible": []}
            self.stack.append(self.entry)
        elif keyword == "endmenu":
            self.pop_block("menu", where)
        elif keyword == "if":
            self.entry = None
            self.stack.append({"kind": "if", "depends": [normalize(rest)], "visible": []})
        elif keyword == "endif":
            self.pop_block("if", where)
        elif keyword == "source":
            self.entry = None
            target, _ = read_quoted(rest) if rest[:1] in "\"'" else (rest, "")
            self.read_file(self.expand(target))
        elif keyword == "comment":
            self.entry = {"kind": "comment", "depends": []}
        elif keyword == "mainmenu":
            self.entry = None
        elif self.entry is None:
            self.warnings.append(f"{where}: attribute '{keyword}' outside an entry")
        else:
            self.attribute(where, keyword, rest)

    def pop_block(self, kind: str, where: str) -> None:
        self.entry = None
        if not self.stack or self.stack[-1]["kind"] != kind:
            raise KconfigSyntaxError(f"{where}: end{kind} without matching {kind}")
        self.stack.pop()

    def inherited(self) -> tuple[list[str], list[str], str | None]:
        """Dependencies and visibility the enclosing blocks add to a new entry."""
        depends: list[str] = []
        visible: list[str] = []
        choice = None
        for block in self.stack:
            depends.extend(block["depends"])
            visible.extend(block["visible"])
            if block["kind"] == "choice":
                choice = block["id"]
        return depends, visible, choice

    def start_symbol(self, name: str, kind: str, relpath: str, lineno: int) -> None:
        name = name.strip()
        depends, visible, choice = self.inherited()
        definition = {"file": relpath, "line": lineno, "kind": kind, "depends": [], "block_depends": depends,
                      "block_visible": visible, "selects": [], "implies": [], "defaults": [], "ranges": [],
                      "prompt": None, "prompt_if": None, "type": None, "choice": choice}
        symbol = self.symbols.setdefault(name, {"definitions": []})
        symbol["definitions"].append(definition)
        if choice:
            members = self.choices[choice]["members"]
            if name not in members:
                members.append(name)
        self.entry = definition

    def start_choice(self, relpath: str, lineno: int) -> None:
        depends, _visible, _ = self.inherited()
        choice_id = f"{relpath}:{lineno}"
        choice = {"kind": "choice", "id": choice_id, "file": relpath, "line": lineno, "prompt": None,
                  "prompt_if": None, "type": None, "defaults": [], "depends": [], "block_depends": depends,
                  "members": [], "visible": []}
        self.choices[choice_id] = choice
        self.stack.append(choice)
        self.entry = choice

    # ---- attributes ------------------------------------------------------
    def attribute(self, where: str, keyword: str, rest: str) -> None:
        entry = self.entry
        if keyword in TYPE_KEYWORDS or keyword in DEF_TYPE_KEYWORDS:
            self.set_type(entry, TYPE_KEYWORDS.get(keyword) or DEF_TYPE_KEYWORDS[keyword], where)
            if keyword in DEF_TYPE_KEYWORDS:
                self.add_default(entry, rest)
            elif rest:
                self.set_prompt(entry, rest, where)
        elif keyword == "prompt":
            self.set_prompt(entry, rest, where)
        elif keyword == "default":
            self.add_default(entry, rest)
        elif keyword == "depends":
            if not rest.startswith("on"):
                self.warnings.append(f"{where}: 'depends' without 'on'")
            entry.setdefault("depends", []).append(normalize(rest[2:]))
        elif keyword in ("select", "imply") and "selects" in entry:
            target, cond = split_if(rest)
            entry["selects" if keyword == "select" else "implies"].append([target, cond])
        elif keyword == "range" and "ranges" in entry:
            bounds, cond = split_if(rest)
            entry["ranges"].append([bounds, cond])
        elif keyword == "visible" and entry.get("kind") == "menu":
            entry["visible"].append(normalize(rest[2:]) if rest.startswith("if") else normalize(rest))
        elif keyword == "modules":
            entry["modules"] = True
        else:
            self.warnings.append(f"{where}: unhandled '{keyword} {rest}' in {entry.get('kind')}")

    def set_type(self, entry: dict, kconfig_type: str, where: str) -> None:
        if "type" not in entry:
            self.warnings.append(f"{where}: type in {entry.get('kind')}")
            return
        if entry["type"] and entry["type"] != kconfig_type:
            self.warnings.append(f"{where}: type redefined {entry['type']} -> {kconfig_type}")
        entry["type"] = kconfig_type

    def set_prompt(self, entry: dict, rest: str, where: str) -> None:
        if "prompt" not in entry:
            self.warnings.append(f"{where}: prompt in {entry.get('kind')}")
            return
        if rest[:1] in "\"'":
            prompt, tail = read_quoted(rest)
        else:
            prompt, tail = rest, ""
        cond = None
        if tail.startswith("if"):
            cond = normalize(tail[2:]) or None
        entry["prompt"] = prompt if entry.get("kind") == "choice" else True
        entry["prompt_if"] = cond

    @staticmethod
    def add_default(entry: dict, rest: str) -> None:
        value, cond = split_if(rest)
        entry.setdefault("defaults", []).append([value, cond])


KEYWORDS = {
    "bool", "choice", "comment", "config", "def_bool", "def_tristate", "default", "depends", "endchoice",
    "endif", "endmenu", "help", "hex", "if", "imply", "int", "mainmenu", "menu", "menuconfig", "modules",
    "on", "prompt", "range", "select", "source", "string", "tristate", "visible",
}


def compact(record: dict) -> dict:
    """Drop empty fields and internal bookkeeping so the JSON stays small."""
    return {k: v for k, v in record.items() if v not in (None, [], False) and k not in ("kind", "visible", "id")} | (
        {"kind": record["kind"]} if record.get("kind") == "menuconfig" else {}
    )


def symbol_type(definitions: list[dict], choices: dict) -> str | None:
    for definition in definitions:
        if definition["type"]:
            return definition["type"]
    for definition in definitions:  # choice members may inherit the choice's type
        if definition["choice"] and choices[definition["choice"]]["type"]:
            return choices[definition["choice"]]["type"]
    return None


def kernel_version(tree: Path) -> str:
    fields = {}
    for line in (tree / "Makefile").read_text().splitlines()[:10]:
        m = re.match(r"^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)\s*=\s*(.*)$", line)
        if m:
            fields[m.group(1)] = m.group(2).strip()
    return f"{fields['VERSION']}.{fields['PATCHLEVEL']}.{fields['SUBLEVEL']}{fields.get('EXTRAVERSION', '')}"


def debian_package_version(package: str) -> str | None:
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                             capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def build_database(tree: Path, arch: str, package: str, tarball: Path | None) -> tuple[dict, list[str]]:
    reader = KconfigReader(tree, arch)
    reader.read_file("Kconfig")
    if reader.stack:
        raise KconfigSyntaxError(f"unclosed blocks at end of tree: {[b['kind'] for b in reader.stack]}")
    symbols = {}
    for name, symbol in reader.symbols.items():
        definitions = symbol["definitions"]
        symbols[name] = {"type": symbol_type(definitions, reader.choices),
                         "definitions": [compact(d) for d in definitions]}
    choices = {cid: compact(c) for cid, c in reader.choices.items()}
    header = {
        "format": FORMAT_VERSION,
        "generator": "scripts/gen_kconfig_db.py",
        "arch": arch,
        "kernel_version": kernel_version(tree),
        "source_package": package,
        "source_package_version": debian_package_version(package),
        "tarball": str(tarball) if tarball else None,
        "tarball_sha256": sha256_file(tarball) if tarball and tarball.is_file() else None,
        "kconfig_files": len(reader.files_read),
        "symbol_count": len(symbols),
        "choice_count": len(choices),
        "note": ("expressions are raw Kconfig text; $(...) macros are not evaluated; help texts dropped; "
                 "a symbol's prompt is true when it has one (text not kept); a choice's prompt is its title"),
    }
    return {"header": header, "symbols": symbols, "choices": choices}, reader.warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", required=True, type=Path, help="unpacked Linux source tree")
    parser.add_argument("--arch", default="arm64", help="SRCARCH (default arm64)")
    parser.add_argument("-o", "--output", required=True, type=Path)
    parser.add_argument("--package", default="linux-source-6.12", help="Debian package the tree came from")
    parser.add_argument("--tarball", type=Path, default=Path("/usr/src/linux-source-6.12.tar.xz"))
    args = parser.parse_args(argv)

    if not (args.tree / "arch" / args.arch / "Kconfig").is_file():
        parser.error(f"{args.tree} has no arch/{args.arch}/Kconfig")
    try:
        database, warnings = build_database(args.tree, args.arch, args.package, args.tarball)
    except KconfigSyntaxError as exc:
        print(f"gen_kconfig_db: {exc}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"gen_kconfig_db: warning: {warning}", file=sys.stderr)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_suffix(".tmp")
    tmp.write_text(json.dumps(database, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    os.replace(tmp, args.output)
    header = database["header"]
    print(f"{args.output}: {header['symbol_count']} symbols, {header['choice_count']} choices, "
          f"Linux {header['kernel_version']} ({header['source_package_version']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
