"""Lint paths: find the files, pick each one's checker, then apply inline ignores and the
settings (enable/disable, severity). Returns values; the CLI renders them."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field, replace

from mscc import codes
from mscc.diagnostics import Diagnostic, Severity, diag
from mscc.lint import kinds, suppress
from mscc.lint.context import FileContext, Intent
from mscc.reading import read_regular, read_source
from mscc.record import Record
from mscc.settings import Settings
from mscc.source import SourceCache, SourceFile, Span
from mscc.paths import walk

MAX_BYTES = 8 << 20  # a full Linux .config is ~250 KiB; anything this large is not a config
_SKIP_DIRS = {"node_modules", "__pycache__", "venv", ".venv"}


class LintOptions(Record):
    memory: int | None = None        # --memory, in bytes
    profile: str | None = None       # --profile FILE[:NAME]: the VM the config files are for
    kind: str | None = None          # --kind: force one file kind
    settings: Settings = Settings()
    only: frozenset | None = None    # lint only files of these kinds; skip the rest silently
    arch: str | None = None          # --arch: the architecture kernel configs are for
    release: str | None = None       # --release: the OS or kernel release they are for


@dataclass
class LintResult:
    sources: SourceCache
    diagnostics: list = field(default_factory=list)
    files: list = field(default_factory=list)    # (path, kind) of every file checked
    skipped: list = field(default_factory=list)  # (path, why) of every file a directory walk left out


def lint_paths(paths, options: LintOptions = LintOptions()) -> LintResult:  # noqa: B008 (immutable)
    result = LintResult(SourceCache())
    _BUNDLES.clear()  # profiles of generated bundles are read afresh by every run
    intent, problems = _intent(options, result.sources)
    raw: list[Diagnostic] = list(problems)
    judged: set[str] = set()
    for outcome in _run(list(_expand(paths, options.settings, result.skipped)), options, intent):
        if outcome.skipped:
            result.skipped.append((outcome.path, outcome.skipped))
            continue
        raw.extend(outcome.diagnostics)
        for source in outcome.sources:
            result.sources.add(source)
        if outcome.kind is not None:
            judged.add(outcome.path)
            result.files.append((outcome.path, outcome.kind))
    result.diagnostics = finish(raw, result.sources, judged, options.settings)
    return result


class _Outcome(Record):
    """What linting one file produced; plain values, so that a worker process can return it."""

    path: str
    kind: str | None
    diagnostics: tuple
    sources: tuple      # the file itself, and every file a diagnostic points into
    skipped: str = ""   # why a file found by a directory walk was not linted


def _lint_one(path: str, explicit: bool, options: LintOptions, intent: Intent) -> _Outcome | None:
    if options.only is not None and kinds.ruled_out(path, options.only):
        return None  # decided by name, without reading the file
    from mscc.suggest import reset_budget

    reset_budget()
    text, read_problems = read_text(path)
    if read_problems and _bytes_not_utf8(read_problems):
        # loader(8), sysctl(8), config(8) and Kconfig read bytes: a Latin-1 comment in a
        # loader.conf is fine there. Such a file is linted as Latin-1 (one byte, one
        # character, so columns hold); only mscc's own files must be UTF-8.
        text = _latin1(path)
    elif read_problems:
        text = None
    if text is None:
        if not explicit:
            return _Outcome(path, None, (), (), "not readable as text")
        return _Outcome(path, None, tuple(read_problems), ())
    kind = options.kind or kinds.detect(path, text)
    if read_problems and (kind is None or kind in ("msk", "mscc-output")):
        if not explicit:
            return _Outcome(path, None, (), (), "not readable as text")
        return _Outcome(path, None, tuple(read_problems), ())
    if options.only is not None and kind not in options.only:
        return None
    if kind is None:
        why = kinds.not_a_config(path, text)
        if not explicit:
            return _Outcome(path, None, (), (), why or "content not recognised")
        if why is not None:  # known not to be one of the kinds: say what it is, no more
            return _Outcome(path, None, (diag(codes.UNKNOWN_FILE_KIND, Span.point(path), f"not linted: {why}",
                                              "pass --kind to lint it as one of the kinds anyway",
                                              Severity.NOTE),), ())
        return _Outcome(path, None, (diag(codes.UNKNOWN_FILE_KIND, Span.point(path),
                                          "not a file kind mscc lint recognises",
                                          "pass --kind (" + ", ".join(sorted(kinds.KINDS)) + ")"),), ())
    if options.profile is None and kind not in ("msk", "mscc-output"):
        intent = _bundle_intent(path, intent) or intent
    sources = SourceCache()
    sources.add(SourceFile(path, text))
    ctx = FileContext(path, text, kind, intent, sources)
    importlib.import_module(kinds.KINDS[kind]).check(ctx)
    wanted = {path} | {d.span.file for d in ctx.diagnostics}
    return _Outcome(path, kind, tuple(ctx.diagnostics), tuple(s for p in sorted(wanted) if (s := sources.get(p))))


# Many files are shared out to one worker per CPU. The workers are forked after the first
# file is linted here, so they start with every module imported and every database read.
PARALLEL_FROM = 48


def _run(files: list[tuple[str, bool]], options: LintOptions, intent: Intent):
    workers = min(os.cpu_count() or 1, 8)
    if len(files) < PARALLEL_FROM or workers < 2 or not _can_fork():
        for path, explicit in files:
            outcome = _lint_one(path, explicit, options, intent)
            if outcome is not None:
                yield outcome
        return
    first = _lint_one(*files[0], options, intent)
    if first is not None:
        yield first
    import multiprocessing

    global _WORK  # noqa: PLW0603  (forked workers inherit it instead of unpickling it per chunk)
    _WORK = (options, intent)
    chunks = [files[1 + i::workers] for i in range(workers)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for outcomes in pool.map(_lint_chunk, chunks):
            yield from outcomes


_WORK: tuple | None = None  # (options, intent) for forked workers, which inherit it


def _lint_chunk(chunk: list[tuple[str, bool]]) -> list[_Outcome]:
    if _WORK is None:
        raise RuntimeError("_lint_chunk runs only in a worker forked by _run")
    options, intent = _WORK
    return [o for path, explicit in chunk if (o := _lint_one(path, explicit, options, intent)) is not None]


def _can_fork() -> bool:
    # fork is the cheap way to start workers that already hold the parser and the databases;
    # it is only safe enough on Linux (macOS frameworks are not fork-safe).
    import sys

    return sys.platform.startswith("linux")


def finish(raw: list[Diagnostic], sources: SourceCache, judged: set[str], settings: Settings) -> list[Diagnostic]:
    """Deduplicate, apply inline ignores, then the settings; sorted by place."""
    unique = list({(d.span, d.code, d.message, d.target, d.profile): d for d in raw}.values())
    kept = suppress.apply(unique, sources, judged)
    out = []
    for d in kept:
        if not settings.enabled(d.code):
            continue
        severity = settings.severity_of(d.code, d.severity)
        out.append(d if severity is d.severity else replace(d, severity=severity))
    return sorted(out, key=lambda d: (d.span, d.code, d.target or "", d.profile or ""))


def _expand(paths, settings: Settings, skipped: list):
    """(path, explicit) for every file to consider; directories are walked for candidates, and
    what a walk leaves out by name is added to `skipped` with the reason."""
    seen = set()
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in walk(path):
                # .github: workflows `mscc ci github` wrote are mscc output too
                dirs[:] = sorted(d for d in dirs
                                 if (not d.startswith(".") or d == ".github") and d not in _SKIP_DIRS)
                for name in sorted(files):
                    full = os.path.normpath(os.path.join(root, name))
                    if full in seen or settings.excluded(full):
                        continue
                    seen.add(full)
                    if kinds.worth_reading(full):
                        yield full, False
                    else:
                        skipped.append((full, "not a configuration file by its name"))
        elif path not in seen and not settings.excluded(path):
            seen.add(path)
            yield path, True


def read_text(path: str) -> tuple[str | None, list[Diagnostic]]:
    return read_source(path, path, MAX_BYTES, what="a text file")


def _bytes_not_utf8(problems: list[Diagnostic]) -> bool:
    """The only problem is a byte UTF-8 cannot decode (not a NUL byte, not an unreadable file)."""
    return len(problems) == 1 and problems[0].code == codes.NOT_UTF8.code and problems[0].message.startswith("byte ")


def _latin1(path: str) -> str | None:
    try:
        return read_regular(path, MAX_BYTES + 1).decode("latin-1")
    except (OSError, ValueError):
        return None


def _intent(options: LintOptions, sources: SourceCache) -> tuple[Intent, list[Diagnostic]]:
    intent, problems = _profile_intent(options, sources)
    arch = options.arch or options.settings.arch
    release = options.release or options.settings.release
    if arch or release:
        how = "--arch" if options.arch else f"arch in {options.settings.path}" if arch else ""
        intent = replace(intent, arch=arch, arch_from=how, release=release)
    return intent, problems


def _profile_intent(options: LintOptions, sources: SourceCache) -> tuple[Intent, list[Diagnostic]]:
    memory = options.memory or options.settings.memory
    memory_from = "--memory" if options.memory else ("the settings" if memory else "")
    if not options.profile:
        return Intent(memory=memory, memory_from=memory_from), []
    from mscc.compiler import analyse

    path, _, name = options.profile.partition(":") if not os.path.exists(options.profile) else (options.profile, "", "")
    program, profiles, problems = analyse(path)
    for module in program.modules:
        source = program.sources.get(module.path)
        if source is not None:
            sources.add(source)
    chosen = next((p for p in profiles if not name or p.name == name), None)
    if chosen is None:
        if name and profiles:
            from mscc.suggest import did_you_mean
            problems.append(diag(codes.UNKNOWN_PROFILE, Span.point(path), f"no profile '{name}' in {path}",
                                 did_you_mean(name, [p.name for p in profiles])))
        return Intent(memory=memory, memory_from=memory_from), problems
    return _from_profile(chosen, memory, memory_from), problems


def _from_profile(profile, memory: int | None, memory_from: str, target: str | None = None,
                  version: str | None = None) -> Intent:
    return Intent(
        memory=memory or profile.get("vm.memory"),
        os=target or profile.get("vm.os"), version=version or profile.get("vm.version"),
        debug=profile.get("kernel.debug"), zfs=profile.zfs_wanted,
        memory_from=memory_from or f"vm.memory of profile {profile.name}",
    )


_BUNDLES: dict = {}  # (manifest, memory) -> Intent, for one run


def _bundle_intent(path: str, base: Intent) -> Intent | None:
    """For a file of mscc's own output: the intent of the profile and target it was generated
    for, read from the bundle's manifest.json (so a debug profile's fragment is not called a
    production kernel, and ARC bounds use that profile's memory)."""
    from mscc.lint.generated import bundle_of

    found = bundle_of(path)
    if found is None:
        return None
    manifest, meta = found
    key = (manifest, base.memory)
    if key not in _BUNDLES:
        from mscc.compiler import analyse

        _, profiles, _ = analyse(meta["source"])
        chosen = next((p for p in profiles if p.name == meta.get("profile")), None)
        from mscc.language import TARGETS

        # The manifest is input too: a target or version of the wrong type or unknown is ignored.
        target = meta.get("target") if isinstance(meta.get("target"), str) and meta["target"] in TARGETS else None
        version = meta.get("version") if isinstance(meta.get("version"), str) else None
        _BUNDLES[key] = None if chosen is None else _from_profile(
            chosen, base.memory, base.memory_from, target, version)
    return _BUNDLES[key]
