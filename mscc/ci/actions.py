"""The one registry of the GitHub Actions and hosted runners a generated workflow uses.

Each action is pinned to a release tag, or with --pin-sha to that tag's full commit. The
inputs the workflow passes (named in `inputs`) were read from the action's action.yml at that
commit; the tag → commit mapping was read from each repository's git tags (snapshot of
2026-08, see docs/ci.md). A new release means editing only this file (and the goldens).
"""

from __future__ import annotations

from dataclasses import dataclass

from mscc.ci.yamlout import Commented


@dataclass(frozen=True)
class Action:
    repo: str
    tag: str
    commit: str
    inputs: tuple[str, ...]   # the inputs mscc passes; each exists in action.yml at `commit`

    def ref(self, pin_sha: bool) -> str:
        if pin_sha:
            return Commented(f"{self.repo}@{self.commit}", self.tag)
        return f"{self.repo}@{self.tag}"

    @property
    def source(self) -> str:
        return f"{self.repo} action.yml@{self.commit} (tag {self.tag})"


ACTIONS: dict[str, Action] = {
    "checkout": Action("actions/checkout", "v7.0.1", "3d3c42e5aac5ba805825da76410c181273ba90b1",
                       ("persist-credentials",)),
    "setup-python": Action("actions/setup-python", "v7.0.0", "5fda3b95a4ea91299a34e894583c3862153e4b97",
                           ("python-version",)),
    "upload-artifact": Action("actions/upload-artifact", "v7.0.0", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f",
                              ("name", "path", "if-no-files-found", "include-hidden-files", "retention-days")),
    "download-artifact": Action("actions/download-artifact", "v8.0.1", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
                                ("name", "path", "pattern")),
    "cache": Action("actions/cache", "v5.0.5", "27d5ce7f107fe9357f9df03efb73ab90386fccae",
                    ("path", "key", "restore-keys")),
    # vmactions: `release` takes a leading part of the version ("the newest matching release is
    # used"); `arch: aarch64` boots an arm64 guest under emulation, and its README says the host
    # runner should stay x86_64 (ubuntu-24.04-arm is "much more slower"). prepare/run are run
    # with sh; copyback (default true) brings the workspace back.
    "freebsd-vm": Action("vmactions/freebsd-vm", "v1.5.4", "d0518f912576ae759075aa00fb9fe27037940271",
                         ("release", "arch", "envs", "prepare", "run", "copyback", "sync")),
    "openbsd-vm": Action("vmactions/openbsd-vm", "v1.4.6", "e6c68b637a12e83519688d115d57d5b0b53923cd",
                         ("release", "arch", "envs", "prepare", "run", "copyback", "sync")),
}

# GitHub-hosted runner labels (docs.github.com, "GitHub-hosted runners"): a fixed image
# version, never `-latest`, so a workflow means the same machine until it is regenerated.
RUNNER_X64 = "ubuntu-24.04"
RUNNER_ARM64 = "ubuntu-24.04-arm"
# GitHub's hard limit for one job on a hosted runner.
MAX_JOB_MINUTES = 360
