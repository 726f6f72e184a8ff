#!/usr/bin/env python3
"""Extract the OpenBSD (arm64) kernel-config name database.

Reads OpenBSD's config(8) inputs straight out of a git repository
(`git show REV:path`) or a plain tree (--tree DIR).

Starting points are sys/arch/arm64/conf/GENERIC and GENERIC.MP.  Includes
are followed the way config(8) does (a leading "../../../" is dropped and
the rest is taken relative to sys/), and `machine arm64` pulls in
sys/conf/files and sys/arch/arm64/conf/files.arm64.  From the files.*
reached:

  device NAME [{locators}] [: attrs]      -> "devices"
  pseudo-device NAME [: attrs]            -> "pseudo_devices"
  attach X at Y[, Z] [with W]             -> "attachments"
  define NAME [{locators}]                -> "attributes"
  defopt NAME                             -> options (provenance "defopt")
  file PATH expr                          -> lower-case words of expr that are
                                             not devices/attributes ->
                                             options (provenance "files_expr")

OpenBSD declares (almost) no options, so option names come from:
  share/man/man4/options.4 `.It Cd option NAME`   provenance "documented"
  options selected in the GENERIC chain           provenance "generic"
  `#option NAME` lines in the GENERIC chain       provenance "generic_commented"
  file dependency expressions (see above)         provenance "files_expr"

The effective GENERIC and GENERIC.MP selections (options, rmoption,
instances, pseudo-devices, makeoptions, config, maxusers) are evaluated in
order, with config(8)'s rules: a second `option X` is an error, `rmoption X`
of an unset X is silent, devices can only be `disable`d.

Only names (facts) are emitted; no OpenBSD source text is copied.

Usage:
  python3 -m scripts.extract_openbsd_names --git-dir DIR --rev OPENBSD_7_8 --release 7.8 \\
      -o targets/openbsd/names-7.json
  (same --tree / --sys-prefix / --provenance / --repo options as
   scripts/extract_netbsd_names.py)

Python 3.11, standard library only (shares its lexer with
scripts/extract_netbsd_names.py, loaded by path).
"""
from __future__ import annotations

import argparse
import posixpath
import re
from typing import Any

from scripts import extract_netbsd_names as nb  # the same config(5) reader: OpenBSD's grammar is NetBSD's
from scripts.srcread import (
    AttachChecker, add_source_arguments, database_head, input_record, provenance_of, source_from_arguments,
    source_record, sorted_attachments, write_json,
)

GENERATED_BY = "scripts/extract_openbsd_names.py"
SCHEMA_VERSION = 1
UPSTREAM_REPO = "openbsd/src"
ARCH = "arm64"
CONFIGS = ["GENERIC", "GENERIC.MP"]
OPTIONS_MAN = "share/man/man4/options.4"
MAN_OPT_RE = re.compile(r"^\.It\s+Cd\s+options?\s+([A-Za-z_][A-Za-z0-9_]*)(.*)$")
MAN_MKOPT_RE = re.compile(r"^\.It\s+Cd\s+makeoptions?\s+([A-Za-z_][A-Za-z0-9_]*)(.*)$")
EXPR_WORD_RE = re.compile(r"[A-Za-z_][-A-Za-z_0-9]*")
FILE_KW = {"needs-flag", "needs-count", "compile-with", "build", "source"}


def is_files(path: str) -> bool:
    base = posixpath.basename(path)
    return base == "files" or base.startswith("files.")


