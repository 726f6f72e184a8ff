#!/usr/bin/env python3
"""Build mscc's versioned OpenZFS tunable database from an openzfs/zfs git repository.

    python3 -m scripts.extract_openzfs_tunables --git-dir DIR --tag zfs-2.2.7 -o targets/openzfs/zfs-2.2.json

Everything is read from the tag with `git show` / `git ls-tree` (no work tree needed):

* `man/man4/zfs.4` and `man/man4/spl.4` (mdoc): every top-level `.It Sy NAME Ns = Ns Sy DEFAULT
  ... Pq TYPE` entry gives the documented name, the default as written (rendered the way mandoc
  prints it) and the type. No prose: the description text is not read (mscc keeps facts, not
  the man page's sentences).
* `module/**/*.c`: every `ZFS_MODULE_PARAM`, `ZFS_MODULE_PARAM_CALL` and
  `ZFS_MODULE_VIRTUAL_PARAM_CALL` declaration (Linux name = name_prefix + name; FreeBSD sysctl =
  the node `_vfs_<scope_prefix>` + "." + name) and every plain Linux `module_param*`
  declaration (Linux only).  `#if`/`#ifdef` blocks that test `__linux__` / `__FreeBSD__` and
  the `module/os/<platform>/` location decide on which platform a declaration exists.
* `include/os/freebsd/spl/sys/mod.h` (`mod_os.h` before 2.4.0): checked to still expand to
  `SYSCTL_*(_vfs_ ## scope_prefix, ...)`; its `<setfunc>_args` macros give the sysctl type of the *_CALL parameters.
* `SYSCTL_NODE(...)` lines under `module/os/freebsd/`: the real dotted name of every node
  (e.g. `_vfs_zfs_dbuf_cache` is `vfs.zfs.dbuf_cache`, not `vfs.zfs.dbuf.cache`).
* `module/os/freebsd/zfs/sysctl_os.c`: the `(LEGACY)` alias sysctls, mapped back to the
  parameter through the variable (`&l2arc_write_max`) or the handler (`param_set_arc_max`).
  Other FreeBSD-only settable sysctls are listed under `freebsd_only`.

Stdlib only; output is deterministic (sorted keys, sorted lists, no timestamps).
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
REPO = "openzfs/zfs"
GENERATOR = "scripts/extract_openzfs_tunables.py"
PLATFORMS = ("linux", "freebsd")

# Type spelled by the C declaration -> the spelling zfs.4 uses in its `Pq` type.
C_TYPE_NAMES = {
    "INT": "int", "UINT": "uint", "LONG": "long", "ULONG": "ulong", "U64": "u64", "S64": "s64",
    "STRING": "charp", "charp": "charp", "int": "int", "uint": "uint", "long": "long",
    "ulong": "ulong", "bool": "bool", "invbool": "bool", "ushort": "ushort", "short": "short",
}
CTLTYPE_NAMES = {
    "CTLTYPE_INT": "int", "CTLTYPE_UINT": "uint", "CTLTYPE_LONG": "long", "CTLTYPE_ULONG": "ulong",
    "CTLTYPE_U64": "u64", "CTLTYPE_S64": "s64", "CTLTYPE_STRING": "charp",
}
SYSCTL_KIND_TYPES = {
    "INT": "int", "UINT": "uint", "LONG": "long", "ULONG": "ulong", "QUAD": "s64",
    "UQUAD": "u64", "U64": "u64", "S64": "s64", "U32": "uint", "U16": "ushort", "U8": "uchar",
    "STRING": "charp",
}


# --------------------------------------------------------------------------- git access

class Repo:
    def __init__(self, git_dir: str, tag: str):
        self.git_dir = git_dir
        self.tag = tag
        self.commit = self._git("rev-parse", f"{tag}^{{commit}}").strip()

    def _git(self, *args: str) -> str:
        proc = subprocess.run(["git", f"--git-dir={self.git_dir}", *args],
                              capture_output=True, text=True, errors="replace")
        if proc.returncode != 0:
            raise SystemExit(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc.stdout

    def show(self, path: str) -> str:
        return self._git("show", f"{self.commit}:{path}")

    def exists(self, path: str) -> bool:
        proc = subprocess.run(["git", f"--git-dir={self.git_dir}", "cat-file", "-e",
                               f"{self.commit}:{path}"], capture_output=True)
        return proc.returncode == 0

    def ls(self, prefix: str) -> list[str]:
        out = self._git("ls-tree", "-r", "--name-only", self.commit, "--", prefix)
        return sorted(line for line in out.splitlines() if line)


# --------------------------------------------------------------------------- mdoc (zfs.4)

CLOSE_PUNCT = {".", ",", ":", ";", ")", "]", "?", "!"}
OPEN_PUNCT = {"(", "["}
TEXT_MACROS = {"Sy", "No", "Ar", "Pa", "Em", "Li", "Ql", "Cm", "Va", "Dv", "Ev", "Sx", "Nm",
               "Fn", "Fa", "Ic", "Ms", "Tn", "Ad", "Er", "Lk", "Mt", "Ux", "At", "Bx"}
MDOC_ESCAPES = [("\\&", ""), ("\\-", "-"), ("\\e", "\\"), ("\\(em", "\u2014"), ("\\(en", "\u2013"),
                ("\\(aq", "'"), ("\\(dq", '"'), ("\\(lq", "\u201c"), ("\\(rq", "\u201d"),
                ("\\(ti", "~"), ("\\(ha", "^"), ("\\(mu", "\u00d7"), ("\\(>=", "\u2265"),
                ("\\(<=", "\u2264"), ("\\(->", "\u2192"), ("\\ ", " "), ("\\~", " "),
                ("\\|", ""), ("\\^", ""), ("\\0", " ")]


NAMED_CHARS = {"->": "\u2192", "<-": "\u2190", "em": "\u2014", "en": "\u2013", "aq": "'",
               "dq": '"', "lq": "\u201c", "rq": "\u201d", "ti": "~", "ha": "^", "mu": "\u00d7",
               ">=": "\u2265", "<=": "\u2264", "bu": "\u2022", "de": "\u00b0", "+-": "\u00b1"}


def unescape(text: str) -> str:
    text = re.sub(r"\\\[([^\]]+)\]", lambda m: NAMED_CHARS.get(m.group(1), m.group(1)), text)
    for old, new in MDOC_ESCAPES:
        text = text.replace(old, new)
    return text


def mdoc_tokens(line: str) -> list[str]:
    """Split a macro line's arguments the way mdoc does (double quotes group words)."""
    tokens: list[str] = []
    i = 0
    while i < len(line):
        if line[i] in " \t":
            i += 1
            continue
        if line[i] == '"':
            j = i + 1
            buf = []
            while j < len(line):
                if line[j] == '"':
                    if j + 1 < len(line) and line[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(line[j])
                j += 1
            tokens.append('"' + "".join(buf))  # marker: quoted, never a macro name
            i = j + 1
            continue
        j = i
        while j < len(line) and line[j] not in " \t":
            if line[j] == "\\" and j + 1 < len(line):
                j += 2
                continue
            j += 1
        tokens.append(line[i:j])
        i = j
    return tokens


def render_tokens(tokens: list[str]) -> str:
    """Render the arguments of one mdoc macro line to plain text, mandoc style."""
    out: list[str] = []
    no_space = True          # suppress the space before the next word
    stack: list[str] = []    # open Pq/Dq/Qq/Sq/Po enclosures closed at end of line

    def emit(word: str, *, attach: bool = False) -> None:
        nonlocal no_space
        if out and not no_space and not attach:
            out.append(" ")
        out.append(word)
        no_space = False

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if tok.startswith('"'):
            emit(unescape(tok[1:]))
            continue
        if tok == "Ns":
            no_space = True
            continue
        if tok in TEXT_MACROS:
            continue
        if tok == "Fl":
            # flag: "-" glued to the next word
            emit("-")
            no_space = True
            continue
        if tok in ("Pq", "Po"):
            emit("(")
            no_space = True
            if tok == "Pq":
                stack.append(")")
            continue
        if tok == "Pc":
            emit(")", attach=True)
            continue
        if tok in ("Dq", "Qq", "Do", "Qo"):
            emit('"')
            no_space = True
            if tok in ("Dq", "Qq"):
                stack.append('"')
            continue
        if tok in ("Dc", "Qc"):
            emit('"', attach=True)
            continue
        if tok in ("Aq", "Ao"):
            emit("<")
            no_space = True
            if tok == "Aq":
                stack.append(">")
            continue
        if tok == "Ac":
            emit(">", attach=True)
            continue
        if tok in ("Sq", "So"):
            emit("'")
            no_space = True
            if tok == "Sq":
                stack.append("'")
            continue
        if tok == "Sc":
            emit("'", attach=True)
            continue
        if tok in ("Xr",):
            if i + 1 < len(tokens):
                emit(f"{unescape(tokens[i])}({tokens[i + 1]})")
                i += 2
            continue
        word = unescape(tok)
        if word in CLOSE_PUNCT:
            emit(word, attach=True)
        elif word in OPEN_PUNCT:
            emit(word)
            no_space = True
        else:
            emit(word)
    while stack:
        emit(stack.pop(), attach=True)
    return "".join(out)


def parse_manpage(text: str, page: str) -> dict[str, dict]:
    """Top-level `.It` entries of the first `.Bl` in DESCRIPTION."""
    lines = [line for line in text.splitlines() if not line.startswith('.\\"')]
    entries: dict[str, dict] = {}
    in_desc = False
    depth = 0
    current: dict | None = None

    def finish() -> None:
        nonlocal current
        if current is not None:
            name = current.pop("name")
            if name in entries:
                # documented twice: keep the first, remember the duplicate
                entries[name].setdefault("duplicate_entries", 1)
                entries[name]["duplicate_entries"] += 1
            else:
                entries[name] = current
        current = None

    for line in lines:
        if line.startswith(".Sh"):
            if in_desc and depth == 0:
                finish()
            in_desc = line.split(None, 1)[1:] == ["DESCRIPTION"]
            continue
        if not in_desc:
            continue
        if line.startswith(".Bl"):
            depth += 1
            continue
        if line.startswith(".El"):
            if depth == 1:
                finish()
            depth -= 1
            continue
        if depth == 1 and line.startswith(".It"):
            finish()
            current = parse_item_head(line, page)
    finish()
    entries = {k: v for k, v in entries.items() if k}
    return entries


ITEM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_item_head(line: str, page: str) -> dict:
    tokens = mdoc_tokens(line[3:])
    entry: dict = {"name": "", "page": page, "default": None, "doc_type": None}
    if len(tokens) < 2 or tokens[0] != "Sy" or not ITEM_NAME.match(tokens[1]):
        entry["raw"] = line
        return entry
    entry["name"] = tokens[1]
    rest = tokens[2:]
    # the type is the argument of the last `Pq` on the line
    if "Pq" in rest:
        k = len(rest) - 1 - rest[::-1].index("Pq")
        entry["doc_type"] = render_tokens(rest[k + 1:]) or None
        rest = rest[:k]
    # the default follows "="; spellings seen: "Ns = Ns Sy 5", "Ns = Sy 0", "Ns = Ns 0 Ns | Ns 1",
    # "Ns = Ns Pa /etc/zfs/zpool.cache", "Ns = Pq int" (no default in the header)
    if "=" in rest:
        k = rest.index("=")
        default = render_tokens(rest[k + 1:]).strip()
        entry["default"] = default or None
    return entry


DEFAULT_NUMBER = re.compile(r"^(-?(?:0x[0-9a-fA-F]+|\d+))(?![\w.])")


def default_value(default: str | None) -> int | None:
    """The number a default starts with ("67108864B (64 MiB)" -> 67108864, "0|1" -> 0,
    "5s" -> 5, "10%" -> 10); None for symbolic defaults (UINT64_MAX, paths, "fastest")."""
    if not default:
        return None
    m = DEFAULT_NUMBER.match(re.sub(r"(?<=\d)(?=[A-Za-z%|(\s])", " ", default))
    return int(m.group(1), 0) if m else None


# --------------------------------------------------------------------------- C scanning

def strip_comments(src: str) -> str:
    """Blank out comments (keeping newlines) while leaving string/char literals intact."""
    out: list[str] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "/" and i + 1 < n and src[i + 1] == "*":
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join("\n" if c == "\n" else " " for c in src[i:j]))
            i = j
        elif ch == "/" and i + 1 < n and src[i + 1] == "/":
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif ch in "\"'":
            j = i + 1
            while j < n and src[j] != ch:
                if src[j] == "\\":
                    j += 1
                elif src[j] == "\n":
                    break
                j += 1
            out.append(src[i:j + 1])
            i = j + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# ---- tri-state preprocessor condition evaluation (True / False / None = unknown)

