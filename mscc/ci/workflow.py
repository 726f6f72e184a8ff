"""`mscc ci github`: the GitHub Actions workflow for a set of .msk files.

compile (lint, compile, upload out/, emit the matrix) → build (one job per PROFILE/TARGET on
the runner that fits it) → report (one table in the run's summary; fails when a job did) →
release (on a tag: kernels, images and SHA256SUMS attached to the release).

Every value that reaches a `run:` script arrives through `env:` and is quoted by the shell, never
spliced in with `${{ }}` (GitHub's advice against script injection), and the YAML is written by
yamlout, which quotes every scalar that is not a plain word. The output depends only on the
arguments: no clock, no host, no absolute path.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mscc import __version__
from mscc.ci import yamlout
from mscc.ci.actions import ACTIONS, RUNNER_X64
from mscc.ci.plan import PLACEMENTS

PYTHON = "3.12"
DEFAULT_OUTPUT = ".github/workflows/mscc.yml"
ARTIFACT_DAYS = 14

# Packages the alpine job's container adds: abuild and git (build.sh prepares aports'
# linux-lts), Python for mscc, and the kernel build's own tools.
ALPINE_PACKAGES = ("alpine-sdk", "git", "python3", "py3-pip", "bc", "bison", "flex", "elfutils-dev",
                   "openssl-dev", "linux-headers", "perl", "findutils", "diffutils", "xz")
# NetBSD source sets build.sh needs: the tree, the kernel, the GNU toolchain, share/mk.
NETBSD_SETS = ("src", "gnusrc", "syssrc", "sharesrc")


@dataclass(frozen=True)
class Options:
    files: tuple[str, ...]          # .msk paths relative to the repository root
    targets: tuple[str, ...]        # the targets the files compile for (sorted)
    target_option: str | None       # what was passed to --target, repeated in the compile step
    output: str = DEFAULT_OUTPUT
    pin_sha: bool = False
    install: str = f"mscc=={__version__}"


def uses(name: str, pin_sha: bool) -> str:
    return ACTIONS[name].ref(pin_sha)


def _words(values: Sequence[str]) -> str:
    return " ".join(shlex.quote(v) for v in values)


def compile_job(opts: Options) -> dict[str, Any]:
    compile_lines = []
    for file in opts.files:
        target = ["--target", opts.target_option] if opts.target_option else []
        compile_lines.append(f"mscc compile {_words([file, *target, '-o', 'out'])}")
    return {
        "name": "compile",
        "runs-on": RUNNER_X64,
        "timeout-minutes": 15,
        "permissions": {"contents": "read"},
        "outputs": {"matrix": "${{ steps.plan.outputs.matrix }}"},
        "steps": [
            {"uses": uses("checkout", opts.pin_sha), "with": {"persist-credentials": False}},
            {"uses": uses("setup-python", opts.pin_sha), "with": {"python-version": PYTHON}},
            {"name": "install mscc", "run": 'python -m pip install "$MSCC_INSTALL"\nmscc --version\n'},
            {"name": "lint", "run": f"mscc lint {_words(opts.files)}\n"},
            {"name": "compile", "run": "\n".join(compile_lines) + "\n"},
            {"name": "plan", "id": "plan",
             "run": 'matrix=$(mscc run out --plan github)\necho "matrix=$matrix" >>"$GITHUB_OUTPUT"\n'
                    'echo "$matrix"\n'},
            {"uses": uses("upload-artifact", opts.pin_sha),
             "with": {"name": "out", "path": "out", "if-no-files-found": "error",
                      "retention-days": ARTIFACT_DAYS}},
        ],
    }


RUN_LOCAL = 'mscc run out --only "$JOB" --backend local --results results --timeout "$RUN_TIMEOUT"'

ALPINE_SCRIPT = f"""mkdir -p "$HOME/.cache/mscc" results
status=0
docker run --rm -i -e JOB -e RUN_TIMEOUT -e MSCC_INSTALL \\
    -v "$PWD:/work" -v "$HOME/.cache/mscc:/root/.cache/mscc" -w /work \\
    "alpine:$OS_VERSION" sh -eu -s <<'SCRIPT' || status=$?