class Selection:
    """Effective selection of one config (config(8) semantics)."""

    def __init__(self) -> None:
        self.options: dict[str, dict[str, Any]] = {}
        self.rmoptions: list[dict[str, Any]] = []
        self.makeoptions: dict[str, dict[str, Any]] = {}
        self.pseudo: dict[str, dict[str, Any]] = {}
        self.instances: list[dict[str, Any]] = []
        self.configs: list[dict[str, Any]] = []
        self.maxusers: int | None = None
        self.machine: list[str] = []
        self.errors: list[dict[str, Any]] = []
        self.commented_out: list[dict[str, Any]] = []

    def statement(self, path: str, line: int, toks: list[str]) -> bool:
        kw = toks[0]
        where = {"path": path, "line": line}
        if kw in ("option", "options"):
            for item in nb.split_commas(toks[1:]):
                name = item[0]
                value = nb.unquote(" ".join(item[2:])) if len(item) > 2 and item[1] == "=" else None
                if name in self.options:
                    self.errors.append({**where, "error": f"already have options {name}"})
                    continue
                self.options[name] = {"value": value, **where}
            return True
        if kw in ("rmoption", "rmoptions"):
            for item in nb.split_commas(toks[1:]):
                self.rmoptions.append({"name": item[0], "was_set": item[0] in self.options,
                                       **where})
                self.options.pop(item[0], None)
            return True
        if kw in ("makeoption", "makeoptions"):
            for item in nb.split_commas(toks[1:]):
                if len(item) >= 3 and item[1] == "=":
                    self.makeoptions[item[0]] = {"value": nb.unquote(" ".join(item[2:])),
                                                 **where}
            return True
        if kw == "pseudo-device" and len(toks) > 1:
            rest = toks[2:]
            count = int(rest[0]) if rest and rest[0].isdigit() else None
            self.pseudo[toks[1]] = {"count": count, "disabled": "disable" in rest, **where}
            return True
        if kw == "maxusers" and len(toks) > 1 and toks[1].isdigit():
            self.maxusers = int(toks[1])
            return True
        if kw == "config":
            self.configs.append({"statement": " ".join(toks[1:]), **where})
            return True
        if len(toks) >= 3 and toks[1] == "at":
            self.instance(toks, where)
            return True
        return False

    def instance(self, toks: list[str], where: dict[str, Any]) -> None:
        base, unit = nb.split_inst(toks[0])
        pbase, punit = nb.split_inst(toks[2])
        rest = toks[3:]
        if rest == ["enable"]:
            hit = False
            for i in self.instances:
                if i["device"] == base and i["at"] == pbase:
                    i["disabled"] = False
                    hit = True
            if not hit:
                self.errors.append({**where, "error": f"enable of undefined {toks[0]}"})
            return
        disabled = "disable" in rest
        rest = [t for t in rest if t != "disable"]
        flags = None
        if "flags" in rest:
            k = rest.index("flags")
            flags = rest[k + 1] if k + 1 < len(rest) else None
            rest = rest[:k] + rest[k + 2:]
        item: dict[str, Any] = {"device": base, "unit": unit, "at": pbase, "parent_unit": punit,
                                "instance": toks[0], "parent": toks[2], "disabled": disabled,
                                **where}
        if rest:
            item["locators"] = " ".join(rest)
        if flags is not None:
            item["flags"] = flags
        self.instances.append(item)

    def commented(self, path: str, line: int, kw: str, rest: str) -> None:
        body, _c = nb._split_comment(rest)
        toks = nb.TOKEN_RE.findall(body)
        kind = "options" if kw.startswith("option") else "pseudo-device"
        items = nb.split_commas(toks) if kind == "options" else [toks[:1]]
        for item in items:
            if not item or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", item[0]):
                continue
            value = nb.unquote(item[2]) if len(item) > 2 and item[1] == "=" else None
            self.commented_out.append({"kind": kind, "name": item[0], "value": value,
                                       "path": path, "line": line})