def t_not(a):
    return None if a is None else (not a)


def t_and(a, b):
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def t_or(a, b):
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


COND_TOKEN = re.compile(r"\s*(defined|[A-Za-z_][A-Za-z0-9_]*|0[xX][0-9a-fA-F]+|\d+[uUlL]*"
                        r"|&&|\|\||==|!=|<=|>=|[!()<>+\-*/,])")


class CondEval:
    """Evaluate an #if expression for one platform.  Only the macros below are known; every other
    identifier (HAVE_*, CONFIG_*, arch macros, version comparisons) is 'unknown'."""

    def __init__(self, expr: str, defined: set[str], undefined: set[str]):
        self.toks = []
        pos = 0
        while pos < len(expr):
            m = COND_TOKEN.match(expr, pos)
            if not m:
                if expr[pos:].strip() == "":
                    break
                self.toks.append("?")
                pos += 1
                continue
            self.toks.append(m.group(1))
            pos = m.end()
        self.i = 0
        self.defined = defined
        self.undefined = undefined

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def run(self):
        try:
            val = self.or_expr()
        except (IndexError, ValueError):
            return None
        return val if self.i >= len(self.toks) else None

    def or_expr(self):
        val = self.and_expr()
        while self.peek() == "||":
            self.take()
            val = t_or(val, self.and_expr())
        return val

    def and_expr(self):
        val = self.cmp_expr()
        while self.peek() == "&&":
            self.take()
            val = t_and(val, self.cmp_expr())
        return val

    def cmp_expr(self):
        val = self.unary()
        while self.peek() in ("==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/"):
            self.take()
            self.unary()
            val = None
        return val

    def unary(self):
        tok = self.peek()
        if tok == "!":
            self.take()
            return t_not(self.unary())
        return self.primary()

    def primary(self):
        tok = self.take()
        if tok is None:
            raise ValueError("unexpected end")
        if tok == "(":
            val = self.or_expr()
            if self.take() != ")":
                raise ValueError("missing )")
            return val
        if tok == "defined":
            paren = self.peek() == "("
            if paren:
                self.take()
            name = self.take()
            if paren and self.take() != ")":
                raise ValueError("missing )")
            if name in self.defined:
                return True
            if name in self.undefined:
                return False
            return None
        if re.match(r"^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$", tok):
            return int(re.sub(r"[uUlL]+$", "", tok), 0) != 0
        if re.match(r"^[A-Za-z_]", tok):
            if self.peek() == "(":            # function-like macro, e.g. KERNEL_VERSION(6,2,0)
                level = 0
                while True:
                    t = self.take()
                    if t is None:
                        raise ValueError("unbalanced")
                    if t == "(":
                        level += 1
                    elif t == ")":
                        level -= 1
                        if level == 0:
                            break
            if tok in self.defined:
                return True               # the platform macros are defined to 1
            if tok in self.undefined:
                return False              # an undefined macro evaluates to 0
            return None
        raise ValueError(f"bad token {tok}")


