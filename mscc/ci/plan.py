"""`mscc run OUT --plan github`: the job matrix of a workflow, one entry per PROFILE/TARGET.

Where each target builds (a fact of its build.sh, mscc/emit/*):
- alpine: natively on an arm64 runner, inside an `alpine:VERSION` container (build.sh prepares
  the kernel tree from aports with abuild only on Alpine);
- netbsd: on an x86_64 runner; NetBSD's build.sh builds its own cross toolchain first;
- freebsd, openbsd: inside an arm64 guest booted by vmactions' freebsd-vm/openbsd-vm with the
  profile's release (OpenBSD documents no cross-build; FreeBSD's build.sh installs only there).

Timeouts are estimates for 4-vCPU hosted runners (docs/ci.md, "Costs"); the runner's own
--timeout is set below the job's so a slow build still leaves a report.json behind.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from mscc.ci.actions import MAX_JOB_MINUTES, RUNNER_ARM64, RUNNER_X64
from mscc.run.jobs import Job
from mscc.run.report import cache_key

VERSION = re.compile(r"[0-9]{1,4}(?:\.[0-9]{1,4}){0,3}")


@dataclass(frozen=True)
class Placement:
    runner: str
    how: str                 # container | cross | vm
    timeout_minutes: int     # the job's timeout-minutes
    margin_minutes: int      # set-up before the build (container pull, VM boot, sources)


PLACEMENTS: dict[str, Placement] = {
    "alpine": Placement(RUNNER_ARM64, "container", 150, 20),
    "netbsd": Placement(RUNNER_X64, "cross", 180, 20),
    "freebsd": Placement(RUNNER_X64, "vm", MAX_JOB_MINUTES, 30),
    "openbsd": Placement(RUNNER_X64, "vm", 300, 30),
}


def manifest_version(job: Job) -> str | None:
    """The OS version the manifest records, if it is a plain dotted number."""
    try:
        version = json.loads(job.manifest_bytes.decode("utf-8")).get("version")
    except (UnicodeDecodeError, ValueError, AttributeError):
        return None
    return version if isinstance(version, str) and VERSION.fullmatch(version) else None


def entry(job: Job) -> tuple[dict[str, Any] | None, str | None]:
    """The matrix entry of JOB, or why it has none."""
    placement = PLACEMENTS.get(job.target)
    if placement is None:
        return None, f"{job.name}: no CI placement for target {job.target!r} (known: {', '.join(PLACEMENTS)})"
    version = manifest_version(job)
    if version is None:
        return None, f"{job.name}: manifest.json has no plain OS version"
    # The runner's own cache-key function, with the CI placement as the backend identity: the
    # local backend's identity names the host, which differs on every hosted runner.
    key = cache_key(job, {"name": "github", "runner": placement.runner, "how": placement.how}, {})
    return {
        "name": job.name,
        "slug": job.slug,
        "profile": job.profile,
        "target": job.target,
        "version": version,
        "runner": placement.runner,
        "how": placement.how,
        "timeout_minutes": placement.timeout_minutes,
        "run_timeout": f"{placement.timeout_minutes - placement.margin_minutes}m",
        "cache_key": key,
        "cache_prefix": f"mscc-{job.target}-{version}-{placement.runner}-",
    }, None


def github_matrix(jobs: list[Job]) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """{"include": [...]} for `strategy.matrix`, in discovery order, and the problems."""
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    for job in jobs:
        found, problem = entry(job)
        if found is not None:
            entries.append(found)
        if problem:
            problems.append(problem)
    return {"include": entries}, problems


def to_json(matrix: dict[str, Any]) -> str:
    """One line, as `$GITHUB_OUTPUT` takes it; sorted keys so the output is byte-stable."""
    return json.dumps(matrix, sort_keys=True, separators=(",", ":"))
