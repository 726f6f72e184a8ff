"""Artifacts, the manifest, and writing an output tree atomically."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

KINDS = ("kernel-config", "zfs-tunables", "sysctl", "loader-conf", "zfs-setup", "build-script",
         "vm-definition", "image-script", "report", "verify-script", "bench-script")


@dataclass(frozen=True)
class Artifact:
    path: str     # relative to the profile/target directory, with forward slashes
    kind: str
    content: str
    executable: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown artifact kind {self.kind}")

    @property
    def data(self) -> bytes:
        return self.content.encode("utf-8")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def manifest(artifacts: list[Artifact], meta: dict) -> str:
    doc = {
        **meta,
        "files": [{"path": a.path, "kind": a.kind, "sha256": a.sha256}
                  for a in sorted(artifacts, key=lambda a: a.path)],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Bundle:
    """Everything for one profile and one target, written as one directory."""

    directory: str  # e.g. "m3/freebsd"
    artifacts: tuple
    manifest_text: str

    def files(self) -> list[tuple[str, bytes, bool]]:
        out = [(a.path, a.data, a.executable) for a in self.artifacts]
        out.append(("manifest.json", self.manifest_text.encode("utf-8"), False))
        return sorted(out)


STAGING_PREFIX = ".mscc-staging-"
_JOURNAL = "journal.json"     # the planned swaps, written before the first rename
_COMMITTED = "committed"      # written after the last rename: the new output is complete


def write_bundles(out_dir: Path, bundles: list[Bundle]) -> None:
    """Replace the bundles of this run all at once or not at all.

    Every bundle is first written into a staging directory inside `out_dir`. The swap then
    renames each old bundle into the staging directory and the new one into its place, with
    SIGINT, SIGTERM and SIGHUP held back, so Ctrl-C either stops the run before the swap (old
    output intact) or after it (new output complete). Before the swap a journal lists the
    renames; a run killed outright (SIGKILL, power loss) leaves it behind, and the next run
    under `out_dir` rolls the half-done swap back and removes the stale staging directory.
    An exclusive lock on `out_dir` serialises concurrent runs, so one run's
    rollback can never restore files over another run's output."""
    created = _make_dirs(out_dir)
    try:
        with _locked(out_dir), _signals_as_exceptions():
            recover(out_dir)
            _write_locked(out_dir, bundles)
    except BaseException:
        for directory in reversed(created):
            _rmdir_quietly(directory)
        raise


def _write_locked(out_dir: Path, bundles: list[Bundle]) -> None:
    import shutil
    import tempfile

    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    created: list[Path] = []
    try:
        for bundle in bundles:
            root = staging / "new" / bundle.directory
            for rel, data, executable in bundle.files():
                dest = root / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                with open(dest, "xb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(dest, 0o755 if executable else 0o644)
        for bundle in bundles:
            created += _make_dirs((out_dir / bundle.directory).parent)
        # (bundle directory, name of its backup in staging, or None for a new bundle)
        plan: list[tuple[str, str | None]] = [
            (bundle.directory, f"old-{i}" if _exists(out_dir / bundle.directory) else None)
            for i, bundle in enumerate(bundles)]
        _write_small(staging / _JOURNAL, json.dumps([{"final": f, "backup": b} for f, b in plan]))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for directory in reversed(created):
            _rmdir_quietly(directory)
        raise
    with _signals_held():
        try:
            for bundle_dir, backup in plan:
                final = out_dir / bundle_dir
                if backup:
                    os.replace(final, staging / backup)
                os.replace(staging / "new" / bundle_dir, final)
            _write_small(staging / _COMMITTED, "")
        except BaseException:
            _roll_back(out_dir, staging)  # if this fails too, the journal stays for the next run
            shutil.rmtree(staging, ignore_errors=True)
            for directory in reversed(created):
                _rmdir_quietly(directory)
            raise
        # Still with the signals held: a Ctrl-C pressed during the swap is delivered after
        # this, and must not leave the old bundles behind in a staging directory.
        shutil.rmtree(staging, ignore_errors=True)


def recover(out_dir: Path) -> None:
    """Finish what an interrupted run left in `out_dir`: a staging directory with a commit
    marker is removed (its swap completed); one with a journal but no marker is rolled back
    (the old bundles return); one without a journal never touched the output. Call it with
    the lock held."""
    import shutil

    try:
        entries = list(os.scandir(out_dir))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(STAGING_PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        staging = Path(entry.path)
        if (staging / _JOURNAL).is_file() and not (staging / _COMMITTED).exists():
            _roll_back(out_dir, staging)
        shutil.rmtree(staging, ignore_errors=True)


def _roll_back(out_dir: Path, staging: Path) -> None:
    """Undo the journal's renames, newest first, whichever of them happened."""
    import shutil

    try:
        plan = json.loads((staging / _JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for entry in reversed(plan if isinstance(plan, list) else []):
        if not isinstance(entry, dict) or not _safe_relative(entry.get("final")):
            continue
        final = out_dir / entry["final"]
        new = staging / "new" / entry["final"]
        backup = staging / entry["backup"] if isinstance(entry.get("backup"), str) else None
        if backup is not None and _exists(backup):
            if _exists(final):
                shutil.rmtree(final, ignore_errors=True)
            os.replace(backup, final)
        elif backup is None and not _exists(new) and _exists(final):
            shutil.rmtree(final, ignore_errors=True)  # a bundle this run added


def _safe_relative(path: object) -> bool:
    return isinstance(path, str) and bool(path) and not os.path.isabs(path) and ".." not in Path(path).parts


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _write_small(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _rmdir_quietly(directory: Path) -> None:
    with suppress(OSError):  # not empty any more, or gone: not ours to remove
        directory.rmdir()


@contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """An exclusive flock on the output directory itself for the duration of a write (a lock
    on the directory leaves no lock file behind in the output)."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): the write is still atomic, just unserialised
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextmanager
def _signals_as_exceptions() -> Iterator[None]:
    """SIGTERM and SIGHUP raise SystemExit instead of killing the process outright, so an
    interrupted run can clean up (SIGINT already raises KeyboardInterrupt)."""
    import signal
    import threading

    saved = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is not None:
                saved[number] = signal.signal(number, _raise_exit)
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def _raise_exit(number: int, frame: object) -> None:
    raise SystemExit(128 + number)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Block SIGINT, SIGTERM and SIGHUP while the renames run: they are delivered when the
    block ends, after the output is complete (or rolled back)."""
    import signal

    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:
        yield
        return
    wanted = {getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)}
    previous = mask(signal.SIG_BLOCK, wanted)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)


def _make_dirs(path: Path) -> list[Path]:
    """mkdir -p that returns the directories it created, outermost first (a directory another
    run created meanwhile is not ours to remove)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    created = []
    for directory in reversed(missing):
        try:
            directory.mkdir()
        except FileExistsError:
            continue
        created.append(directory)
    return created