PLATFORM_MACROS = {
    "linux": ({"__linux__", "_KERNEL", "__KERNEL__"}, {"__FreeBSD__", "_STANDALONE"}),
    "freebsd": ({"__FreeBSD__", "_KERNEL"}, {"__linux__", "__KERNEL__", "_STANDALONE"}),
}


def eval_cond(expr: str, platform: str):
    defined, undefined = PLATFORM_MACROS[platform]
    return CondEval(expr, defined, undefined).run()


class Frame:
    def __init__(self, text: str, vals: dict):
        self.any_prev = dict(vals)
        self.cur = dict(vals)
        self.texts = [text]


def line_conditions(src: str) -> tuple[list[dict], list[list[str]], set[int]]:
    """Per line (0-based): platform -> tri-state activity, the raw condition texts that are
    still undecided there, and the set of preprocessor-directive line numbers."""
    lines = src.split("\n")
    stack: list[Frame] = []
    activity: list[dict] = []
    undecided: list[list[str]] = []
    directive_lines: set[int] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        start = i
        stripped = line.lstrip()
        if stripped.startswith("#"):
            full = line
            while full.endswith("\\") and i + 1 < len(lines):
                i += 1
                full = full[:-1] + " " + lines[i]
            for k in range(start, i + 1):
                directive_lines.add(k)
            m = re.match(r"\s*#\s*(\w+)\s*(.*)$", full)
            if m:
                kw, arg = m.group(1), m.group(2).strip()
                if kw in ("if", "ifdef", "ifndef"):
                    expr = {"if": arg, "ifdef": f"defined({arg})",
                            "ifndef": f"!defined({arg})"}[kw]
                    vals = {p: eval_cond(expr, p) for p in PLATFORMS}
                    stack.append(Frame(f"#{kw} {arg}", vals))
                elif kw == "elif" and stack:
                    fr = stack[-1]
                    vals = {p: eval_cond(arg, p) for p in PLATFORMS}
                    for p in PLATFORMS:
                        fr.cur[p] = t_and(t_not(fr.any_prev[p]), vals[p])
                        fr.any_prev[p] = t_or(fr.any_prev[p], vals[p])
                    fr.texts.append(f"#elif {arg}")
                elif kw == "else" and stack:
                    fr = stack[-1]
                    for p in PLATFORMS:
                        fr.cur[p] = t_not(fr.any_prev[p])
                    fr.texts.append("#else")
                elif kw == "endif" and stack:
                    stack.pop()
        for _ in range(start, i + 1):
            act = {}
            for p in PLATFORMS:
                val = True
                for fr in stack:
                    val = t_and(val, fr.cur[p])
                act[p] = val
            activity.append(act)
            undecided.append(["; ".join(fr.texts) for fr in stack
                              if any(fr.cur[p] is None for p in PLATFORMS)])
        i += 1
    return activity, undecided, directive_lines


