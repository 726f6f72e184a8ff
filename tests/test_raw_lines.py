"""Every raw line lands in the generated output, on every target, whatever other blocks the
profile has or lacks (a `raw freebsd { loader = [...] }` line used to vanish without a zfs
block); a raw key the target writes nowhere is an error, not a silent drop."""

from __future__ import annotations

import pytest
from conftest import codes_of, compile_text

# One valid line per key each target reads (mscc/emit/*.py RAW_KEYS).
RAW = {
    "freebsd": {"kernel": "options MAC", "loader": 'kern.maxproc="1000"', "sysctl": "kern.ipc.somaxconn=1024"},
    "netbsd": {"kernel": "options MSGBUFSIZE=65536", "sysctl": "kern.maxproc=1000"},
    "openbsd": {"kernel": "option WITNESS", "sysctl": "kern.maxproc=1000"},
    "alpine": {"kernel": "CONFIG_MAGIC_SYSRQ=y", "sysctl": "vm.swappiness = 10", "modprobe": "zfs_txg_timeout=10"},
}
OTHER_BLOCKS = {"nothing else": "", "zfs": "zfs { compression = lz4 }", "zfs disabled": "zfs { enabled = no }",
                "minimal kernel": "kernel { base = minimal }", "minimal image": "image { minimal = yes }"}


def _quoted(line: str) -> str:
    return '"' + line.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _profile(target: str, other: str, raw: dict[str, str]) -> str:
    keys = "\n".join(f"    {key} = [{_quoted(line)}]" for key, line in raw.items())
    return (f"profile p {{\n  hardware {{ chip = m2  memory = 16GiB }}\n"
            f"  vm {{ memory = 8GiB  os = {target}  hypervisor = qemu }}\n  {other}\n"
            f"  raw {target} {{\n{keys}\n  }}\n}}\n")


def _key(line: str) -> str:
    """What must appear in the output: the name the line sets (its value may be re-quoted)."""
    return line.split("=")[0].strip()


CASES = [pytest.param(t, o, id=f"{t}-{o.replace(' ', '-')}") for t in RAW for o in OTHER_BLOCKS
         if not (t == "openbsd" and o == "zfs")]  # OpenBSD has no ZFS: MS406 by design


@pytest.mark.parametrize("target,other", CASES)
def test_every_raw_line_lands(tmp_path, target, other):
    result = compile_text(tmp_path, _profile(target, OTHER_BLOCKS[other], RAW[target]), target)
    assert result.ok, [str(d) for d in result.diagnostics]
    output = "\n".join(a.content for b in result.bundles for a in b.artifacts)
    for key, line in RAW[target].items():
        assert _key(line) in output, f"raw {target} {key} line {line!r} is missing"


def test_freebsd_loader_line_without_zfs_is_in_loader_conf(tmp_path):
    result = compile_text(tmp_path, _profile("freebsd", "", {"loader": 'kern.maxproc="1000"'}), "freebsd")
    loader = next(a.content for b in result.bundles for a in b.artifacts if a.path == "boot/loader.conf")
    assert 'kern.maxproc="1000"' in loader and "zfs_load" not in loader


def test_alpine_modprobe_line_without_zfs_is_in_modprobe_conf_and_the_image(tmp_path):
    text = _profile("alpine", "image { minimal = yes }", {"modprobe": "zfs_txg_timeout=10"})
    files = {a.path: a.content for b in compile_text(tmp_path, text, "alpine").bundles for a in b.artifacts}
    modprobe = files["etc/modprobe.d/zfs.conf"]
    assert "zfs_txg_timeout=10" in modprobe and "zfs_arc_max" not in modprobe
    assert "etc/modprobe.d/zfs.conf" in files["image/mkimage.sh"]        # copied into the image
    assert "zfs >>" not in files["image/mkimage.sh"]                     # but ZFS is not loaded at boot


@pytest.mark.parametrize("target,key", [(t, k) for t in RAW for k in ("kernel", "loader", "sysctl", "modprobe")
                                        if k not in RAW[t]])
def test_a_raw_key_the_target_does_not_write_is_an_error(tmp_path, target, key):
    result = compile_text(tmp_path, _profile(target, "", {key: "x=1"}), target)
    assert "MS102" in codes_of(result)
    assert not result.bundles
