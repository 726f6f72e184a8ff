"""`mscc ci collect REPORTS… -o DIST`: the release assets of a tagged run — every artifact of
every passed (or cached) job, checked against the size and sha256 its report recorded, copied
flat as PROFILE-TARGET-NAME, and a SHA256SUMS file in `sha256sum -c` format."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mscc.ci.merge import GOOD, _load, find_reports
from mscc.run.artifacts import verify

SUMS = "SHA256SUMS"


@dataclass
class Collected:
    assets: list[tuple[str, str]] = field(default_factory=list)   # (name, sha256)
    problems: list[str] = field(default_factory=list)


def asset_name(slug: str, path: str) -> str:
    """PROFILE-TARGET-BASENAME; a dotfile (Kconfig's .config) loses its dot."""
    return f"{slug}-{PurePosixPath(path).name.lstrip('.')}"


def collect(paths: list[Path], dist: Path) -> Collected:
    done = Collected()
    files, done.problems = find_reports(paths)
    dist.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    for report in files:
        doc, problem = _load(report)
        if doc is None:
            done.problems.append(problem or f"{report}: unusable")
            continue
        for job in doc["jobs"]:
            if job["status"] not in GOOD:
                continue
            slug = f"{job['profile']}-{job['target']}"
            for artifact in job["artifacts"]:
                name = asset_name(slug, artifact["stored"])
                if name in seen or name in ("", SUMS):
                    done.problems.append(f"{report}: a second asset named {name!r}")
                    continue
                if not verify(report.parent, artifact):
                    done.problems.append(f"{report}: {artifact['stored']} is missing or differs from its sha256")
                    continue
                seen.add(name)
                shutil.copyfile(report.parent / artifact["stored"], dist / name)
                done.assets.append((name, artifact["sha256"]))
    done.assets.sort()
    (dist / SUMS).write_text("".join(f"{digest}  {name}\n" for name, digest in done.assets), "utf-8")
    return done