class Reader:
    def __init__(self, src: Any, sys_prefix: str) -> None:
        self.src = src
        self.sys = sys_prefix
        self.devices: dict[str, dict[str, Any]] = {}
        self.pseudo: dict[str, dict[str, Any]] = {}
        self.attributes: dict[str, dict[str, Any]] = {}
        self.attachments: list[dict[str, Any]] = []
        self.defopts: dict[str, dict[str, Any]] = {}
        self.expr_words: dict[str, list[str]] = {}
        self.maxusers_defaults: list[int] | None = None
        self.duplicates: list[dict[str, Any]] = []
        self.unknown: dict[str, int] = {}
        self.read_files: set[str] = set()
        self._decl_done: set[str] = set()

    def full(self, rel: str) -> str:
        return posixpath.normpath(self.sys + rel) if self.sys else posixpath.normpath(rel)

    def resolve(self, name: str) -> str:
        name = nb.unquote(name)
        if name.startswith("../../../"):
            name = name[9:]
        return name.lstrip("/") if name.startswith("/") else self.full(name)

    # -- one config, with its includes; declarations are shared
    def read_config(self, root: str) -> tuple[Selection, list[dict[str, Any]],
                                              list[dict[str, Any]]]:
        sel = Selection()
        chain: list[dict[str, Any]] = []
        unresolved: list[dict[str, Any]] = []
        self._read(root, None, None, "root", sel, chain, unresolved, set())
        return sel, chain, unresolved

    def _read(self, full: str, via: str | None, line: int | None, kind: str, sel: Selection,
              chain: list[dict[str, Any]], unresolved: list[dict[str, Any]],
              stack: set[str]) -> None:
        text = self.src.read(full)
        if text is None:
            unresolved.append({"path": full, "from": via, "line": line, "kind": kind})
            return
        chain.append({"path": full, "from": via, "line": line, "kind": kind})
        self.read_files.add(full)
        decl = is_files(full)
        if decl and full in self._decl_done:
            return
        if full in stack:
            return
        if decl:
            self._decl_done.add(full)
        stack = stack | {full}
        raw, comments = nb.raw_statements(text, strict_indent=True)
        for ln, stmt in raw:
            toks = nb.TOKEN_RE.findall(stmt)
            if not toks:
                continue
            if toks[0] == "file" and decl:
                self.file_expr(full, stmt)
                continue
            kw = toks[0]
            if kw == "include" and len(toks) > 1:
                self._read(self.resolve(toks[1]), full, ln, "include", sel, chain, unresolved,
                           stack)
            elif kw == "machine" and len(toks) > 1:
                sel.machine = [nb.unquote(t) for t in toks[1:]]
                m = sel.machine
                auto = ["conf/files"] + ([f"arch/{m[1]}/conf/files.{m[1]}"] if len(m) > 1
                                         else []) + [f"arch/{m[0]}/conf/files.{m[0]}"]
                for rel in auto:
                    self._read(self.full(rel), full, ln, "machine", sel, chain, unresolved,
                               stack)
            elif decl:
                self.declaration(full, ln, toks)
            else:
                if not sel.statement(full, ln, toks) and kw not in ("file", "object"):
                    self.unknown[kw] = self.unknown.get(kw, 0) + 1
        if not decl:
            for ln, c in comments:
                m = re.match(r"^#\s*(options?|pseudo-device)\s+(.*)$", c.strip())
                if m:
                    sel.commented(full, ln, m.group(1), m.group(2))

    def declaration(self, path: str, line: int, toks: list[str]) -> None:
        kw = toks[0]
        where = {"declared_in": path, "line": line}
        if kw == "device" and len(toks) > 1:
            self._dev(toks[1:], where, self.devices, "device")
        elif kw == "pseudo-device" and len(toks) > 1:
            self._dev(toks[1:], where, self.pseudo, "pseudo-device")
        elif kw == "define" and len(toks) > 1:
            locs, _i = nb.skip_braces(toks, 2)
            name = toks[1]
            entry = {"interface": len(toks) > 2 and toks[2] == "{", "locators": locs,
                     "implicit": False, **where}
            if name in self.attributes and not self.attributes[name]["implicit"]:
                self.duplicates.append({"table": "attributes", "name": name,
                                        "first": self.attributes[name]["declared_in"],
                                        "again": path, "line": line})
            else:
                self.attributes[name] = entry
        elif kw == "attach" and len(toks) >= 4 and toks[2] == "at":
            dev = toks[1]
            parents, with_name, deps = nb.attach_tail(toks[3:])
            for p in parents:
                item: dict[str, Any] = {"device": dev, "at": p, **where}
                if with_name:
                    item["with"] = with_name
                if deps:
                    item["depends"] = deps
                self.attachments.append(item)
        elif kw == "defopt" and len(toks) > 1:
            self.defopts.setdefault(toks[1], where)
        elif kw == "maxusers" and len(toks) == 4 and all(t.isdigit() for t in toks[1:]):
            self.maxusers_defaults = [int(t) for t in toks[1:]]
        elif kw in ("object", "maxpartitions", "major", "file"):
            pass
        else:
            self.unknown[kw] = self.unknown.get(kw, 0) + 1

    def file_expr(self, path: str, stmt: str) -> None:
        """Collect the words of a `file PATH expr [needs-flag] ...` expression."""
        words = stmt.split()
        i = 2
        while i + 1 < len(words) and words[i] == "|":   # `file a.S | a.c expr`
            i += 2
        for t in words[i:]:
            if t in FILE_KW or t.startswith('"'):
                break
            if "/" in t:
                continue
            for w in EXPR_WORD_RE.findall(t):
                self.expr_words.setdefault(w, [])
                if path not in self.expr_words[w]:
                    self.expr_words[w].append(path)

    def _dev(self, toks: list[str], where: dict[str, Any], table: dict[str, Any],
             kind: str) -> None:
        name = toks[0]
        locs, i = nb.skip_braces(toks, 1)
        interface = len(toks) > 1 and toks[1] == "{"
        attrs = [t for t in toks[i + 1:] if t != ","] if i < len(toks) and toks[i] == ":" else []
        if name in table:
            self.duplicates.append({"table": kind, "name": name,
                                    "first": table[name]["declared_in"],
                                    "again": where["declared_in"], "line": where["line"]})
            return
        table[name] = {"kind": kind, "attributes": attrs, "interface": interface,
                       "locators": locs, **where}
        if interface and name not in self.attributes:
            self.attributes[name] = {"interface": True, "locators": locs, "implicit": True,
                                     **where}


