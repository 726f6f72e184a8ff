"""A recorded guest for verify.sh: the target's fixtures (recorded `sysctl -a`, `zfs get -Hp
all`, … in each system's own format) copied into a directory, with the sysfs tree of
sysfs.txt made real, and the fakes that replay them (tests/verify/fakes). Used by the script's
own tests and by the runner's (tests/run/test_run_verify.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).parent
FAKES = HERE / "fakes"
FIXTURES = HERE / "fixtures"
PROFILE = HERE / "guest.msk"
# the profile each target's fixtures were recorded for (OpenBSD has no ZFS)
PROFILES = {"alpine": "zguest", "freebsd": "zguest", "netbsd": "zguest", "openbsd": "plain"}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def guest(tmp_path: Path, target: str, change: tuple = ()) -> Path:
    """A copy of the target's fixtures, `change` (file, old, new) applied to it, with the sysfs
    tree of sysfs.txt made real."""
    made = tmp_path / "guest"
    shutil.copytree(FIXTURES / target, made)
    if change:
        file, old, new = change
        edit(made / file, old, new)
    (made / "root").mkdir(exist_ok=True)
    sysfs = made / "sysfs.txt"
    if sysfs.exists():
        for line in sysfs.read_text().splitlines():
            if not line or line.startswith("#"):
                continue
            path, _, value = line.partition(" ")
            if value:
                (made / "root" / path).parent.mkdir(parents=True, exist_ok=True)
                (made / "root" / path).write_text(value + "\n")
            else:
                (made / "root" / path).mkdir(parents=True, exist_ok=True)
    return made


def environment(made: Path) -> dict[str, str]:
    """What verify.sh needs to read the recorded guest MADE instead of the machine it runs on."""
    return {"PATH": f"{FAKES}:/usr/bin:/bin", "FIXTURES": str(made), "VERIFY_ROOT": str(made / "root")}
