"""Alpine's virt kernel config, the base of the alpine target's virt variant.

mscc holds facts about the file, not the file (targets/alpine/base-config.json: repository, path,
commit, URL, size, sha256, and the values it gives the symbols the alpine table emits). The
emitted build.sh downloads the file and checks its sha256; `mscc audit` and
`mscc compile --audit-with` need the file itself and find it here: $MSCC_ALPINE_BASE_CONFIG,
else the copy in mscc's cache, else a download into the cache. Whatever the source, a file
that does not match the recorded sha256 is refused: the fragments were checked against that one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from functools import cache
from pathlib import Path

from mscc import paths

ENV = "MSCC_ALPINE_BASE_CONFIG"
FACTS = "alpine/base-config.json"
_MAX_BYTES = 4 << 20  # the file is ~27 KB; anything this large is not it


class Unavailable(Exception):
    """The base config could not be found, downloaded or verified (the message says how to fix it)."""


@cache
def facts() -> dict:
    from mscc.knowledge.targets import load_json

    return load_json(FACTS)


def name() -> str:
    return Path(facts()["source"]["path"]).name


def cached_path() -> Path:
    # The digest in the name: a cache never serves the file of another aports commit.
    return paths.cache_dir() / "alpine" / f"{facts()['sha256'][:16]}-{name()}"


def _matches(data: bytes) -> bool:
    return hashlib.sha256(data).hexdigest() == facts()["sha256"]


def _how_to_fix() -> str:
    f = facts()
    return (f"pass the file with --base, or set {ENV} to it, or download it to {cached_path()} "
            f"({f['url']}, sha256 {f['sha256']})")


def locate(*, download: bool = True, timeout: float = 30.0) -> Path:
    """The verified base config file; raises Unavailable with what to do when there is none."""
    explicit = os.environ.get(ENV)
    if explicit:
        path = Path(explicit)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise Unavailable(f"{ENV}={explicit}: cannot read it ({exc.strerror or exc})") from None
        if not _matches(data):
            raise Unavailable(f"{ENV}={explicit} is not the {name()} mscc checks against "
                              f"(sha256 {facts()['sha256']}); pass another base with --base")
        return path
    cached = cached_path()
    try:
        if _matches(cached.read_bytes()):
            return cached
    except OSError:
        pass
    if not download:
        raise Unavailable(f"{name()} is not in the cache: {_how_to_fix()}")
    _download(cached, timeout)
    return cached


def _download(dest: Path, timeout: float) -> None:
    url = facts()["url"]
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read(_MAX_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise Unavailable(f"could not download {name()} ({getattr(exc, 'reason', None) or exc}): "
                          f"{_how_to_fix()}") from None
    if len(data) > _MAX_BYTES or not _matches(data):
        raise Unavailable(f"{url} did not give the {name()} mscc checks against (sha256 {facts()['sha256']})")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=dest.parent, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, dest)
    except OSError as exc:
        raise Unavailable(f"could not write {dest} ({exc.strerror or exc}): {_how_to_fix()}") from None