def parse_options_man(text: str | None) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    opts: dict[str, dict[str, Any]] = {}
    mk: dict[str, Any] = {}
    if not text:
        return opts, mk
    for no, line in enumerate(text.splitlines(), 1):
        m = MAN_OPT_RE.match(line)
        if m:
            rest = m.group(2)
            syn = re.search(r"Ar\s+(\S+)", rest)
            entry: dict[str, Any] = {"line": no}
            if "=" in rest:
                entry["takes_value"] = True
                if syn:
                    entry["value"] = syn.group(1)
            opts.setdefault(m.group(1), entry)
            continue
        m = MAN_MKOPT_RE.match(line)
        if m:
            mk.setdefault(m.group(1), {"line": no, "example": m.group(2).strip()})
    return opts, mk


def effective(sel: Selection, chain: list[dict[str, Any]], unresolved: list[dict[str, Any]],
              root: str) -> dict[str, Any]:
    return {
        "config_path": root,
        "machine": sel.machine,
        "include_chain": chain,
        "unresolved_includes": unresolved,
        "options": {k: sel.options[k]["value"] for k in sorted(sel.options)},
        "options_where": {k: f"{sel.options[k]['path']}:{sel.options[k]['line']}"
                          for k in sorted(sel.options)},
        "rmoptions": sel.rmoptions,
        "commented_out": sorted(sel.commented_out,
                                key=lambda c: (c["path"], c["line"], c["name"])),
        "pseudo_devices": {k: {"count": v["count"], "disabled": v["disabled"]}
                           for k, v in sorted(sel.pseudo.items())},
        "instances": sorted(sel.instances,
                            key=lambda i: (i["device"], i["at"], i["instance"], i["parent"],
                                           i.get("locators", ""), i["path"], i["line"])),
        "makeoptions": {k: v["value"] for k, v in sorted(sel.makeoptions.items())},
        "maxusers": sel.maxusers,
        "config": [c["statement"] for c in sel.configs],
        "errors": sel.errors,
    }


