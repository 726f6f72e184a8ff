"""`mscc audit`: merge a Kconfig fragment onto a base config in a real kernel tree, with the
tree's own merge_config.sh and `make olddefconfig`, and report every requested value that did
not survive as a located diagnostic, with the reason read from the symbol database.

Base drops (values the base config loses on this tree by itself: a GCC plugin without plugin
headers, BTF without pahole) are notes, reported apart from the fragment's own drops, which
are errors. Everything runs in a scratch directory; the kernel tree is only read.
No printing, no exiting.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from mscc import codes
from mscc.diagnostics import Diagnostic, diag, registry
from mscc.linux.kconfig import (
    Assignment, BadLine, KconfigToolError, SymbolDB, _tool_env, compare, default_cross_compile,
    keep_tools, load_symbol_db, merge_and_resolve, parse_config_lines, prime_tools,
)
from mscc.source import Span

# Bases that are make targets rather than files: the tree writes them itself.
GENERATED_BASES = ("tinyconfig", "allnoconfig", "defconfig")


def _has_prompt(db: SymbolDB, symbol: str) -> bool:
    info = db.lookup(symbol)
    return info is not None and info.has_prompt


@dataclass(frozen=True)
class Lost:
    """A base value that did not survive, with its final value and the reason."""
    assignment: Assignment
    final: str | None
    reason: str


@dataclass
class Audit:
    fragment: str                  # as displayed
    base: str                      # as displayed (a path, or "tinyconfig")
    kernel_version: str | None = None
    requested: list = field(default_factory=list)
    bad_lines: list = field(default_factory=list)
    drops: list = field(default_factory=list)           # [Lost]: the fragment's own, errors
    base_lost: list = field(default_factory=list)       # [Lost]: lost without the fragment, notes
    base_changed: list = field(default_factory=list)    # [Lost]: changed by the fragment, notes
    forbidden: list = field(default_factory=list)       # [(Assignment, code, why)]: survives, cannot boot
    final: dict = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    error_log: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and not self.drops and not self.bad_lines and not self.forbidden

    def diagnostics(self) -> list[Diagnostic]:
        out = []
        if self.error:
            tail = "\n".join(self.error_log.strip().splitlines()[-8:])
            out.append(diag(codes.AUDIT_TOOL_FAILED, Span.point(self.fragment), self.error, tail or None))
        for bad in self.bad_lines:
            out.append(diag(codes.AUDIT_BAD_LINE, Span(self.fragment, bad.line, 1, bad.line, len(bad.text) + 1),
                            f"Kconfig would ignore this line: {bad.text!r}",
                            "write `CONFIG_NAME=value` or `# CONFIG_NAME is not set`, with no blanks around"))
        for a, code, why in self.forbidden:
            out.append(diag(registry()[code], _span(self.fragment, a), f"{_shown(a)}: {why}",
                            "Kconfig accepts it, the hardware does not: mscc never emits it"))
        for lost in self.drops:
            a = lost.assignment
            out.append(diag(codes.AUDIT_DROPPED, _span(self.fragment, a),
                            f"{_shown(a)} did not survive olddefconfig: {_final(a.symbol, lost.final)}",
                            lost.reason))
        for lost in self.base_lost:
            a = lost.assignment
            out.append(diag(codes.AUDIT_BASE_DROPPED, _span(self.base, a),
                            f"base value {_shown(a)} is lost on this tree even without the fragment: "
                            f"{_final(a.symbol, lost.final)}", lost.reason))
        for lost in self.base_changed:
            a = lost.assignment
            out.append(diag(codes.AUDIT_BASE_CHANGED, _span(self.base, a),
                            f"base value {_shown(a)} changed by the fragment: {_final(a.symbol, lost.final)}",
                            lost.reason))
        return out


def _shown(a: Assignment) -> str:
    return f"# CONFIG_{a.symbol} is not set" if a.value == "n" else f"CONFIG_{a.symbol}={a.value}"


def _final(symbol: str, value: str | None) -> str:
    if value is None:
        return f"CONFIG_{symbol} is absent from the final .config"
    if value == "n":
        return f"final value is n (# CONFIG_{symbol} is not set)"
    return f"final value is {value}"


def _span(path: str, a: Assignment) -> Span:
    start = a.column
    length = len(_shown(a)) - (2 if a.value == "n" else 0)
    return Span(path, a.line, start, a.line, start + length)


def tree_version(tree: Path) -> str | None:
    """VERSION.PATCHLEVEL.SUBLEVEL from the tree's top Makefile (no make run needed)."""
    try:
        head = (tree / "Makefile").read_text(encoding="utf-8", errors="replace")[:2000]
    except OSError:
        return None
    parts = dict(re.findall(r"^(VERSION|PATCHLEVEL|SUBLEVEL)\s*=\s*(\d+)", head, re.M))
    if "VERSION" not in parts or "PATCHLEVEL" not in parts:
        return None
    return f"{parts['VERSION']}.{parts['PATCHLEVEL']}.{parts.get('SUBLEVEL', '0')}"


def symbol_db_for(version: str | None) -> SymbolDB | None:
    """The shipped symbol database of the tree's kernel series, if mscc has one."""
    from mscc.paths import targets_dir

    if not version:
        return None
    series = ".".join(version.split(".")[:2])
    path = targets_dir() / "alpine" / f"kconfig-{series}.json"
    return _load_db(str(path)) if path.is_file() else None


def forbidden_values() -> dict:
    """Values Kconfig accepts on arm64 that cannot boot on an M-series CPU (target.json)."""
    from mscc.knowledge.targets import target

    return target("alpine").data["kconfig"].get("forbidden", {})


_DBS: dict = {}


