"""Job discovery: one job per OUT/PROFILE/TARGET/manifest.json that lists the script of the
task at hand (a build-script for `mscc run`, a verify-script or bench-script: tasks.py).

OUT is input like any other: a manifest may be hand-edited or hostile, so every path in it is
checked to stay inside its job directory, and names that reach file names or shell commands
are limited to a safe alphabet.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mscc.run.tasks import BUILD, Task

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 1 << 20
# Files the runner checks with `sh -n`: the kinds mscc writes as POSIX sh.
SHELL_KINDS = ("build-script", "zfs-setup", "image-script")


@dataclass(frozen=True)
class Job:
    profile: str
    target: str
    directory: Path          # OUT/PROFILE/TARGET, never written to
    manifest_bytes: bytes
    script: str              # the task's script: relative POSIX path inside directory
    shell_scripts: tuple[str, ...]
    vm_definitions: tuple[str, ...]
    task: Task = BUILD

    @property
    def name(self) -> str:
        return f"{self.profile}/{self.target}"

    @property
    def slug(self) -> str:
        """The job's name as one path component (logs, work and artifact directories)."""
        return f"{self.profile}-{self.target}"


@dataclass
class Discovery:
    jobs: list[Job] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def safe_relative(path: object) -> str | None:
    """`path` if it is a relative POSIX path that stays inside its directory, else None."""
    if not isinstance(path, str) or not path or "\\" in path or "\0" in path:
        return None
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("..", "") for part in pure.parts):
        return None
    if any(ord(ch) < 32 for ch in path):
        return None
    return pure.as_posix()


def _load(manifest: Path) -> tuple[dict | None, bytes, str | None]:
    try:
        if manifest.stat().st_size > MAX_MANIFEST_BYTES:
            return None, b"", "manifest.json is larger than 1 MiB"
        data = manifest.read_bytes()
    except OSError as err:
        return None, b"", f"cannot read manifest.json: {err.strerror or err}"
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        return None, data, f"manifest.json is not valid JSON: {err}"
    if not isinstance(doc, dict):
        return None, data, "manifest.json is not a JSON object"
    return doc, data, None


def _job(directory: Path, profile: str, target: str, task: Task) -> tuple[Job | None, str | None]:
    doc, data, problem = _load(directory / MANIFEST)
    if doc is None:
        return None, problem
    for key, expected in (("profile", profile), ("target", target)):
        if doc.get(key, expected) != expected:
            return None, f"manifest.json says {key} {doc.get(key)!r}, but the directory is {expected!r}"
    files = doc.get("files")
    if not isinstance(files, list):
        return None, "manifest.json has no files list"
    by_kind: dict[str, list[str]] = {}
    for entry in files:
        if not isinstance(entry, dict):
            return None, "manifest.json has a files entry that is not an object"
        path, kind = safe_relative(entry.get("path")), entry.get("kind")
        if path is None or not isinstance(kind, str):
            return None, f"manifest.json lists an unsafe or malformed path {entry.get('path')!r}"
        by_kind.setdefault(kind, []).append(path)
    scripts = by_kind.get(task.kind, [])
    if not scripts:
        return None, None  # not a job: this target has nothing for the task
    if len(scripts) > 1:
        return None, f"manifest.json lists more than one {task.kind}"
    script = directory / scripts[0]
    if script.is_symlink() or not script.is_file():
        return None, f"{scripts[0]} is not a regular file"
    # dry-run checks the scripts the task runs: a build's helpers, or verify.sh / bench.sh alone
    kinds = SHELL_KINDS if task.name == BUILD.name else (task.kind,)
    shells = tuple(sorted(p for kind in kinds for p in by_kind.get(kind, [])))
    vms = tuple(sorted(by_kind.get("vm-definition", [])))
    return Job(profile, target, directory, data, scripts[0], shells, vms, task), None


def discover(out: Path, task: Task = BUILD) -> Discovery:
    """Every job of TASK under OUT in a stable order (profile, then target)."""
    found = Discovery()
    for manifest in sorted(out.glob(f"*/*/{MANIFEST}")):
        directory = manifest.parent
        profile, target = directory.parent.name, directory.name
        where = f"{profile}/{target}"
        if not (SAFE_NAME.fullmatch(profile) and SAFE_NAME.fullmatch(target)):
            found.problems.append(f"{where!r}: skipped, the directory names are not plain names")
            continue
        if directory.is_symlink() or directory.parent.is_symlink():
            found.problems.append(f"{where}: skipped, a symbolic link")
            continue
        job, problem = _job(directory, profile, target, task)
        if problem:
            found.problems.append(f"{where}: skipped, {problem}")
        elif job is not None:
            found.jobs.append(job)
    return found


def select(jobs: list[Job], only: tuple[str, ...]) -> tuple[list[Job], list[str]]:
    """The jobs named by --only PROFILE/TARGET (or PROFILE, or /TARGET); unmatched patterns."""
    if not only:
        return jobs, []
    chosen: list[Job] = []
    unmatched: list[str] = []
    for pattern in only:
        profile, _, target = pattern.partition("/")
        hits = [j for j in jobs if (not profile or j.profile == profile) and (not target or j.target == target)]
        if not hits:
            unmatched.append(pattern)
        chosen.extend(h for h in hits if h not in chosen)
    return [j for j in jobs if j in chosen], unmatched