def balanced_args(text: str, open_pos: int) -> tuple[list[str], int] | None:
    """Split the arguments of a call whose '(' is at open_pos; returns (args, end_pos)."""
    depth = 0
    args: list[str] = []
    buf: list[str] = []
    i = open_pos
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            j = i + 1
            while j < n and text[j] != ch:
                if text[j] == "\\":
                    j += 1
                j += 1
            buf.append(text[i:j + 1])
            i = j + 1
            continue
        if ch == "(":
            depth += 1
            if depth > 1:
                buf.append(ch)
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append("".join(buf).strip())
                return args, i + 1
            buf.append(ch)
        elif ch == "," and depth == 1:
            args.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
        i += 1
    return None


C_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def c_string(arg: str) -> str:
    parts = C_STRING.findall(arg)
    text = "".join(parts)
    return bytes(text, "utf-8").decode("unicode_escape", errors="replace") if "\\" in text else text


def perm_access(perm: str) -> str | None:
    perm = perm.replace(" ", "")
    if "ZMOD_RW" in perm or "CTLFLAG_RW" in perm:
        return "rw"
    if "ZMOD_RD" in perm or "CTLFLAG_RD" in perm:
        return "rd"
    try:
        mode = int(perm, 8) if perm.startswith("0") else int(perm)
    except ValueError:
        m = re.findall(r"S_I(RUSR|WUSR|RUGO|WUGO|RWXUGO|IRUGO)", perm)
        if not m:
            return None
        return "rw" if any("W" in x for x in m) else "rd"
    return "rw" if mode & 0o222 else "rd"


def freebsd_tunable(perm: str) -> bool | None:
    """Can the FreeBSD sysctl be set from loader.conf (CTLFLAG_*TUN)?"""
    perm = perm.replace(" ", "")
    if "ZMOD_RW" in perm or "ZMOD_RD" in perm or "TUN" in perm:
        return True
    if "CTLFLAG_" in perm:
        return False
    return None


PARAM_MACROS = ("ZFS_MODULE_VIRTUAL_PARAM_CALL", "ZFS_MODULE_PARAM_CALL", "ZFS_MODULE_PARAM")
LINUX_MACROS = ("module_param_named", "module_param_call", "module_param_cb", "module_param")
DECL_RE = re.compile(r"\b(" + "|".join(PARAM_MACROS + LINUX_MACROS) + r")\s*\(")


def path_platforms(path: str) -> set[str]:
    if path.startswith("module/os/linux/"):
        return {"linux"}
    if path.startswith("module/os/freebsd/"):
        return {"freebsd"}
    if path.startswith("module/os/"):
        return set()          # other ports (e.g. macOS) are not built by this repository
    return set(PLATFORMS)


def linux_module_map(repo: Repo) -> dict[str, str]:
    """Top-level module/ directory -> Linux kernel module.  Since 2.2.0 Kbuild builds only
    spl.ko and zfs.ko; before, each directory's Makefile.in named its own module
    (icp, zcommon, zavl, znvpair, zlua, zzstd, zunicode)."""
    mapping: dict[str, str] = {}
    for top in sorted({p.split("/")[1] for p in repo.ls("module") if p.count("/") >= 2}):
        mk = f"module/{top}/Makefile.in"
        if repo.exists(mk):
            m = re.search(r"^MODULE\s*:?=\s*(\w+)", repo.show(mk), re.M)
            if m:
                mapping[top] = m.group(1)
    return mapping


def linux_module(path: str, mapping: dict[str, str]) -> str:
    if path.startswith(("module/os/linux/spl/", "module/spl/")):
        return "spl"
    return mapping.get(path.split("/")[1], "zfs")