apk add --no-cache {" ".join(ALPINE_PACKAGES)}
python3 -m pip install --break-system-packages "$MSCC_INSTALL"
python3 -m {RUN_LOCAL}
SCRIPT
# The container ran as root: give the files back to the runner's user for cache and upload.
sudo chown -R "$(id -u):$(id -g)" "$HOME/.cache/mscc" results
exit "$status"
"""

NETBSD_SOURCES = f"""cache="$HOME/.cache/mscc/ci/netbsd-$OS_VERSION"
mkdir -p "$cache"
for set in {" ".join(NETBSD_SETS)}; do
    if [ ! -s "$cache/$set.tgz" ]; then
        curl -fsSL --retry 3 -o "$cache/$set.tgz.part" \\
            "https://cdn.netbsd.org/pub/NetBSD/NetBSD-$OS_VERSION/source/sets/$set.tgz"
        mv "$cache/$set.tgz.part" "$cache/$set.tgz"
    fi
done
# The sets unpack as usr/src/…; as root, so tar may set the attributes of / and /usr.
for set in {" ".join(NETBSD_SETS)}; do
    sudo tar -C / -xzf "$cache/$set.tgz"
done
sudo mkdir -p /usr/obj
sudo chown -R "$(id -u):$(id -g)" /usr/src /usr/obj
"""

# Inside the guests (always sh, per vmactions): Python for mscc, then the release's sources.
FREEBSD_PREPARE = "pkg install -y python3 py311-pip\n"
FREEBSD_RUN = f"""python3 -m pip install "$MSCC_INSTALL"
fetch -o /tmp/src.txz "https://download.freebsd.org/releases/arm64/aarch64/$OS_VERSION-RELEASE/src.txz"
tar -C / -xf /tmp/src.txz
python3 -m {RUN_LOCAL} --env INSTALL=no
"""
OPENBSD_PREPARE = "pkg_add -I python%3 py3-pip\n"
OPENBSD_RUN = f"""python3 -m pip install "$MSCC_INSTALL"
ftp -o /tmp/sys.tar.gz "https://cdn.openbsd.org/pub/OpenBSD/$OS_VERSION/sys.tar.gz"
mkdir -p /usr/src
tar -C /usr/src -xzf /tmp/sys.tar.gz
python3 -m {RUN_LOCAL}
"""
VM_SCRIPTS = {"freebsd": (FREEBSD_PREPARE, FREEBSD_RUN), "openbsd": (OPENBSD_PREPARE, OPENBSD_RUN)}


def _when(target: str) -> str:
    return f"matrix.target == '{target}'"


def build_job(opts: Options) -> dict[str, Any]:
    pin = opts.pin_sha
    steps: list[dict[str, Any]] = [
        {"uses": uses("download-artifact", pin), "with": {"name": "out", "path": "out"}},
    ]
    if any(PLACEMENTS[t].how != "vm" for t in opts.targets):
        steps.append({"uses": uses("cache", pin), "if": "matrix.how != 'vm'",
                      "with": {"path": "~/.cache/mscc", "key": "${{ matrix.cache_prefix }}${{ matrix.cache_key }}",
                               "restore-keys": "${{ matrix.cache_prefix }}\n"}})
    for target in opts.targets:
        how = PLACEMENTS[target].how
        if how == "container":
            steps.append({"name": f"build ({target}, in an Alpine container)", "if": _when(target),
                          "run": ALPINE_SCRIPT})
        elif how == "cross":
            steps += [
                {"uses": uses("setup-python", pin), "if": _when(target), "with": {"python-version": PYTHON}},
                {"name": f"{target} sources", "if": _when(target), "run": NETBSD_SOURCES},
                {"name": f"build ({target}, cross)", "if": _when(target),
                 "run": f'python -m pip install "$MSCC_INSTALL"\n{RUN_LOCAL}\n'},
            ]
        else:
            prepare, run = VM_SCRIPTS[target]
            steps.append({"name": f"build ({target}, inside a {target} VM)", "if": _when(target),
                          "uses": uses(f"{target}-vm", pin),
                          "with": {"release": "${{ matrix.version }}", "arch": "aarch64",
                                   "envs": "JOB RUN_TIMEOUT MSCC_INSTALL OS_VERSION PIP_BREAK_SYSTEM_PACKAGES",
                                   "sync": "rsync", "copyback": True, "prepare": prepare, "run": run}})
    steps.append({"uses": uses("upload-artifact", pin), "if": "always()",
                  "with": {"name": "results-${{ matrix.slug }}", "path": "results", "if-no-files-found": "warn",
                           "include-hidden-files": True, "retention-days": ARTIFACT_DAYS}})
    return {
        "name": "${{ matrix.name }}",
        "needs": "compile",
        "runs-on": "${{ matrix.runner }}",
        "timeout-minutes": "${{ matrix.timeout_minutes }}",
        "permissions": {"contents": "read"},
        "strategy": {"fail-fast": False, "matrix": "${{ fromJSON(needs.compile.outputs.matrix) }}"},
        "env": {"JOB": "${{ matrix.name }}", "RUN_TIMEOUT": "${{ matrix.run_timeout }}",
                "OS_VERSION": "${{ matrix.version }}"},
        "steps": steps,
    }


def _install_steps(pin: bool) -> list[dict[str, Any]]:
    return [{"uses": uses("setup-python", pin), "with": {"python-version": PYTHON}},
            {"name": "install mscc", "run": 'python -m pip install "$MSCC_INSTALL"\n'}]


def report_job(opts: Options) -> dict[str, Any]:
    pin = opts.pin_sha
    return {
        "name": "report",
        "needs": ["compile", "build"],
        # Runs after failed builds too (that is what it reports); not when compile failed.
        "if": "always() && needs.compile.result == 'success'",
        "runs-on": RUNNER_X64,
        "timeout-minutes": 15,
        "permissions": {"contents": "read"},
        "steps": [
            *_install_steps(pin),
            {"uses": uses("download-artifact", pin), "with": {"name": "out", "path": "out"}},
            {"uses": uses("download-artifact", pin), "with": {"pattern": "results-*", "path": "reports"}},
            {"name": "merge reports",
             "run": 'mscc run out --merge-reports reports | tee -a "$GITHUB_STEP_SUMMARY"\n'},
        ],
    }


def release_job(opts: Options) -> dict[str, Any]:
    pin = opts.pin_sha
    return {
        "name": "release",
        "needs": ["build", "report"],
        "if": "startsWith(github.ref, 'refs/tags/')",
        "runs-on": RUNNER_X64,
        "timeout-minutes": 15,
        "permissions": {"contents": "write"},
        "steps": [
            *_install_steps(pin),
            {"uses": uses("download-artifact", pin), "with": {"pattern": "results-*", "path": "reports"}},
            {"name": "collect kernels, images and SHA256SUMS", "run": "mscc ci collect reports -o dist\n"},
            {"name": "attach to the release",
             "env": {"GH_TOKEN": "${{ github.token }}", "GH_REPO": "${{ github.repository }}",
                     "TAG": "${{ github.ref_name }}"},
             "run": 'if gh release view "$TAG" >/dev/null 2>&1; then\n'
                    '    gh release upload "$TAG" --clobber dist/*\n'
                    'else\n'
                    '    gh release create "$TAG" --verify-tag --title "$TAG" dist/*\n'
                    'fi\n'},
        ],
    }


def document(opts: Options) -> dict[str, Any]:
    return {
        "name": "mscc",
        "on": {
            "push": {"branches": ["**"], "tags": ["**"], "paths": ["**.msk", opts.output]},
            "pull_request": {"paths": ["**.msk", opts.output]},
            "workflow_dispatch": {},
        },
        "permissions": {},
        "concurrency": {"group": "mscc-${{ github.ref }}", "cancel-in-progress": False},
        "defaults": {"run": {"shell": "bash"}},
        # PIP_BREAK_SYSTEM_PACKAGES: the guests and the container have one Python, the system's.
        "env": {"MSCC_INSTALL": opts.install, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_BREAK_SYSTEM_PACKAGES": "1"},
        "jobs": {
            "compile": compile_job(opts),
            "build": build_job(opts),
            "report": report_job(opts),
            "release": release_job(opts),
        },
    }


def command_line(opts: Options) -> str:
    words = ["mscc", "ci", "github", *opts.files]
    if opts.target_option:
        words += ["--target", opts.target_option]
    words += ["-o", opts.output]
    if opts.pin_sha:
        words.append("--pin-sha")
    if opts.install != Options.install:
        words += ["--install", opts.install]
    return _words(words)


def wanted_targets(target_option: str | None) -> list[str] | None:
    """The targets to compile for, as `mscc compile --target` chooses them (None: each
    profile's vm.os; all: every target this installation can emit)."""
    from mscc.knowledge import targets
    from mscc.emit.registry import has_emitter
    from mscc.language import TARGETS

    if target_option is None:
        return None
    if target_option == "all":
        have = set(targets.available())
        return [t for t in TARGETS if t in have and has_emitter(t)]
    return [target_option]


@dataclass
class Generated:
    text: str | None            # the workflow, or None when the files have errors
    results: list               # one mscc.compiler.Result per file
    targets: tuple[str, ...]
    problem: str | None = None  # why there is no workflow, when it is not the files' errors


def generate(files: Sequence[str], target_option: str | None, output: str, pin_sha: bool,
             install: str | None) -> Generated:
    """Compile FILES (to learn which targets the build job needs steps for) and render."""
    from mscc.compiler import compile_file

    # A FIFO or device would block the reader: a header of a committed workflow can name anything.
    odd = [file for file in files if os.path.exists(file) and not os.path.isfile(file)]
    if odd:
        return Generated(None, [], (), f"{', '.join(odd)}: not a regular file")
    wanted = wanted_targets(target_option)
    results = [compile_file(file, wanted) for file in files]
    found = sorted({t for result in results for _, t in result.written})
    if not all(result.ok for result in results):
        return Generated(None, results, tuple(found))
    unplaced = [t for t in found if t not in PLACEMENTS]
    if unplaced:
        return Generated(None, results, tuple(found), f"no CI placement for target(s) {', '.join(unplaced)}")
    if not found:
        return Generated(None, results, (), "the files define no profile with a build script")
    options = Options(files=tuple(files), targets=tuple(found), target_option=target_option, output=output,
                      pin_sha=pin_sha, **({"install": install} if install is not None else {}))
    return Generated(render(options), results, tuple(found))


def _used(document: dict[str, Any]) -> list[str]:
    refs = {step["uses"].partition("@")[0] for job in document["jobs"].values() for step in job["steps"]
            if "uses" in step}
    return sorted(name for name, action in ACTIONS.items() if action.repo in refs)


def render(opts: Options) -> str:
    doc = document(opts)
    header = [f"generated by mscc {__version__} — do not edit; regenerate (or check with --check):",
              f"  {command_line(opts)}",
              "actions, each pinned to the release whose action.yml mscc read:",
              *(f"  {ACTIONS[n].repo} {ACTIONS[n].tag} = {ACTIONS[n].commit}" for n in _used(doc))]
    return yamlout.dump(doc, header)
