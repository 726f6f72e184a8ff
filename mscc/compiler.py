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
from mscc.knowledge import targets as target_data
from mscc.source import SourceCache, visible


@dataclass(eq=False)
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
    from mscc.suggest import reset_budget

    reset_budget()
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
        already = {d.span for d in problems if d.code == codes.BAD_RAW_LINE.code}
        problems += [d for d in _unwritable_raw_lines(profile, name) if d.span not in already]
    result.diagnostics.extend(problems)
    if blocked or has_errors(problems) or ctx is None:
        result.failed.append((profile.name, name))
        return
    if emit:
        from mscc.emit.artifacts import Bundle, manifest  # not needed by lint, which never emits
        from mscc.emit.common import report
        from mscc.emit.encoders import EncodeError

        try:
            artifacts, decisions = module.emit(ctx)
            artifacts.append(report(ctx, decisions, problems))
            from mscc.verify import bench_script, verify_script  # every target reads back and measures
            artifacts += [verify_script(ctx), bench_script(ctx)]
        except EncodeError as err:
            # The last line of defence: a value no check refused cannot be written safely.
            result.diagnostics.append(replace(diag(
                codes.WRITE_FAILED, profile.span, f"{name}: {err}",
                "nothing was written for this target; please report the input that got here"),
                target=name, profile=profile.name))
            result.failed.append((profile.name, name))
            return
        meta = {"generator": f"mscc {__version__}", "profile": profile.name, "target": name,
                "version": ctx.version["name"], "source": visible(Path(profile.span.file).as_posix())}
        result.bundles.append(Bundle(f"{profile.name}/{name}", tuple(artifacts), manifest(artifacts, meta)))
    result.written.append((profile.name, name))


def _unwritable_raw_lines(profile: Profile, target: str) -> list[Diagnostic]:
    """Raw lines that the target's encoders would refuse (a `#`, a quote or a backslash where
    the file's reader would end the value or join lines), or that the lint reader of the file
    they go to cannot read, located at the line."""
    raw = profile.raw.get(target, {})
    if not raw:
        return []  # most profiles: the encoders' and readers' modules stay unloaded
    from mscc.emit.encoders import raw_line_problem
    from mscc.emit.raw_lines import reader_problems

    out = []
    for kind, lines in raw.items():
        for located in lines:
            problem = raw_line_problem(target, kind, str(located.value))
            if problem is None:
                problem = "; ".join(reader_problems(target, kind, str(located.value))) or None
            if problem:
                out.append(replace(diag(codes.BAD_RAW_LINE, located.span,
                                        f"raw {kind} line {located.value!r} cannot be written safely: {problem}",
                                        "one setting per line, without comments"),
                                   target=target, profile=profile.name))
    return out
