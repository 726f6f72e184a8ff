"""Freshness of generated output: do the files committed under an output directory still
match what their .msk sources produce now? Used by `mscc compile --check` (which shows
diffs) and by `mscc lint` on a bundle's manifest.json (which reports MS902 at the first
line that differs)."""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from mscc import codes
from mscc.lint.context import FileContext
from mscc.paths import walk
from mscc.reading import read_regular
from mscc.source import SourceFile, Span

_MAX_GENERATED = 16 << 20  # a generated file is a few kilobytes; anything this big is not one


@dataclass(frozen=True)
class Difference:
    path: str                # the generated file, as displayed
    state: str               # changed | missing | extra
    first_line: int          # first differing line (1 for missing/extra files)
    diff: str                # unified diff, committed -> regenerated ("" for binary or extra files)
    current: str | None      # the committed text, when there is one


def compare(out_dir: Path, bundles) -> list[Difference]:
    """Every difference between the bundles and the files under out_dir/<bundle.directory>."""
    found = []
    for bundle in bundles:
        root = out_dir / bundle.directory
        expected = {rel: data for rel, data, _executable in bundle.files()}
        for rel, data in sorted(expected.items()):
            found.extend(_compare_file(root / rel, data))
        if root.is_dir() and not root.is_symlink():
            for directory, _dirs, names in walk(str(root)):
                for name in sorted(names):
                    path = Path(directory) / name
                    rel = path.relative_to(root).as_posix()
                    if rel not in expected:
                        found.append(Difference(_display(path), "extra", 1, "", None))
    return found


def _compare_file(path: Path, data: bytes) -> list[Difference]:
    display = _display(path)
    try:
        current = read_regular(path, _MAX_GENERATED + 1)
    except FileNotFoundError:
        return [Difference(display, "missing", 1, "", None)]
    except OSError:  # a directory, a FIFO, a symlink loop where a generated file belongs
        return [Difference(display, "changed", 1, "", None)]
    if current == data:
        return []
    try:
        old, new = current.decode("utf-8"), data.decode("utf-8")
    except UnicodeDecodeError:
        return [Difference(display, "changed", 1, "", None)]
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    first = next((i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=False)) if a != b),
                 min(len(old_lines), len(new_lines))) + 1
    diff = "".join(difflib.unified_diff(old_lines, new_lines, f"{display} (committed)", f"{display} (regenerated)"))
    return [Difference(display, "changed", min(first, max(len(old_lines), 1)), diff, old)]


def _display(path: Path) -> str:
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def check(ctx: FileContext) -> None:
    """A manifest.json of an mscc bundle: regenerate its profile/target and compare."""
    try:
        meta = json.loads(ctx.text)
        source, profile, target = meta["source"], meta["profile"], meta["target"]
        if not all(isinstance(v, str) for v in (source, profile, target)):
            raise TypeError("not strings")
    except (ValueError, KeyError, TypeError):
        ctx.report(codes.GENERATED_STALE, ctx.span(1, 1), "not a manifest mscc can read",
                   "regenerate the directory with mscc compile")
        return
    manifest = Path(ctx.path)
    bundle_dir = manifest.parent
    out_dir = bundle_dir.parent.parent
    source_path = _find_source(source, manifest)
    if source_path is None:
        ctx.report(codes.GENERATED_STALE, _key_span(ctx, "source"), f"its source {source} does not exist",
                   "run mscc lint from the directory mscc compile ran in, or delete the stale output")
        return
    from mscc.compiler import compile_file
    from mscc.language import TARGETS

    if target not in TARGETS:
        ctx.report(codes.GENERATED_STALE, _key_span(ctx, "target"), f"{target!r} is not a target mscc knows",
                   "regenerate the directory with mscc compile")
        return
    result = compile_file(source_path, [target])
    bundle = next((b for b in result.bundles if b.directory == f"{profile}/{target}"), None)
    if bundle is None:
        ctx.report(codes.GENERATED_STALE, _key_span(ctx, "profile"),
                   f"{source} no longer produces {profile}/{target}"
                   + (" (it has errors: run mscc lint on it)" if not result.ok else ""),
                   "regenerate with mscc compile, or delete the stale output")
        return
    for d in compare(out_dir, [bundle]):
        if d.state == "missing":
            ctx.report(codes.GENERATED_STALE, ctx.span(1, 1), f"{d.path} is missing",
                       f"regenerate: mscc compile {source} -o {_display(out_dir)}")
            continue
        if d.current is not None and d.path != ctx.path:
            ctx.sources.add(SourceFile(d.path, d.current))
        span = Span(d.path, d.first_line, 1, d.first_line, 2) if d.state == "changed" else Span.point(d.path)
        what = {"changed": f"differs from what {source} produces now",
                "extra": f"is not produced by {source} any more"}[d.state]
        ctx.report(codes.GENERATED_STALE, span, f"{d.path} {what}",
                   f"regenerate: mscc compile {source} --target {target} -o {_display(out_dir)}")


def bundle_of(path: str) -> tuple[str, dict] | None:
    """(manifest path, manifest with `source` resolved) when `path` lies in a directory mscc
    generated (a manifest.json whose generator is mscc, at most four levels up)."""
    for parent in list(Path(path).parents)[:4]:
        manifest = parent / "manifest.json"
        if not manifest.is_file():
            continue
        try:
            meta = json.loads(read_regular(manifest, _MAX_GENERATED).decode("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or not str(meta.get("generator", "")).startswith("mscc"):
            return None
        source = _find_source(str(meta.get("source", "")), manifest) if meta.get("source") else None
        return (str(manifest), {**meta, "source": source}) if source else None
    return None


def _find_source(source: str, manifest: Path) -> str | None:
    """The manifest records the source as mscc compile was given it; try the working
    directory, then every directory above the manifest."""
    if os.path.exists(source):
        return source
    for parent in manifest.resolve().parents:
        candidate = parent / source
        if candidate.exists():
            return _display(candidate)
    return None


def _key_span(ctx: FileContext, key: str) -> Span:
    for number, line in enumerate(ctx.raw_lines, start=1):
        at = line.find(f'"{key}"')
        if at >= 0:
            return ctx.span(number, at + 1, at + 3 + len(key))
    return ctx.span(1, 1)