def scan_declarations(repo: Repo) -> tuple[list[dict], dict[str, list[str]]]:
    decls: list[dict] = []
    sysctl_sources: dict[str, list[str]] = {}
    for path in repo.ls("module"):
        if not path.endswith(".c"):
            continue
        raw = repo.show(path)
        if path.startswith("module/os/freebsd/"):
            sysctl_sources[path] = [raw]
        if not DECL_RE.search(raw):
            continue
        src = strip_comments(raw)
        activity, undecided, directive_lines = line_conditions(src)
        line_starts = [0]
        for m in re.finditer(r"\n", src):
            line_starts.append(m.end())
        for m in DECL_RE.finditer(src):
            macro = m.group(1)
            lineno = _line_of(line_starts, m.start())
            if lineno in directive_lines:
                continue                 # a #define, not a declaration
            parsed = balanced_args(src, m.end() - 1)
            if not parsed:
                continue
            args, _ = parsed
            plats = {p for p in path_platforms(path)
                     if activity[lineno][p] is not False}
            decl = {"macro": macro, "path": path, "line": lineno + 1, "platforms": plats,
                    "conditions": undecided[lineno]}
            if macro in PARAM_MACROS:
                if len(args) < 6:
                    continue
                scope, prefix, name = args[0], args[1], args[2]
                decl.update(scope=scope, name=prefix + name, leaf=name)
                if macro == "ZFS_MODULE_PARAM":
                    decl.update(c_type=args[3], perm=args[4])
                else:
                    if len(args) < 7:
                        continue
                    decl.update(setfunc=args[3], getfunc=args[4], perm=args[5])
            else:
                decl["platforms"] = plats & {"linux"}
                if macro == "module_param":
                    if len(args) != 3:
                        continue
                    decl.update(name=args[0], c_type=args[1], perm=args[2])
                elif macro == "module_param_named":
                    if len(args) != 4:
                        continue
                    decl.update(name=args[0], c_type=args[2], perm=args[3])
                elif macro == "module_param_call":
                    if len(args) != 5:
                        continue
                    decl.update(name=args[0], setfunc=args[1], getfunc=args[2], perm=args[4])
                else:  # module_param_cb(name, ops, arg, perm)
                    if len(args) != 4:
                        continue
                    decl.update(name=args[0], ops=args[1], perm=args[3])
                if not re.match(r"^[A-Za-z_]\w*$", decl["name"]):
                    continue
            decls.append(decl)
    return decls, sysctl_sources