def _load_db(path: str) -> SymbolDB:
    if path not in _DBS:
        _DBS[path] = load_symbol_db(path)
    return _DBS[path]


class Scratch:
    """One scratch output directory (O=) reused for several runs, so scripts/kconfig/conf is
    built once; and a memo of base-only resolutions and generated bases. Never inside a tree."""

    def __init__(self, root: str | Path | None = None):
        self._owned = root is None
        self.root = Path(tempfile.mkdtemp(prefix="mscc-audit-")) if root is None else Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._base_only: dict = {}
        self._generated: dict = {}

    def out(self) -> Path:
        return self.root / "o"

    def cleanup(self) -> None:
        if self._owned:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    def generated_base(self, tree: Path, target: str, arch: str, cross: str | None) -> Path:
        key = (str(tree), target, arch, cross)
        if key not in self._generated:
            out = self.out()
            out.mkdir(parents=True, exist_ok=True)
            cmd = ["make", "-C", str(tree), f"O={out}", f"ARCH={arch}"]
            if cross:
                cmd.append(f"CROSS_COMPILE={cross}")
            prime_tools(tree, out, arch, cross or "")
            result = subprocess.run(cmd + [target], cwd=out, env=_tool_env(), stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            if result.returncode != 0:
                raise KconfigToolError(f"make {target} failed with status {result.returncode}", result.stdout)
            keep_tools(tree, out, arch, cross or "")
            path = self.root / f"{target}-{len(self._generated)}.config"
            shutil.copyfile(out / ".config", path)
            self._generated[key] = path
        return self._generated[key]

    def base_only(self, tree: Path, base: Path, arch: str, cross: str | None) -> dict:
        digest = hashlib.sha256(base.read_bytes()).hexdigest()
        key = (str(tree), digest, arch, cross)
        if key not in self._base_only:
            empty = self.root / "empty.fragment.config"
            empty.write_text("", encoding="utf-8")
            self._base_only[key] = merge_and_resolve(tree, base, [empty], arch, cross, workdir=self.out())
        return self._base_only[key]


def _inside(path: Path, tree: Path) -> bool:
    try:
        path.resolve().relative_to(tree.resolve())
        return True
    except ValueError:
        return False


def audit(fragment: str | Path, tree: str | Path, base: str | Path, *, arch: str = "arm64",
          cross_compile: str | None = None, scratch: Scratch | None = None,
          fragment_display: str | None = None, base_display: str | None = None) -> Audit:
    """Merge `fragment` onto `base` (a config file, or one of GENERATED_BASES) in `tree`."""
    started = time.monotonic()
    fragment, tree = Path(fragment), Path(tree)
    shown = fragment_display or str(fragment)
    base_is_target = str(base) in GENERATED_BASES
    result = Audit(shown, base_display or str(base))
    own = scratch is None
    scratch = scratch or Scratch()
    try:
        text = fragment.read_text(encoding="utf-8")
        items = parse_config_lines(text)
        result.requested = [i for i in items if isinstance(i, Assignment)]
        result.bad_lines = [i for i in items if isinstance(i, BadLine)]
        if not (tree / "scripts/kconfig/merge_config.sh").is_file():
            result.error = f"{tree} is not a Linux source tree (no scripts/kconfig/merge_config.sh)"
            return result
        if _inside(scratch.root, tree):
            result.error = f"the scratch directory {scratch.root} is inside the kernel tree"
            return result
        result.kernel_version = tree_version(tree)
        if arch == "arm64":
            result.forbidden = [(a, rule["code"], rule["why"]) for a in result.requested
                                for rule in [forbidden_values().get(a.symbol)] if rule and a.value == rule["value"]]
        db = symbol_db_for(result.kernel_version)
        if cross_compile is None:
            cross_compile = default_cross_compile(arch)
        base_path = scratch.generated_base(tree, str(base), arch, cross_compile) if base_is_target else Path(base)
        if not base_path.is_file():
            result.error = f"no base config {base}"
            return result
        base_final = scratch.base_only(tree, base_path, arch, cross_compile)
        final = merge_and_resolve(tree, base_path, [fragment], arch, cross_compile, workdir=scratch.out())
        result.final = final

        def reason(a: Assignment, values: dict) -> str:
            if db is None:
                return f"no symbol database for Linux {result.kernel_version}: see {scratch.out()}/olddefconfig.log"
            return db.explain(a.symbol, a.value, values)

        result.drops = [Lost(d.assignment, d.final_value, reason(d.assignment, final))
                        for d in compare(result.requested, final)]
        base_items = [i for i in parse_config_lines(base_path.read_text(encoding="utf-8"))
                      if isinstance(i, Assignment)]
        lost_anyway = compare(base_items, base_final)
        result.base_lost = [Lost(d.assignment, d.final_value, reason(d.assignment, base_final)) for d in lost_anyway]
        anyway = {d.assignment.symbol for d in lost_anyway}
        requested = {a.symbol for a in result.requested}
        # Only what the base actually turned on: a full config (tinyconfig) lists thousands of
        # "is not set" lines that the fragment's dependencies legitimately flip.
        # Symbols without a prompt are bookkeeping (NO_IOPORT_MAP follows PCI), not base choices.
        candidates = [a for a in base_items if a.value != "n" and a.symbol not in anyway and a.symbol not in requested
                      and (db is None or _has_prompt(db, a.symbol))]
        result.base_changed = [Lost(d.assignment, d.final_value, reason(d.assignment, final))
                               for d in compare(candidates, final)]
    except KconfigToolError as err:
        result.error, result.error_log = str(err), err.log
    except (OSError, UnicodeDecodeError) as err:
        result.error = f"cannot audit: {err}"
    finally:
        result.seconds = time.monotonic() - started
        if own:
            scratch.cleanup()
    return result
