"""Shared by the tests of mscc/ci: generating workflows and pulling their shell scripts out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
WORKFLOW = ".github/workflows/mscc.yml"


def mscc(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "mscc", *args], check=False, capture_output=True, text=True,
                          env=full, cwd=cwd, timeout=timeout)


def scripts(text: str) -> list[tuple[str, str, str]]:
    """(where, shell, script) for every `run:` step (bash: the workflow's default shell) and
    every vmactions prepare/run input (sh inside the guest)."""
    doc = yaml.safe_load(text)
    found = []
    for job_name, job in doc["jobs"].items():
        for index, step in enumerate(job["steps"]):
            where = f"{job_name}[{index}] {step.get('name', step.get('uses', ''))}"
            if "run" in step:
                found.append((where, "bash", step["run"]))
            if "vmactions/" in step.get("uses", ""):
                for key in ("prepare", "run"):
                    found.append((f"{where} {key}", "sh", step["with"][key]))
    return found