def _line_of(line_starts: list[int], pos: int) -> int:
    lo, hi = 0, len(line_starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if line_starts[mid] <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo


# --------------------------------------------------------------------------- FreeBSD sysctl tree

def parse_mod_h(text: str) -> dict[str, str]:
    """Check the FreeBSD ZFS_MODULE_PARAM rule and return setfunc -> sysctl type."""
    body = strip_comments(text)
    m = re.search(r"#define\s+ZFS_MODULE_PARAM\s*\(\s*scope_prefix\s*,\s*name_prefix\s*,\s*name"
                  r"[^)]*\)(.*?)(?:\n\s*\n|#define)", body, re.S)
    if not m or "_vfs_ ## scope_prefix" not in re.sub(r"\s+", " ", m.group(1)) \
            or not re.search(r"SYSCTL_##\s*type\s*\(\s*_vfs_\s*##\s*scope_prefix\s*,\s*OID_AUTO\s*,"
                             r"\s*name\s*,", m.group(1)):
        raise SystemExit("FreeBSD mod.h: ZFS_MODULE_PARAM no longer expands to "
                         "SYSCTL_<type>(_vfs_ ## scope_prefix, OID_AUTO, name, ...); "
                         "review the FreeBSD naming rule before regenerating")
    call = re.search(r"#define\s+ZFS_MODULE_PARAM_CALL\s*\(.*?\)(.*?)#define", body, re.S)
    if not call or "_vfs_ ## scope_prefix" not in re.sub(r"\s+", " ", call.group(1)):
        raise SystemExit("FreeBSD mod.h: ZFS_MODULE_PARAM_CALL rule changed")
    types = {}
    for m in re.finditer(r"#define\s+(\w+)_args\s*\(\s*var\s*\)\s*\\?\s*(CTLTYPE_\w+)", body):
        types[m.group(1)] = CTLTYPE_NAMES.get(m.group(2), m.group(2))
    return types


SYSCTL_STMT = re.compile(r"\b(SYSCTL_NODE|SYSCTL_ROOT_NODE|SYSCTL_(?:[A-Z0-9]+))\s*\(")


def parse_sysctls(sources: dict[str, list[str]]):
    """Return (node map, list of leaf sysctl statements) from FreeBSD-only sources."""
    nodes = {"_vfs": "vfs", "_debug": "debug", "_kern": "kern", "_hw": "hw", "_vm": "vm"}
    pending = []
    leaves = []
    for path in sorted(sources):
        src = strip_comments(sources[path][0])
        activity, _, directive_lines = line_conditions(src)
        line_starts = [0] + [m.end() for m in re.finditer(r"\n", src)]
        for m in SYSCTL_STMT.finditer(src):
            kind = m.group(1)
            lineno = _line_of(line_starts, m.start())
            if lineno in directive_lines or activity[lineno]["freebsd"] is False:
                continue
            parsed = balanced_args(src, m.end() - 1)
            if not parsed:
                continue
            args = parsed[0]
            if kind == "SYSCTL_NODE" and len(args) >= 3:
                pending.append((args[0], args[2]))
            elif kind == "SYSCTL_ROOT_NODE" and len(args) >= 2:
                nodes["_" + args[1]] = args[1]
            elif kind in ("SYSCTL_DECL", "SYSCTL_HANDLER_ARGS"):
                continue
            elif len(args) >= 5 and args[1] == "OID_AUTO":
                leaves.append({"kind": kind[len("SYSCTL_"):], "parent": args[0],
                               "name": args[2], "args": args, "path": path,
                               "line": lineno + 1})
    # resolve nodes (parents may be declared after children in file order)
    changed = True
    while changed:
        changed = False
        for parent, name in pending:
            ident = f"{parent}_{name}"
            if parent in nodes and ident not in nodes:
                nodes[ident] = f"{nodes[parent]}.{name}"
                changed = True
    return nodes, leaves


def leaf_info(leaf: dict) -> dict:
    """Flags, variable, handler, type and description of a SYSCTL_<kind>(...) statement (the
    description is read only for its "(LEGACY)" marker; it is never stored)."""
    args = leaf["args"]
    kind = leaf["kind"]
    flags = args[3]
    desc = c_string(args[-1]) if args[-1].lstrip().startswith('"') else ""
    var = None
    handler = None
    ctype = None
    if kind == "PROC" and len(args) >= 9:
        arg1 = args[4]
        handler = args[6]
        m = re.search(r"CTLTYPE_\w+", flags)
        ctype = CTLTYPE_NAMES.get(m.group(0)) if m else None
    else:
        arg1 = args[4]
        ctype = SYSCTL_KIND_TYPES.get(kind)
    m = re.match(r"^&\s*([A-Za-z_]\w*)$", arg1.strip())
    if m:
        var = m.group(1)
    return {"flags": flags, "desc": desc, "var": var, "handler": handler, "type": ctype}


# --------------------------------------------------------------------------- assembly

def read_docs(repo: Repo) -> tuple[dict[str, dict], list[str]]:
    """Phase 1: the man-page heads (name, default, type) of zfs.4 and spl.4."""
    docs: dict[str, dict] = {}
    doc_pages = []
    for page_path in ("man/man4/zfs.4", "man/man4/spl.4"):
        if repo.exists(page_path):
            doc_pages.append(page_path)
            for name, entry in parse_manpage(repo.show(page_path), page_path.rsplit("/", 1)[1]).items():
                docs.setdefault(name, entry)
    return docs, doc_pages


def freebsd_param_types(repo: Repo) -> tuple[dict[str, str], str]:
    """Phase 2: the C type behind each FreeBSD ZFS_MODULE_PARAM_CALL setter (sys/mod.h)."""
    # renamed from mod_os.h to mod.h in 2.4.0 (commit 3a494c6d2a), same macros
    for mod_h_path in ("include/os/freebsd/spl/sys/mod.h", "include/os/freebsd/spl/sys/mod_os.h"):
        if repo.exists(mod_h_path):
            return parse_mod_h(repo.show(mod_h_path)), mod_h_path
    raise SystemExit(f"include/os/freebsd/spl/sys/mod.h / mod_os.h not found at {repo.tag}")


def _entry(tunables: dict[str, dict], name: str) -> dict:
    return tunables.setdefault(name, {
        "linux": None, "linux_module": None, "freebsd": None, "freebsd_legacy": [],
        "freebsd_loader_tunable": None, "type": None, "c_type": None, "default": None,
        "default_value": None, "since": None,
        "access": None, "documented": False, "doc_page": None,
        "declared_in": [], "build_conditions": [],
        "_setfuncs": set(), "_linux_access": None, "_freebsd_access": None,
    })


def _c_type(d: dict, args_types: dict[str, str]) -> str | None:
    if "c_type" in d:
        return C_TYPE_NAMES.get(d["c_type"], d["c_type"].lower())
    if d.get("getfunc"):
        gm = re.match(r"^(?:spl_)?param_get_(int|uint|long|ulong|u64|s64|charp|string|bool)$", d["getfunc"])
        return {"string": "charp"}.get(gm.group(1), gm.group(1)) if gm else args_types.get(d.get("setfunc", ""))
    return None


def map_declarations(decls: list[dict], nodes: dict[str, str], args_types: dict[str, str],
                     module_map: Any, tunables: dict[str, dict], problems: list[str]) -> None:
    """Phase 3: each module parameter declaration, with its Linux and FreeBSD names."""
    for d in sorted(decls, key=lambda x: (x["path"], x["line"])):
        if not d["platforms"]:
            continue
        e = _entry(tunables, d["name"])
        e["declared_in"].append(f'{d["path"]}:{d["line"]}')
        for cond in d["conditions"]:
            if cond not in e["build_conditions"]:
                e["build_conditions"].append(cond)
        access = perm_access(d["perm"])
        if d.get("setfunc"):
            e["_setfuncs"].add(d["setfunc"])
        c_type = _c_type(d, args_types)
        if c_type and not e["c_type"]:
            e["c_type"] = c_type
        if "linux" in d["platforms"]:
            e["linux"] = d["name"]
            e["linux_module"] = linux_module(d["path"], module_map)
            e["_linux_access"] = e["_linux_access"] or access
        if "freebsd" in d["platforms"] and d["macro"] in PARAM_MACROS:
            node_id = "_vfs_" + d["scope"]
            if node_id in nodes:
                fname = f'{nodes[node_id]}.{d["leaf"]}'
            else:
                fname = "vfs." + d["scope"].replace("_", ".") + "." + d["leaf"]
                problems.append(f'{d["path"]}:{d["line"]}: sysctl node {node_id} not declared; '
                                f'guessed {fname}')
            if e["freebsd"] and e["freebsd"] != fname:
                problems.append(f'{d["name"]}: two FreeBSD names {e["freebsd"]} / {fname}')
            e["freebsd"] = e["freebsd"] or fname
            e["_freebsd_access"] = e["_freebsd_access"] or access
            tun = freebsd_tunable(d["perm"])
            e["freebsd_loader_tunable"] = tun if e["freebsd_loader_tunable"] is None else \
                e["freebsd_loader_tunable"]


def map_freebsd_sysctls(leaves: list[dict], nodes: dict[str, str], tunables: dict[str, dict],
                        problems: list[str]) -> dict[str, dict]:
    """Phase 4: FreeBSD sysctls declared directly: LEGACY aliases, Linux-only module_params that
    have a FreeBSD sysctl on the same variable, and FreeBSD-only knobs (returned)."""
    by_setfunc: dict[str, str] = {}
    for name, e in tunables.items():
        for f in e["_setfuncs"]:
            by_setfunc.setdefault(f, name)
    freebsd_only: dict[str, dict] = {}
    for leaf in sorted(leaves, key=lambda x: (x["path"], x["line"])):
        if leaf["parent"] not in nodes:
            continue
        sysname = f'{nodes[leaf["parent"]]}.{leaf["name"]}'
        if not sysname.startswith("vfs.zfs."):
            continue
        info = leaf_info(leaf)
        target = None
        if info["var"] and info["var"] in tunables:
            target = info["var"]
        elif info["handler"] and info["handler"] in by_setfunc:
            target = by_setfunc[info["handler"]]
        legacy = "(LEGACY)" in info["desc"]
        if legacy:
            if target is None:
                problems.append(f'{leaf["path"]}:{leaf["line"]}: LEGACY sysctl {sysname} '
                                f'not mapped to a parameter')
                freebsd_only[sysname] = _freebsd_only_entry(leaf, info, legacy=True)
                continue
            e = tunables[target]
            if sysname != e["freebsd"] and sysname not in e["freebsd_legacy"]:
                e["freebsd_legacy"].append(sysname)
            continue
        if target is not None and tunables[target]["freebsd"] is None:
            e = tunables[target]
            e["freebsd"] = sysname
            e["_freebsd_access"] = perm_access(info["flags"])
            e["freebsd_loader_tunable"] = freebsd_tunable(info["flags"])
            e["declared_in"].append(f'{leaf["path"]}:{leaf["line"]}')
            continue
        if target is not None:
            continue
        if "CTLFLAG_RW" not in info["flags"] and "TUN" not in info["flags"]:
            continue                      # read-only statistic, not a setting
        freebsd_only[sysname] = _freebsd_only_entry(leaf, info, legacy=False)
    return freebsd_only


def merge_docs(docs: dict[str, dict], tunables: dict[str, dict], problems: list[str]) -> None:
    """Phase 5: what the man page says (default, type), then the final shape of each entry."""
    for name, doc in docs.items():
        if name not in tunables:
            _entry(tunables, name)
            problems.append(f"{name}: documented in {doc['page']} but no declaration found")
        e = tunables[name]
        e["documented"] = True
        e["doc_page"] = doc["page"]
        e["default"] = doc["default"]
        e["default_value"] = default_value(doc["default"])
        e["type"] = doc["doc_type"]

    for e in tunables.values():
        if e["type"] is None:
            e["type"] = e["c_type"]
        la, fa = e["_linux_access"], e["_freebsd_access"]
        e["access"] = la or fa
        if la and fa and la != fa:
            e["freebsd_access"] = fa
        e["freebsd_legacy"] = sorted(e["freebsd_legacy"])
        e["declared_in"] = sorted(e["declared_in"])
        e["build_conditions"] = sorted(e["build_conditions"])
        for k in [k for k in e if k.startswith("_")]:
            del e[k]


def build(repo: Repo) -> dict:
    meta = repo.show("META")
    vm = re.search(r"^Version:\s*(\S+)", meta, re.M)
    version = vm.group(1) if vm else None

    docs, doc_pages = read_docs(repo)
    args_types, mod_h_path = freebsd_param_types(repo)
    decls, freebsd_sources = scan_declarations(repo)
    nodes, leaves = parse_sysctls(freebsd_sources)
    tunables: dict[str, dict] = {}
    problems: list[str] = []
    map_declarations(decls, nodes, args_types, linux_module_map(repo), tunables, problems)
    freebsd_only = map_freebsd_sysctls(leaves, nodes, tunables, problems)
    merge_docs(docs, tunables, problems)

    inputs = [{"repo": REPO, "path": p, "commit": repo.commit} for p in
              ["META", *doc_pages, mod_h_path, "module/**/*.c",
               "module/os/freebsd/zfs/sysctl_os.c"]]
    counts = {
        "tunables": len(tunables),
        "documented": sum(1 for e in tunables.values() if e["documented"]),
        "undocumented": sum(1 for e in tunables.values() if not e["documented"]),
        "linux": sum(1 for e in tunables.values() if e["linux"]),
        "linux_spl": sum(1 for e in tunables.values() if e["linux_module"] == "spl"),
        "freebsd": sum(1 for e in tunables.values() if e["freebsd"]),
        "linux_only": sum(1 for e in tunables.values() if e["linux"] and not e["freebsd"]),
        "freebsd_only_params": sum(1 for e in tunables.values()
                                   if e["freebsd"] and not e["linux"]),
        "freebsd_legacy_aliases": sum(len(e["freebsd_legacy"]) for e in tunables.values()),
        "documented_not_declared": sum(1 for e in tunables.values()
                                       if e["documented"] and not e["declared_in"]),
        "freebsd_only_sysctls": len(freebsd_only),
    }
    return {
        "format": FORMAT_VERSION,
        "openzfs_version": version,
        "tag": repo.tag,
        "commit": repo.commit,
        "inputs": inputs,
        "generated_by": GENERATOR,
        "counts": counts,
        "notes": [
            "Keys are the parameter names as the C source spells them (name_prefix + name); "
            "'linux' is null when the parameter is not a Linux module parameter.",
            "'linux_module' is the kernel module whose modprobe options line sets it: "
            "'options zfs NAME=VALUE' or 'options spl NAME=VALUE' (2.2+ builds only spl.ko and "
            "zfs.ko; 2.1 also had icp, zcommon, zlua, ...).",
            "'default' and 'type' are copied from the man page as rendered by mandoc; "
            "null when the parameter is undocumented or the entry has no default. "
            "'default_value' is the number the default starts with (null if symbolic).",
            "'access': rw = writable at runtime (Linux 0644 / FreeBSD CTLFLAG_RW*), "
            "rd = load time only (Linux 0444 / FreeBSD CTLFLAG_RDTUN).",
            "'freebsd_loader_tunable': false means the sysctl cannot be set from "
            "/boot/loader.conf (no CTLFLAG_*TUN).",
            "'build_conditions' lists #if blocks (other than the platform tests) the "
            "declaration sits in, e.g. architecture or optional-feature guards.",
        ],
        "problems": sorted(problems),
        "tunables": tunables,
        "freebsd_only": freebsd_only,
    }


def _freebsd_only_entry(leaf: dict, info: dict, *, legacy: bool) -> dict:
    return {
        "type": info["type"],
        "access": perm_access(info["flags"]),
        "freebsd_loader_tunable": freebsd_tunable(info["flags"]),
        "variable": info["var"],
        "legacy": legacy,
        "declared_in": f'{leaf["path"]}:{leaf["line"]}',
    }


RELEASE_TAG = re.compile(r"^zfs-(\d+)\.(\d+)\.(\d+)$")


def series_history(git_dir: str, tag: str, data: dict) -> None:
    """Mark when each parameter appeared within the tag's minor series, and list parameters that
    earlier patch releases of the series had but this one no longer declares.  A minor series is
    not append-only: e.g. zfs-2.3.x dropped ignore_hole_birth in a patch release."""
    m = RELEASE_TAG.match(tag)
    if not m:
        data["series"] = None
        return
    major, minor, patch = (int(x) for x in m.groups())
    listed = subprocess.run(["git", f"--git-dir={git_dir}", "tag", "-l", f"zfs-{major}.{minor}.*"],
                            capture_output=True, text=True).stdout.split()
    tags = sorted((int(RELEASE_TAG.match(t).group(3)), t) for t in listed
                  if RELEASE_TAG.match(t) and int(RELEASE_TAG.match(t).group(3)) <= patch
                  and int(RELEASE_TAG.match(t).group(3)) < 99)
    seen: dict[str, dict] = {}        # name -> {"since", "last", "linux", "freebsd", ...}
    series_tags = []
    for _n, t in tags:
        if t == tag:
            snap, commit = data, data["commit"]
        else:
            old = Repo(git_dir, t)
            snap, commit = build(old), old.commit
        series_tags.append({"tag": t, "commit": commit})
        version = t[len("zfs-"):]
        for name, e in snap["tunables"].items():
            if not e["declared_in"]:
                continue
            rec = seen.setdefault(name, {"since": version})
            rec.update(last_seen=version, linux=e["linux"], freebsd=e["freebsd"],
                       freebsd_legacy=e["freebsd_legacy"])
    current = {k for k, e in data["tunables"].items() if e["declared_in"]}
    for name, e in data["tunables"].items():
        e["since"] = seen[name]["since"] if name in current else None
    data["series"] = {
        "tags": series_tags,
        "removed_within_series": {k: v for k, v in sorted(seen.items()) if k not in current},
    }


SANITY = [
    # (linux name, FreeBSD sysctl) that must hold in every 2.x release
    ("zfs_arc_max", "vfs.zfs.arc.max"), ("zfs_arc_min", "vfs.zfs.arc.min"),
    ("zfs_txg_timeout", "vfs.zfs.txg.timeout"), ("zil_slog_bulk", "vfs.zfs.zil.slog_bulk"),
    ("zfs_prefetch_disable", "vfs.zfs.prefetch.disable"),
    ("zfs_dirty_data_max", "vfs.zfs.dirty_data_max"),
    ("zfs_vdev_max_active", "vfs.zfs.vdev.max_active"), ("spa_slop_shift", "vfs.zfs.spa.slop_shift"),
    ("l2arc_write_max", "vfs.zfs.l2arc.write_max"),
    ("zfs_compressed_arc_enabled", "vfs.zfs.compressed_arc_enabled"),
]


def sanity_problems(data: dict) -> list[str]:
    out = []
    tun = data["tunables"]
    for linux, freebsd in SANITY:
        e = tun.get(linux)
        if not e or e["linux"] != linux or e["freebsd"] != freebsd:
            out.append(f"sanity: expected {linux} <-> {freebsd}, got "
                       f"{e and (e['linux'], e['freebsd'])}")
    vm = re.match(r"^(\d+)\.(\d+)", data.get("openzfs_version") or "")
    if vm:
        version = (int(vm.group(1)), int(vm.group(2)))
        arc_max = tun.get("zfs_arc_max") or {}
        # the LEGACY aliases exist from 2.0 through 2.4.x (removed on master by ced72fdd69)
        if (2, 0) <= version <= (2, 4) and "vfs.zfs.arc_max" not in arc_max.get("freebsd_legacy", []):
            out.append("sanity: legacy alias vfs.zfs.arc_max missing")
        # the arc_meta_* tunables were removed in 2.2.0
        if version >= (2, 2) and (tun.get("zfs_arc_meta_limit") or {}).get("declared_in"):
            out.append("sanity: zfs_arc_meta_limit still declared")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--git-dir", required=True, help="openzfs/zfs git directory (bare is fine)")
    ap.add_argument("--tag", required=True, help="release tag, e.g. zfs-2.2.7")
    ap.add_argument("-o", "--output", required=True, help="output JSON file ('-' for stdout)")
    ap.add_argument("--no-history", action="store_true",
                    help="skip the scan of the earlier patch releases of the same series")
    args = ap.parse_args(argv)
    repo = Repo(args.git_dir, args.tag)
    data = build(repo)
    if not args.no_history:
        series_history(args.git_dir, args.tag, data)
    bad = sanity_problems(data)
    if bad:
        print("\n".join(bad), file=sys.stderr)
        return 1
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        c = data["counts"]
        print(f"{args.output}: OpenZFS {data['openzfs_version']} ({args.tag} {repo.commit[:12]}): "
              f"{c['tunables']} tunables, {c['documented']} documented, {c['freebsd']} with a "
              f"FreeBSD sysctl, {c['freebsd_legacy_aliases']} legacy aliases, "
              f"{len(data['problems'])} problems", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
