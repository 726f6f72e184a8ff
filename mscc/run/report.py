"""RESULTS/report.json: the record of a run, following report.schema.json (published with the
package so other tools can validate it), and the cache keys that --resume compares."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from mscc import __version__
from mscc.run import RUNNER_VERSION
from mscc.run.jobs import Job

FORMAT = "mscc-run-report/1"
STATUSES = ("passed", "failed", "timeout", "infra-error", "cached")


def cache_key(job: Job, identity: dict[str, Any], options: dict[str, Any]) -> str:
    """sha256 of the runner version, the manifest's bytes, the backend identity and the
    options that change results; each part length-prefixed so no two inputs collide."""
    digest = hashlib.sha256()
    for part in (RUNNER_VERSION.encode(), job.manifest_bytes,
                 json.dumps(identity, sort_keys=True).encode(),
                 json.dumps(options, sort_keys=True).encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass
class JobResult:
    profile: str
    target: str
    status: str = "failed"
    exit_code: int | None = None
    cache_key: str = ""
    reason: str = ""
    log: str | None = None
    phases: dict[str, float] = field(default_factory=dict)
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    duration: float = 0.0
    still_alive: str | None = None
    verify: dict[str, Any] | None = None   # `mscc verify`: verify.sh's records (readback.py)
    bench: dict[str, Any] | None = None    # `mscc bench`: bench.sh's figures

    @property
    def name(self) -> str:
        return f"{self.profile}/{self.target}"

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "profile": self.profile, "target": self.target, "status": self.status,
            "exit_code": self.exit_code, "cache_key": self.cache_key,
            "duration": round(self.duration, 3),
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
            "artifacts": self.artifacts, "log": self.log,
        }
        if self.reason:
            doc["reason"] = self.reason
        if self.still_alive is not None:
            doc["still_alive"] = self.still_alive
        if self.verify is not None:
            doc["verify"] = self.verify
        if self.bench is not None:
            doc["bench"] = self.bench
        return doc


def exit_status(results: list[JobResult], interrupted: bool = False) -> int:
    """0 every job passed or was cached, 3 any infrastructure error, 1 any build failure or
    timeout, 130 interrupted (Ctrl-C)."""
    if interrupted:
        return 130
    statuses = {r.status for r in results}
    if "infra-error" in statuses:
        return 3
    if statuses & {"failed", "timeout"}:
        return 1
    return 0


def document(results: list[JobResult], *, backend: dict[str, Any], options: dict[str, Any],
             started: str, finished: str, exit_code: int, not_run: list[str],
             consoles: list[str], task: str = "build") -> dict[str, Any]:
    summary = {status: sum(r.status == status for r in results) for status in STATUSES}
    return {
        "format": FORMAT,
        "task": task,
        "runner": {"version": RUNNER_VERSION, "mscc": __version__},
        "backend": backend,
        "options": options,
        "started": started,
        "finished": finished,
        "exit_code": exit_code,
        "summary": {"total": len(results), **summary, "not-run": len(not_run)},
        "jobs": [r.to_dict() for r in results],
        "not_run": not_run,
        "consoles": consoles,
    }


def schema() -> dict[str, Any]:
    return json.loads(resources.files("mscc.run").joinpath("report.schema.json").read_text("utf-8"))


def validate(doc: dict[str, Any]) -> list[str]:
    """Schema violations of DOC, as messages (empty when it is valid)."""
    import jsonschema  # type: ignore[import-untyped]

    validator = jsonschema.Draft202012Validator(schema())
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
            for e in validator.iter_errors(doc)]


def load_previous(path: Path) -> tuple[dict[str, dict[str, Any]], Path, str | None]:
    """The jobs of an earlier report by PROFILE/TARGET, the directory its paths are relative
    to, or a problem that makes it unusable."""
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        return {}, path.parent, f"cannot read {path}: {err}"
    if not isinstance(doc, dict) or validate(doc):
        return {}, path.parent, f"{path} is not an mscc run report ({FORMAT})"
    if task_of(doc) != "build":
        return {}, path.parent, f"{path} reports a {task_of(doc)}, not a build: nothing in it can be reused"
    return {f"{j['profile']}/{j['target']}": j for j in doc["jobs"]}, path.parent, None


def task_of(doc: dict[str, Any]) -> str:
    """What a report records: reports from before `task` existed are builds."""
    task = doc.get("task", "build")
    return task if isinstance(task, str) else "build"


def write(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", "utf-8")
    tmp.replace(path)
