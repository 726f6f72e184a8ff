"""The pipeline: parse → resolve → check → emit. Returns values and diagnostics; never prints."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from mscc import __version__, codes
from mscc.check import engine
from mscc.check.context import TargetContext
from mscc.diagnostics import Diagnostic, diag, has_errors
from mscc.emit.registry import emitter
from mscc.model import Profile
from mscc.resolve.loader import Program, load
from mscc.resolve.resolver import resolve
from mscc.source import SourceCache
from mscc import targets as target_data

@dataclass
class Result:
    sources: SourceCache
    diagnostics: list = field(default_factory=list)
    bundles: list = field(default_factory=list)
    written: list = field(default_factory=list)  # (profile, target) pairs that compiled
    failed: list = field(default_factory=list)   # (profile, target) pairs that did not

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def analyse(path: str | Path, text: str | None = None) -> tuple[Program, list[Profile], list[Diagnostic]]:
    """Parse, resolve and run the target-independent checks."""
    program = load(path, text)
    diagnostics = list(program.diagnostics)
    profiles: list[Profile] = []
    if not has_errors(diagnostics):
        profiles, problems = resolve(program)
        diagnostics.extend(problems)
    return program, profiles, diagnostics


def compile_file(path: str | Path, targets: list[str] | None, text: str | None = None,
                 emit: bool = True) -> Result:
    program, profiles, diagnostics = analyse(path, text)
    result = Result(program.sources, diagnostics)
    if has_errors(diagnostics):
        return result
    for profile in profiles:
        problems = engine.check_profile(profile)
        result.diagnostics.extend(problems)
        wanted = targets or ([profile.get("vm.os")] if profile.get("vm.os") else [])
        if not wanted:
            result.diagnostics.append(replace(diag(
                codes.MISSING_SETTING, profile.span, f"profile '{profile.name}' names no target",
                "pass --target, or set `vm { os = freebsd }`"), profile=profile.name))
            continue
        for name in wanted:
            _compile_one(result, profile, name, blocked=has_errors(problems), emit=emit)
    return result


def _compile_one(result: Result, profile: Profile, name: str, blocked: bool, emit: bool) -> None:
    info = target_data.target(name)
    ctx = TargetContext(profile, info).at_release()
    problems = engine.check_target(profile, info)
    module = emitter(name)
    if ctx is not None:
        problems += [replace(d, target=name, profile=profile.name) for d in module.check_raw(ctx)]
    result.diagnostics.extend(problems)
    if blocked or has_errors(problems) or ctx is None:
        result.failed.append((profile.name, name))
        return
    if emit:
        from mscc.emit.artifacts import Bundle, manifest  # not needed by lint, which never emits

        artifacts, decisions = module.emit(ctx)
        from mscc.emit.common import report
        artifacts.append(report(ctx, decisions, problems))
        meta = {"generator": f"mscc {__version__}", "profile": profile.name, "target": name,
                "version": ctx.version["name"], "source": Path(profile.span.file).as_posix()}
        result.bundles.append(Bundle(f"{profile.name}/{name}", tuple(artifacts), manifest(artifacts, meta)))
    result.written.append((profile.name, name))