def check_instances(rd: Reader, sel: Selection) -> list[dict[str, Any]]:
    attach = AttachChecker(rd.devices, rd.pseudo, rd.attributes, rd.attachments)
    problems = []
    for inst in sel.instances:
        dev, parent = inst["device"], inst["at"]
        label = f"{inst['instance']} at {inst['parent']}"
        if dev not in rd.devices and dev not in rd.pseudo:
            problems.append({"instance": label, "problem": "unknown device"})
            continue
        if parent == "root":
            if (dev, "root") not in attach.pairs:
                problems.append({"instance": label, "problem": "no attach at root"})
            continue
        if not attach.attached(dev, parent):
            problems.append({"instance": label, "problem": "no matching attach statement"})
    for p in sel.pseudo:
        if p not in rd.pseudo:
            problems.append({"pseudo_device": p, "problem": "not declared as pseudo-device"})
    return problems


def read_configs(rd: Reader, src: Any, arch: str) -> tuple[dict[str, Any], dict[str, Selection]]:
    """Phase 1: every config of CONFIGS the tree has, evaluated (GENERIC must be there)."""
    results: dict[str, Any] = {}
    sels: dict[str, Selection] = {}
    for name in CONFIGS:
        root = rd.full(f"arch/{arch}/conf/{name}")
        if src.read(root) is None:
            continue
        sel, chain, unresolved = rd.read_config(root)
        sels[name] = sel
        results[name] = effective(sel, chain, unresolved, root)
    if "GENERIC" not in results:
        raise SystemExit(f"arch/{arch}/conf/GENERIC not found")
    return results, sels


def exclude_options(rd: Reader, results: dict[str, Any], sels: dict[str, Selection],
                    names: list[str], reason: str | None) -> list[dict[str, Any]]:
    """Phase 2: drop a fork's own options from the selections (recorded), then check instances."""
    excluded: list[dict[str, Any]] = []
    for name, sel in sels.items():
        for ex in names:
            if ex in sel.options:
                v = sel.options.pop(ex)
                excluded.append({"config": name, "name": ex, "value": v["value"],
                                 "where": f"{v['path']}:{v['line']}",
                                 "reason": reason or "excluded by --exclude-option"})
                results[name]["options"].pop(ex, None)
                results[name]["options_where"].pop(ex, None)
        results[name]["check_problems"] = check_instances(rd, sel)
    return excluded


