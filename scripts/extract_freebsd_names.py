#!/usr/bin/env python3
"""Extract the FreeBSD kernel-config name database for one architecture.

Reads FreeBSD's config(8) input tables straight out of a git repository
(`git show REV:path`), so a run is reproducible from (git dir, rev):

  sys/conf/options, sys/conf/options.<arch>, sys/conf/options-compat
      -> "options" (name -> declaring file + opt_*.h header) and
         "options_compat" (old name -> new name)
  sys/conf/files, sys/conf/files.<arch>
      -> "devices": every word used in an `optional`/`standard` dependency
         clause (config(8) accepts `device X` iff some files entry names X)
  sys/<arch>/conf/{GENERIC,DEFAULTS,std.*,VIRT,GENERIC-NODEBUG},
  sys/conf/std.{nodebug,debug}
      -> "configs": directives after following `include`, and "effective"
         option/device sets for GENERIC and a VIRT-style kernel.

Only names (facts) are emitted; no FreeBSD source text is copied.

Usage:
  python3 -m scripts.extract_freebsd_names --git-dir DIR --rev REV --version 14 \
      -o targets/freebsd/names-14.json [--ref NAME] [--arch arm64]
      [--provenance FILE]

--provenance FILE (JSON) is for repositories that are not a clone of
freebsd/freebsd-src (e.g. a reconstruction of individual upstream files):
  {"repo": "freebsd/freebsd-src", "ref": "...", "note": "...",
   "files": {"sys/conf/files": {"commit": "<sha>", "ref": "...", "note": "..."}}}
Per-file entries override the commit/ref recorded in "inputs".

Python 3.11, standard library only.
"""
from __future__ import annotations

import argparse
import os
import posixpath
from typing import Any

from scripts.srcread import Source, provenance_of, sha256, write_json

GENERATED_BY = "scripts/extract_freebsd_names.py"
SCHEMA_VERSION = 1
UPSTREAM_REPO = "freebsd/freebsd-src"

# files(5) keywords that end the dependency list of an entry.  Those in
# KW_WITH_ARG take one (usually quoted) argument.
KW_WITH_ARG = {"compile-with", "dependency", "clean", "warning", "obj-prefix"}
KW_FLAGS = {
    "no-obj", "no-implicit-rule", "before-depend", "nowerror", "local",
    "no-depend", "no-ctfconvert", "profiling-routine", "no-ctf",
}

# config(5) directives we understand.
CONFIG_DIRECTIVES = {
    "cpu", "nocpu", "ident", "machine", "include", "files", "hints", "env",
    "maxusers", "profile",
    "option", "options", "nooption", "nooptions",
    "device", "devices", "nodevice", "nodevices",
    "makeoption", "makeoptions", "nomakeoption", "nomakeoptions",
}


# --------------------------------------------------------------------------
# Tokenising helpers


def strip_comment(line: str) -> str:
    """Drop a '#' comment that is not inside double quotes."""
    inq = False
    esc = False
    for i, ch in enumerate(line):
        if esc:
            esc = False
            continue
        if ch == "\\":
            esc = True
            continue
        if ch == '"':
            inq = not inq
        elif ch == "#" and not inq:
            return line[:i]
    return line


def tokenize(text: str) -> list[str]:
    """Whitespace tokeniser that keeps "quoted strings" as one token."""
    tokens: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            tokens.append(text[i:j + 1])
            i = j + 1
            continue
        j = i
        while j < n and not text[j].isspace():
            if text[j] == '"':
                # a quote inside a word (e.g. FOO="bar baz"): consume to close
                k = j + 1
                while k < n and text[k] != '"':
                    k += 2 if text[k] == "\\" else 1
                j = k + 1
            else:
                j += 1
        tokens.append(text[i:j])
        i = j
    return tokens


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash-continued lines; return (first line number, text)."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if not buf:
            start = no
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        out.append((start, " ".join(buf)))
        buf = []
    if buf:
        out.append((start, " ".join(buf)))
    return out


# --------------------------------------------------------------------------
# options / options.<arch> / options-compat