def collect_options(rd: Reader, sels: dict[str, Selection],
                    man_opts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Phase 3: every option name with where it comes from (options(4), the configs, defopt
    lines, expressions in files.*)."""
    options: dict[str, dict[str, Any]] = {}

    def opt(name: str) -> dict[str, Any]:
        return options.setdefault(name, {"provenance": [], "documented": False,
                                         "used_in": [], "commented_in": [],
                                         "files_expr_in": []})

    for name, e in man_opts.items():
        o = opt(name)
        o["documented"] = True
        o["man_line"] = e["line"]
        if e.get("takes_value"):
            o["takes_value"] = True
            if "value" in e:
                o["value_placeholder"] = e["value"]
    for cname, sel in sels.items():
        for name, v in sel.options.items():
            opt(name)["used_in"].append(f"{cname}:{v['path']}:{v['line']}")
        for c in sel.commented_out:
            if c["kind"] == "options":
                loc = f"{c['path']}:{c['line']}"
                if loc not in opt(c["name"])["commented_in"]:
                    opt(c["name"])["commented_in"].append(loc)
    for name, where in rd.defopts.items():
        opt(name)["defopt"] = f"{where['declared_in']}:{where['line']}"
    declared_lower = ({n.lower() for n in rd.devices} | {n.lower() for n in rd.pseudo}
                      | {n.lower() for n in rd.attributes}
                      | {a.get("with", "").lower() for a in rd.attachments})
    dev_lower = {n.lower() for n in rd.devices} | {n.lower() for n in rd.pseudo}
    for w, paths in rd.expr_words.items():
        if w.lower() in declared_lower:
            continue
        if not w.islower() and not w.isupper():
            continue
        # `aic_isa`, `com_cardbus`: attachment names of buses that arm64 does
        # not include, not options
        if "_" in w and w.split("_", 1)[0].lower() in dev_lower:
            continue
        name = w.upper()
        opt(name)["files_expr_in"] = sorted(paths)
    for o in options.values():
        prov_l = []
        if o["documented"]:
            prov_l.append("documented")
        if o["used_in"]:
            prov_l.append("generic")
        if o["commented_in"]:
            prov_l.append("generic_commented")
        if o.get("defopt"):
            prov_l.append("defopt")
        if o["files_expr_in"]:
            prov_l.append("files_expr")
        o["provenance"] = prov_l
        o["used_in"] = sorted(set(o["used_in"]))
        o["commented_in"] = sorted(o["commented_in"])
    return options


def build(args: argparse.Namespace) -> dict[str, Any]:
    src, sys_prefix = source_from_arguments(args)
    prov, prov_files, ref, repo = provenance_of(args, UPSTREAM_REPO)

    rd = Reader(src, sys_prefix)
    results, sels = read_configs(rd, src, args.arch)
    excluded = exclude_options(rd, results, sels, args.exclude_option or [], args.exclude_reason)
    man_path = args.options_man
    man_opts, man_mk = parse_options_man(src.read(man_path))
    options = collect_options(rd, sels, man_opts)

    # inputs
    wanted = set(rd.read_files)
    wanted.add(man_path)
    inputs = [input_record(src, repo=repo, path=full, ref=ref, provenance=prov_files,
                           last_change=not args.no_last_change)
              for full in sorted(wanted)]
    source = source_record(src, repo=repo, rev=args.rev, ref=ref, provenance=prov, upstream=args.upstream)

    attachments = sorted_attachments(rd.attachments)
    documented = sorted(n for n, o in options.items() if o["documented"])
    g = results["GENERIC"]
    return {
        **database_head(args, os_name="openbsd", generated_by=GENERATED_BY, schema_version=SCHEMA_VERSION),
        "source": source,
        "inputs": inputs,
        "options": {k: options[k] for k in sorted(options)},
        "options_documented": documented,
        "makeoptions_documented": sorted(man_mk),
        "devices": {k: rd.devices[k] for k in sorted(rd.devices)},
        "pseudo_devices": {k: rd.pseudo[k] for k in sorted(rd.pseudo)},
        "attributes": {k: rd.attributes[k] for k in sorted(rd.attributes)},
        "attachments": attachments,
        "duplicates": rd.duplicates,
        "maxusers_defaults": rd.maxusers_defaults,
        "generic": g,
        "generic_excluded_options": excluded,
        "generic_mp": results.get("GENERIC.MP"),
        "parse_notes": {"unknown_statements": dict(sorted(rd.unknown.items()))},
        "counts": {
            "inputs": len(inputs),
            "options": len(options),
            "options_documented": len(documented),
            "options_generic": sum(1 for o in options.values() if "generic" in o["provenance"]),
            "options_files_expr_only": sum(1 for o in options.values()
                                           if o["provenance"] == ["files_expr"]),
            "devices": len(rd.devices),
            "pseudo_devices": len(rd.pseudo),
            "attributes": len(rd.attributes),
            "attachments": len(attachments),
            "generic_options": len(g["options"]),
            "generic_instances": len(g["instances"]),
            "generic_pseudo_devices": len(g["pseudo_devices"]),
            "generic_mp_options": len(results["GENERIC.MP"]["options"])
            if "GENERIC.MP" in results else 0,
        },
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_source_arguments(ap, os_title="OpenBSD", example_rev="OPENBSD_7_8", default_version="7",
                         example_release="7.8", default_repo=UPSTREAM_REPO)
    ap.add_argument("--arch", default=ARCH, help="the sys/arch/ directory to start from")
    ap.add_argument("--upstream", help="upstream the repository mirrors, if not openbsd/src")
    ap.add_argument("--options-man", default=OPTIONS_MAN, help="path of options(4) source")
    ap.add_argument("--exclude-option", action="append",
                    help="drop this option from the GENERIC selections (e.g. a downstream "
                         "fork's local addition); recorded in generic_excluded_options")
    ap.add_argument("--exclude-reason", help="reason recorded for --exclude-option")
    args = ap.parse_args(argv)
    write_json(build(args), args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