def parse_options(text: str, path: str) -> dict[str, dict[str, Any]]:
    """sys/conf/options format: `NAME [header]`; default header opt_<name>.h."""
    result: dict[str, dict[str, Any]] = {}
    for lineno, line in logical_lines(text):
        words = tokenize(strip_comment(line))
        if not words:
            continue
        name = words[0]
        header = words[1] if len(words) > 1 else None
        entry = {
            "declared_in": path,
            "header": header if header else f"opt_{name.lower()}.h",
            "header_explicit": header is not None,
            "line": lineno,
        }
        result.setdefault(name, entry)
    return result


def parse_options_compat(text: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for _lineno, line in logical_lines(text):
        words = tokenize(strip_comment(line))
        if len(words) >= 2:
            result[words[0]] = words[1]
    return result


# --------------------------------------------------------------------------
# files / files.<arch>


def parse_files(text: str, path: str, src: Source, seen: set[str]) -> list[dict[str, Any]]:
    """Return one record per files(5) entry (following `include` lines)."""
    entries: list[dict[str, Any]] = []
    for lineno, line in logical_lines(text):
        words = tokenize(strip_comment(line))
        if not words:
            continue
        if words[0] == "include":
            if len(words) > 1:
                inc = words[1].strip('"')
                inc = posixpath.normpath(posixpath.join("sys", inc)) if not inc.startswith("sys/") else inc
                if inc not in seen:
                    seen.add(inc)
                    sub = src.read(inc)
                    if sub is not None:
                        entries.extend(parse_files(sub, inc, src, seen))
                    else:
                        entries.append({"file": path, "line": lineno, "include_missing": inc})
            continue
        if len(words) < 2:
            continue
        kind = words[1].lower()
        if kind not in ("optional", "standard", "mandatory"):
            continue
        alts: list[list[str]] = [[]]
        i = 2
        while i < len(words):
            w = words[i]
            lw = w.lower()
            if lw in KW_WITH_ARG:
                i += 2
                continue
            if lw in KW_FLAGS or w.startswith('"'):
                i += 1
                continue
            if w == "|":
                alts.append([])
            else:
                # "a|b" written without spaces
                parts = w.split("|")
                for k, part in enumerate(parts):
                    if k:
                        alts.append([])
                    if part:
                        alts[-1].append(part)
            i += 1
        entries.append({
            "file": path, "line": lineno, "source": words[0], "kind": kind,
            "alternatives": [a for a in alts if a],
        })
    return entries


def collect_devices(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    devices: dict[str, dict[str, Any]] = {}
    for e in entries:
        if "alternatives" not in e:
            continue
        for alt in e["alternatives"]:
            for w in alt:
                neg = w.startswith("!")
                # config(8) compares device names case-sensitively (iwm7265Dfw, netgraph_UI)
                name = w.lstrip("!")
                if not name:
                    continue
                d = devices.setdefault(name, {"files": set(), "negated_in": set(),
                                              "positive_in": set(), "entries": 0,
                                              "standard_in": set()})
                d["files"].add(e["file"])
                (d["negated_in"] if neg else d["positive_in"]).add(e["file"])
                if e["kind"] != "optional":
                    d["standard_in"].add(e["file"])
                d["entries"] += 1
    return devices


# --------------------------------------------------------------------------
# kernel config files


def resolve_include(name: str, conf_dir: str, including: str, src: Source) -> str:
    """config(8) opens includes relative to its cwd (sys/<arch>/conf), then
    along its include path (the build passes the conf dirs; shared files such
    as std.debug/std.nodebug live in sys/conf)."""
    cands = [posixpath.normpath(posixpath.join(d, name))
             for d in (conf_dir, posixpath.dirname(including), "sys/conf")]
    for cand in cands:
        if src.read(cand) is not None:
            return cand
    return cands[0]


def split_list(args: str) -> list[str]:
    return [a for a in (p.strip() for p in args.split(",")) if a]


def parse_config(path: str, conf_dir: str, src: Source, chain: list[str],
                 includes: list[dict[str, Any]], out: list[dict[str, Any]]) -> bool:
    text = src.read(path)
    if text is None:
        return False
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = strip_comment(raw)
        for stmt in line.split(";"):
            words = tokenize(stmt)
            if not words:
                continue
            d = words[0].lower()
            rest = stmt.strip()[len(words[0]):].strip()
            where = {"file": path, "line": lineno}
            if d == "include":
                target = words[1].strip('"') if len(words) > 1 else ""
                resolved = resolve_include(target, conf_dir, path, src)
                if resolved in chain:
                    includes.append({"from": path, "line": lineno, "include": target,
                                     "resolved": resolved, "found": True, "cycle": True})
                    continue
                found = src.read(resolved) is not None
                includes.append({"from": path, "line": lineno, "include": target,
                                 "resolved": resolved, "found": found})
                out.append({"directive": "include", "name": resolved, **where})
                if found:
                    parse_config(resolved, conf_dir, src, chain + [resolved], includes, out)
                continue
            if d not in CONFIG_DIRECTIVES:
                out.append({"directive": "unknown", "name": words[0], **where})
                continue
            if d in ("option", "options", "nooption", "nooptions",
                     "makeoption", "makeoptions", "nomakeoption", "nomakeoptions"):
                canon = {"option": "options", "nooption": "nooptions",
                         "makeoption": "makeoptions", "nomakeoption": "nomakeoptions"}.get(d, d)
                for item in split_list(rest):
                    item = item.split()[0] if item.split() else item
                    op = "="
                    if "+=" in item:
                        name, value = item.split("+=", 1)
                        op = "+="
                    elif "=" in item:
                        name, value = item.split("=", 1)
                    else:
                        name, value = item, None
                    rec = {"directive": canon, "name": name, **where}
                    if canon in ("options", "makeoptions"):
                        rec["value"] = value
                        if op == "+=":
                            rec["append"] = True
                    out.append(rec)
                continue
            if d in ("device", "devices", "nodevice", "nodevices"):
                canon = "devices" if d in ("device", "devices") else "nodevices"
                for item in split_list(rest):
                    for w in item.split():
                        out.append({"directive": canon, "name": w, **where})
                continue
            canon = d
            value = rest.strip('"') if rest else None
            out.append({"directive": canon, "name": value, **where})
    return True


def effective(directives: list[dict[str, Any]]) -> dict[str, Any]:
    """In-order evaluation as config.y does: first `options X` wins
    (duplicates are ignored with a warning), no* removes what is present."""
    options: dict[str, Any] = {}
    devices: dict[str, None] = {}
    makeopts: dict[str, Any] = {}
    ident = None
    cpus: dict[str, None] = {}
    machine = None
    for d in directives:
        k, n = d["directive"], d.get("name")
        if k == "options":
            if n not in options:
                options[n] = d.get("value")
        elif k == "nooptions":
            options.pop(n, None)
        elif k == "devices":
            devices.setdefault(n, None)
        elif k == "nodevices":
            devices.pop(n, None)
        elif k == "makeoptions":
            if d.get("append") and n in makeopts and makeopts[n] is not None:
                makeopts[n] = f"{makeopts[n]} {d.get('value')}"
            else:
                makeopts[n] = d.get("value")
        elif k == "nomakeoptions":
            makeopts.pop(n, None)
        elif k == "ident":
            ident = n
        elif k == "cpu":
            cpus.setdefault(n, None)
        elif k == "nocpu":
            cpus.pop(n, None)
        elif k == "machine":
            machine = n
    return {
        "options": {k: options[k] for k in sorted(options)},
        "devices": sorted(devices),
        "makeoptions": {k: makeopts[k] for k in sorted(makeopts)},
        "ident": ident,
        "cpu": sorted(cpus),
        "machine": machine,
    }


def config_record(paths: list[str], conf_dir: str, src: Source) -> dict[str, Any] | None:
    out: list[dict[str, Any]] = []
    includes: list[dict[str, Any]] = []
    any_found = False
    for p in paths:
        if parse_config(p, conf_dir, src, [p], includes, out):
            any_found = True
    if not any_found:
        return None
    return {"roots": paths, "include_chain": includes, "directives": out,
            "effective": effective(out)}


# --------------------------------------------------------------------------


def conf_files_paths(src: Source, conf_dir: str) -> list[str]:
    """files(5) tables that kernel configs of `conf_dir` add with a `files "..."` directive
    (riscv std.allwinner: "../allwinner/files.allwinner"; powerpc dpaa/config.dpaa)."""
    if src.git_dir:
        listing = src._git("ls-tree", "-r", "--name-only", src.commit or "", conf_dir + "/").split()
    else:
        base = os.path.join(src.tree or ".", conf_dir)
        listing = [posixpath.join(conf_dir, os.path.relpath(os.path.join(r, f), base).replace(os.sep, "/"))
                   for r, _d, fs in os.walk(base) for f in fs]
    found: list[str] = []
    for path in sorted(listing):
        for raw in (src.read(path) or "").splitlines():
            words = tokenize(strip_comment(raw))
            if len(words) > 1 and words[0] == "files":
                # config(8) opens it relative to its working directory, the conf dir
                for base in (conf_dir, posixpath.dirname(path)):
                    target = posixpath.normpath(posixpath.join(base, words[1].strip('"')))
                    if src.read(target) is not None:
                        if target not in found:
                            found.append(target)
                        break
    return found


def read_options(src: Source, opt_paths: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Phase 1: every option of sys/conf/options*, and the names declared twice."""
    options: dict[str, dict[str, Any]] = {}
    duplicates: list[dict[str, Any]] = []
    for p in opt_paths:
        text = src.read(p)
        if text is None:
            continue
        for name, entry in parse_options(text, p).items():
            if name in options:
                duplicates.append({"name": name, "first": options[name]["declared_in"],
                                   "again": p})
                continue
            options[name] = entry
    return options, duplicates


def read_devices(src: Source, files_paths: list[str], options: dict[str, Any]
                 ) -> tuple[dict[str, Any], list[dict[str, Any]], set[str]]:
    """Phase 2: the device words of sys/conf/files* (with what they include); also the
    entries (for counts) and every files.* path read."""
    entries: list[dict[str, Any]] = []
    seen: set[str] = set(files_paths)
    for p in files_paths:
        text = src.read(p)
        if text is not None:
            entries.extend(parse_files(text, p, src, seen))
    raw_devs = collect_devices(entries)
    opt_upper = {n.upper(): n for n in options}
    devices: dict[str, Any] = {}
    for name in sorted(raw_devs):
        d = raw_devs[name]
        devices[name] = {
            "files": sorted(d["files"]),
            "negated_only": not d["positive_in"],
            "negated_in": sorted(d["negated_in"]),
            "also_option": opt_upper.get(name.upper()),
            "entries": d["entries"],
        }
    return devices, entries, seen


def read_configs(src: Source, arch: str, conf_dir: str, config_paths: list[str]
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Phase 3: each kernel config after its includes, and the effective GENERIC, VIRT-style
    and VIRT option and device sets."""
    configs: dict[str, Any] = {}
    for p in config_paths:
        if p in configs:
            continue
        rec = config_record([p], conf_dir, src)
        if rec is not None:
            configs[p] = rec
    defaults = f"{conf_dir}/DEFAULTS"
    has_defaults = src.read(defaults) is not None
    eff: dict[str, Any] = {}
    generic_roots = ([defaults] if has_defaults else []) + [f"{conf_dir}/GENERIC"]
    rec = config_record(generic_roots, conf_dir, src)
    if rec is not None and src.read(f"{conf_dir}/GENERIC") is not None:
        eff["GENERIC"] = {"roots": rec["roots"], **rec["effective"]}
    virt_roots = ([defaults] if has_defaults else []) + [
        f"{conf_dir}/{'std.arm64' if arch == 'arm64' else 'std.' + arch}",
        f"{conf_dir}/std.dev", f"{conf_dir}/std.virt"]
    present = [r for r in virt_roots if src.read(r) is not None]
    rec = config_record(present, conf_dir, src)
    if rec is not None:
        eff["VIRT_STYLE"] = {"roots": present, **rec["effective"]}
    if src.read(f"{conf_dir}/VIRT") is not None:
        rec = config_record(([defaults] if has_defaults else []) + [f"{conf_dir}/VIRT"],
                            conf_dir, src)
        eff["VIRT"] = {"roots": rec["roots"], **rec["effective"]}
    return configs, eff


def input_records(src: Source, wanted: list[str], *, repo: str, ref: str, prov_files: dict[str, Any],
                  last_change: bool) -> list[dict[str, Any]]:
    """Phase 4: repository, path, commit and sha256 of every file read (or wanted and absent)."""
    inputs = []
    for p in sorted(set(wanted)):
        text = src.read(p)
        pf = prov_files.get(p, {})
        item: dict[str, Any] = {
            "repo": repo,
            "path": p,
            "commit": pf.get("commit", src.commit),
            "ref": pf.get("ref", ref),
            "present": text is not None,
        }
        if text is not None:
            item["sha256"] = sha256(text)
            if not prov_files and last_change:
                lc = src.last_change(p)
                if lc:
                    item["last_changed_commit"] = lc
        if pf.get("note"):
            item["note"] = pf["note"]
        inputs.append(item)
    return inputs


def build(args: argparse.Namespace) -> dict[str, Any]:
    src = Source(args.git_dir, args.rev)
    arch = args.arch
    conf_dir = f"sys/{arch}/conf"
    prov, prov_files, ref, repo = provenance_of(args, UPSTREAM_REPO)

    opt_paths = ["sys/conf/options", f"sys/conf/options.{arch}"]
    files_paths = ["sys/conf/files", f"sys/conf/files.{arch}"]
    compat_path = "sys/conf/options-compat"
    config_names = ["GENERIC", "DEFAULTS", "std.arm64" if arch == "arm64" else f"std.{arch}",
                    "std.dev", "std.virt", "VIRT", "GENERIC-NODEBUG", "std.debug"]
    config_paths = [f"{conf_dir}/{n}" for n in config_names] + [
        "sys/conf/std.nodebug", "sys/conf/std.debug"]

    if args.conf_files:
        files_paths += conf_files_paths(src, conf_dir)
    options, duplicates = read_options(src, opt_paths)
    compat_text = src.read(compat_path)
    options_compat = parse_options_compat(compat_text) if compat_text else {}
    devices, entries, seen = read_devices(src, files_paths, options)
    configs, eff = read_configs(src, arch, conf_dir, config_paths)

    wanted = opt_paths + [compat_path] + files_paths + sorted(seen - set(files_paths))
    for p in configs:
        for inc in configs[p]["include_chain"]:
            wanted.append(inc["resolved"])
        wanted.append(p)
    wanted += config_paths
    inputs = input_records(src, wanted, repo=repo, ref=ref, prov_files=prov_files,
                           last_change=not args.no_last_change)

    source: dict[str, Any] = {"repo": repo, "rev": args.rev, "ref": ref,
                              "commit": prov.get("commit", src.commit)}
    if prov:
        source["reconstructed"] = True
        source["local_commit"] = src.commit
        if prov.get("note"):
            source["note"] = prov["note"]

    return {
        "generated_by": GENERATED_BY,
        "schema_version": SCHEMA_VERSION,
        "os": "freebsd",
        "version": str(args.version),
        "arch": arch,
        "source": source,
        "inputs": inputs,
        "options": options,
        "options_duplicates": duplicates,
        "options_compat": {k: options_compat[k] for k in sorted(options_compat)},
        "devices": devices,
        "configs": configs,
        "effective": eff,
        "counts": {
            "options": len(options),
            "options_compat": len(options_compat),
            "devices": len(devices),
            "devices_not_options": sum(1 for d in devices.values() if not d["also_option"]),
            "files_entries": sum(1 for e in entries if "alternatives" in e),
        },
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--git-dir", required=True, help="freebsd-src git directory")
    ap.add_argument("--rev", required=True, help="tag/branch/commit to read")
    ap.add_argument("--version", required=True, help="FreeBSD major version label, e.g. 14")
    ap.add_argument("--ref", help="ref name to record (default: --rev)")
    ap.add_argument("--arch", default="arm64")
    ap.add_argument("--provenance", help="JSON with upstream commits for a reconstructed repo")
    ap.add_argument("--conf-files", action="store_true",
                    help="also read the files.* that configs in sys/<arch>/conf add with `files \"...\"`")
    ap.add_argument("--no-last-change", action="store_true",
                    help="skip `git log` per input (faster on huge repos)")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args(argv)
    write_json(build(args), args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
