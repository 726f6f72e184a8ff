"""The minimal FreeBSD image (image/build-image.sh): names checked against FreeBSD's own package
definitions and src.conf knobs, shellcheck-clean POSIX sh, a DRY_RUN=1 mode run here with fake
FreeBSD tools on PATH, snapshots per example. The image itself needs a FreeBSD host."""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, codes_of, compile_text, have, rel
from mscc.compiler import compile_file
from mscc.emit import freebsd_image
from mscc.knowledge.targets import load_json

IMAGE = "image/build-image.sh"
FAKE_TOOLS = ("makefs", "mkimg", "pkg", "make")
HW = "hardware { chip = m3  memory = 16GiB }"


def base_facts() -> dict:
    return load_json("freebsd/base-packages-15.json")


def knob_facts() -> dict:
    return load_json("freebsd/src-knobs-14.json")


def image_table() -> dict:
    return load_json("freebsd/target.json")["image"]


def profile(version: str, image: str = "minimal = yes", extra: str = "") -> str:
    return (f'profile p {{ {HW} vm {{ memory = 8GiB  os = freebsd  version = "{version}" }}'
            f" image {{ {image} }} {extra} }}")


def image_of(result) -> str:
    assert result.ok, result.diagnostics
    [bundle] = result.bundles
    return next(a.content for a in bundle.artifacts if a.path == IMAGE)


def example_images() -> list[tuple[str, str, str]]:
    """(example/profile, version, script) of every example profile with a minimal image."""
    out = []
    for example in EXAMPLES:
        result = compile_file(str(example), ["freebsd"])
        for bundle in result.bundles:
            for a in bundle.artifacts:
                if a.path == IMAGE:
                    out.append((f"{example.stem}/{bundle.directory}", json.loads(bundle.manifest_text)["version"],
                                a.content))
    return out


# --- the facts ---------------------------------------------------------------------------

def test_facts_record_where_they_come_from():
    for data, repo, commit in ((base_facts(), "kactertech/Irid", "2ec8aa904381fc85e07261917e17bcbb41a3beca"),
                               (knob_facts(), "ilnp/ilnp-freebsd14", "2f2a4162bbb9e932d8e9cd9cb899fbf84310fb6b")):
        source = data["source"]
        assert (source["repo"], source["commit"]) == (repo, commit)
        assert source["note"]
        for item in source["inputs"]:
            assert item["repo"] == repo and item["commit"] == commit and item["path"]
            assert item.get("listing") or re.fullmatch(r"[0-9a-f]{64}", item["sha256"])
        assert data["generated_by"] == "scripts/extract_freebsd_image_facts.py"


@pytest.mark.parametrize("name", ["base-packages-15.json", "src-knobs-14.json"])
def test_facts_validate_against_their_schema(name):
    import jsonschema

    schema = load_json("freebsd/image-facts.schema.json")
    jsonschema.validators.validator_for(schema).check_schema(schema)
    jsonschema.validate(load_json(f"freebsd/{name}"), schema)


def test_base_package_facts_hold_the_known_names():
    facts = base_facts()
    assert {"runtime", "clibs", "rc", "zfs", "ssh", "bootloader", "toolchain", "clang"} <= set(facts["packages"])
    assert facts["packages"]["zfs"]["sets"] == ["minimal"]
    assert facts["packages"]["toolchain"]["sets"] == ["devel"]
    assert {"minimal", "optional", "devel", "lib32", "tests", "base"} <= set(facts["sets"])
    assert "-lib32" in facts["subpackage_suffixes"] and "-man" in facts["subpackage_suffixes"]
    assert facts["efi"]["arm64_boot_file"] == "EFI/BOOT/bootaa64.efi"
    assert "WITHOUT_ZFS" in knob_facts()["knobs"] and "WITHOUT_TOOLCHAIN" in knob_facts()["knobs"]


def test_image_packages_are_freebsd_15_packages_of_no_excluded_set():
    facts = base_facts()
    table = image_table()["pkgbase"]
    for name in [*table["base"], *table["ssh"]]:
        assert name in facts["packages"], name
        assert set(facts["packages"][name]["sets"]) <= {"minimal", "minimal-jail", "optional", "optional-jail"}, name
    chosen = set(table["base"]) | set(table["ssh"])
    assert not chosen & {"toolchain", "clang", "lld", "lldb", "pkg-bootstrap", "tests", "mandoc", "kernel-man"}


def test_image_knobs_are_freebsd_14_knobs():
    knobs = set(knob_facts()["knobs"])
    for name in image_table()["buildworld"]["without"]:
        assert f"WITHOUT_{name}" in knobs, name


def test_extractor_reads_a_tree(tmp_path):
    """scripts/extract_freebsd_image_facts.py on a small git tree laid out like FreeBSD's."""
    if not have("git"):
        pytest.skip("git not installed")
    tree = tmp_path / "src"
    files = {
        "release/packages/template.ucl": "annotations {\n\tset = base\n}\n",
        "release/packages/ucl/zfs-all.ucl": 'comment = "z"\nannotations {\n\tset = minimal\n}\n',
        "release/packages/ucl/runtime-all.ucl": 'annotations {\n\tset = "minimal,minimal-jail"\n}\n',
        "release/packages/ucl/runtime.ucl": "vital: true\n",
        "release/packages/ucl/ftpd-all.ucl": 'comment = "f"\n',
        "release/packages/sets/minimal.ucl": 'comment = "m"\n',
        "release/packages/generate-ucl.sh": "case x in\n\t*-dev)\n\t\t;;\n\t*-dev-lib32)\n\t\t;;\nesac\n",
        "usr.sbin/pkg/FreeBSD.conf.quarterly-release": (
            'FreeBSD-ports: {\n  url: "pkg+https://h/${ABI}/q",\n  mirror_type: "srv",\n'
            '  signature_type: "fingerprints",\n  fingerprints: "/k/pkg",\n  enabled: yes\n}\n'
            'FreeBSD-base: {\n  url: "pkg+https://h/${ABI}/b_${VERSION_MINOR}",\n  mirror_type: "srv",\n'
            '  signature_type: "fingerprints",\n  fingerprints: "/k/pkgbase-${VERSION_MAJOR}",\n  enabled: no\n}\n'),
        "tools/boot/install-boot.sh": ("fat32min=33292\nx() {\n    case y in\n"
                                       "        arm64) echo bootaa64 ;;\n    esac\n}\n"),
        "tools/build/options/WITHOUT_ZFS": "x\n",
        "tools/build/options/WITH_CCACHE_BUILD": "x\n",
        "tools/build/options/makeman": "x\n",
    }
    for path, text in files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text(text)
    git = ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "t"], check=True)
    script = ["-m", "scripts.extract_freebsd_image_facts"]
    common = ["--git-dir", str(tree / ".git"), "--repo", "o/n", "--version", "15.0"]
    subprocess.run([sys.executable, *script, "packages", *common, "-o", str(tmp_path / "p.json")], check=True,
                   cwd=ROOT)
    subprocess.run([sys.executable, *script, "knobs", *common, "-o", str(tmp_path / "k.json")], check=True,
                   cwd=ROOT)
    packages = json.loads((tmp_path / "p.json").read_text())
    assert packages["packages"] == {"ftpd": {"sets": ["base"]}, "runtime": {"sets": ["minimal", "minimal-jail"],
                                                                             "vital": True},
                                    "zfs": {"sets": ["minimal"]}}
    assert packages["sets"] == ["minimal"]
    assert packages["subpackage_suffixes"] == ["-dev-lib32", "-dev"]
    assert packages["repositories"]["FreeBSD-base"]["url"] == "pkg+https://h/${ABI}/b_${VERSION_MINOR}"
    assert packages["efi"] == {"arm64_boot_file": "EFI/BOOT/bootaa64.efi", "fat32_min_kib": 33292}
    assert json.loads((tmp_path / "k.json").read_text())["knobs"] == ["WITHOUT_ZFS", "WITH_CCACHE_BUILD"]


MIRRORS = {"base-packages-15.json": ("packages", Path("/work/.mirror/kactertech+Irid/repo"), "15.0"),
           "src-knobs-14.json": ("knobs", Path("/work/.mirror/ilnp+ilnp-freebsd14/repo"), "14")}


@pytest.mark.parametrize("name", sorted(MIRRORS))
def test_facts_regenerate_byte_for_byte(name, tmp_path):
    """Where the source trees are at hand (they are not in CI), the extractor reproduces the files."""
    kind, git_dir, version = MIRRORS[name]
    if not git_dir.is_dir():
        pytest.skip(f"{git_dir} not present")
    committed = json.loads((ROOT / "targets/freebsd" / name).read_text())
    out = tmp_path / name
    subprocess.run([sys.executable, "-m", "scripts.extract_freebsd_image_facts", kind,
                    "--git-dir", str(git_dir), "--rev", committed["source"]["commit"],
                    "--repo", committed["source"]["repo"], "--version", version,
                    "--note", committed["source"]["note"], "-o", str(out)], check=True, cwd=ROOT)
    assert out.read_text() == (ROOT / "targets/freebsd" / name).read_text()


# --- what the profile may say ------------------------------------------------------------

@pytest.mark.parametrize("name", ["FreeBSD-zfs", "FreeBSD-zfs-dev", "FreeBSD-clibs-lib32", "FreeBSD-set-minimal",
                                  "FreeBSD-kernel-man", "FreeBSD-utilities-dev-lib32"])
def test_base_names_freebsd_defines_are_accepted(name, tmp_path):
    result = compile_text(tmp_path, profile("15.0", f'minimal = yes  packages = ["{name}"]'))
    assert codes_of(result) == [], result.diagnostics
    assert f" {name}" in image_of(result)


@pytest.mark.parametrize("name, said", [
    ("FreeBSD-zfs-tools", "defines no package FreeBSD-zfs-tools"),
    ("FreeBSD-sshd", "defines no package"),
    ("FreeBSD-set-tiny", "defines no set"),
    ("FreeBSD-kernel-generic", "would replace the kernel"),
    ("-f", "not a package name"),
    ("tmux; reboot", "not a package name"),
])
def test_base_names_freebsd_does_not_define_are_refused(name, said, tmp_path):
    result = compile_text(tmp_path, profile("15.0", f'minimal = yes  packages = ["{name}"]'))
    assert codes_of(result) == ["MS641"]
    assert said in result.diagnostics[0].message
    assert not result.bundles


def test_a_misspelt_base_name_gets_a_suggestion(tmp_path):
    result = compile_text(tmp_path, profile("15.0", 'minimal = yes  packages = ["FreeBSD-zsf"]'))
    assert "FreeBSD-zfs" in (result.diagnostics[0].hint or "")


def test_base_names_on_14_are_refused(tmp_path):
    result = compile_text(tmp_path, profile("14.3", 'minimal = yes  packages = ["FreeBSD-zfs"]'))
    assert codes_of(result) == ["MS641"]
    assert "buildworld" in result.diagnostics[0].message


@pytest.mark.parametrize("version", ["14.3", "15.0"])
def test_ports_packages_are_installed_and_said_to_be_unchecked(version, tmp_path):
    result = compile_text(tmp_path, profile(version, 'minimal = yes  packages = ["tmux", "htop"]'))
    assert codes_of(result) == ["MS643"]
    assert "tmux, htop" in result.diagnostics[0].message
    script = image_of(result)
    assert 'set -- "$@" tmux\nset -- "$@" htop\npkg_root install -r FreeBSD-ports "$@"\n' in script
    r, _ = dry_run(tmp_path, script)
    assert r.returncode == 0, r.stderr
    install = [c for c in commands(r.stdout) if c[0] == "pkg" and "FreeBSD-ports" in c and "install" in c]
    assert install, r.stdout
    assert install[0][install[0].index("install"):] == ["install", "-r", "FreeBSD-ports", "tmux", "htop"]
    report = next(a.content for a in result.bundles[0].artifacts if a.path == "report.txt")
    assert "not checked: tmux, htop" in report


def test_src_conf_knobs_are_checked_and_land(tmp_path):
    bad = compile_text(tmp_path, profile("14.3", extra='raw freebsd { src_conf = ["WITHOUT_NTPD=yes"] }'))
    assert codes_of(bad) == ["MS642"]
    assert "WITHOUT_NTP" in (bad.diagnostics[0].hint or "")
    raw = 'raw freebsd { src_conf = ["WITHOUT_NTP=yes", "WITH_CCACHE_BUILD=yes"] }'
    good = compile_text(tmp_path, profile("14.3", extra=raw))
    script = image_of(good)
    assert 'set -- "$@" WITHOUT_NTP=yes\nset -- "$@" WITH_CCACHE_BUILD=yes\nwrite "$work/src.conf" "$@"' in script


@pytest.mark.parametrize("version, image, code", [
    ("15.0", "minimal = yes", "MS102"),     # a pkgbase image reads no src.conf
    ("14.3", "minimal = no", "MS102"),      # no image, no src.conf
    ("14.3", "minimal = yes", "MS603"),     # not a knob line
])
def test_src_conf_lines_that_go_nowhere_or_cannot_be_read(version, image, code, tmp_path):
    line = "CFLAGS+=-O3" if code == "MS603" else "WITHOUT_NTP=yes"
    result = compile_text(tmp_path, profile(version, image, f'raw freebsd {{ src_conf = ["{line}"] }}'))
    assert codes_of(result) == [code]


def test_no_image_unless_asked(tmp_path):
    result = compile_text(tmp_path, profile("15.0", "minimal = no"))
    assert IMAGE not in {a.path for a in result.bundles[0].artifacts}


def test_ssh_follows_the_profile(tmp_path):
    with_ssh = image_of(compile_text(tmp_path, profile("15.0")))
    assert "FreeBSD-ssh" in with_ssh and "sshd_enable=\"YES\"" in with_ssh
    without = image_of(compile_text(tmp_path, profile("15.0", "minimal = yes  ssh = no")))
    assert "FreeBSD-ssh" not in without and "sshd_enable" not in without and "SSH_PUBKEY" not in without
    world = image_of(compile_text(tmp_path, profile("14.3", "minimal = yes  ssh = no")))
    assert "WITHOUT_OPENSSH=yes" in world


def test_pkgbase_repository_follows_the_release(tmp_path):
    script = image_of(compile_text(tmp_path, profile("15.1")))
    assert "base_url=${BASE_URL:-pkg+https://pkg.FreeBSD.org/FreeBSD:15:aarch64/base_release_1}" in script
    assert "base_keys=${BASE_KEYS:-/usr/share/keys/pkgbase-15}" in script


def test_layout_holds_the_profiles_pool_and_datasets(tmp_path):
    text = profile("15.0", extra='zfs { pool = "tank"  dataset "tank/vm" { recordsize = 64K } }')
    script = image_of(compile_text(tmp_path, text))
    assert "pool=tank" in script and "bootfs=tank/ROOT/default" in script
    assert "-o 'fs=tank;mountpoint=/tank'" in script and "-o fs=tank/vm \\" in script
    assert 'cp "$here/../zfs-setup.sh"' in script  # recordsize is zfs-setup.sh's, on first boot


def test_without_zfs_the_root_still_loads_zfs(tmp_path):
    script = image_of(compile_text(tmp_path, profile("15.0", extra="zfs { enabled = no }")))
    assert "zfs_load=\"YES\"" in script and "zfs-setup.sh" not in script


# --- the script ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def images():
    found = example_images()
    assert {v.split(".")[0] for _, v, _ in found} == {"14", "15"}, "the examples cover both ways to build"
    return found


def test_every_base_name_in_a_script_is_one_freebsd_defines(images):
    knobs = set(knob_facts()["knobs"])
    for where, version, script in images:
        names = set(re.findall(r"\bFreeBSD-[A-Za-z0-9_+-]+", script)) - {"FreeBSD-base", "FreeBSD-ports"}
        if version.startswith("15"):
            assert names, where
        for name in names:
            assert freebsd_image.base_name_problem(name) is None, (where, name)
        for knob in re.findall(r"\b(WITH(?:OUT)?_[A-Z0-9_]+)=", script):
            assert knob in knobs, (where, knob)


@pytest.mark.skipif(not have("shellcheck"), reason="shellcheck not installed")
def test_scripts_pass_shellcheck(images, tmp_path):
    for where, _, script in images:
        path = tmp_path / "build-image.sh"
        path.write_text(script)
        r = subprocess.run(["shellcheck", "-s", "sh", str(path)], capture_output=True, text=True)
        assert r.returncode == 0, (where, r.stdout)


def fake_tools(directory: Path, log: Path) -> None:
    """FreeBSD's tools as scripts that only record that they were called."""
    directory.mkdir()
    for tool in FAKE_TOOLS:
        path = directory / tool
        path.write_text(f'#!/bin/sh\necho "{tool} $*" >>{shlex.quote(str(log))}\n')
        path.chmod(path.stat().st_mode | stat.S_IXUSR)


def dry_run(tmp_path: Path, script: str, **env: str) -> tuple[subprocess.CompletedProcess, Path]:
    bundle = tmp_path / "bundle"
    (bundle / "image").mkdir(parents=True)
    (bundle / IMAGE).write_text(script)
    log = tmp_path / "calls.log"
    fake_tools(tmp_path / "bin", log)
    work = tmp_path / "tmp"
    work.mkdir()
    environ = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}", "DRY_RUN": "1",
               "TMPDIR": str(work), "OUT": str(tmp_path / "out.img"), **env}
    r = subprocess.run(["sh", str(bundle / IMAGE)], capture_output=True, text=True, env=environ,
                       cwd=tmp_path, timeout=60)
    assert not log.exists(), f"DRY_RUN ran {log.read_text()}"
    assert list(work.iterdir()) == [] and not (tmp_path / "out.img").exists(), "DRY_RUN wrote files"
    return r, work


def commands(output: str) -> list[list[str]]:
    """The printed commands, split as sh would split them."""
    return [shlex.split(line[2:]) for line in output.splitlines() if line.startswith("+ ")]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX sh")
def test_dry_run_prints_every_command_and_runs_none(images, tmp_path):
    for n, (where, version, script) in enumerate(images):
        r, work = dry_run(tmp_path / str(n), script)
        assert r.returncode == 0, (where, r.stderr)
        cmds = commands(r.stdout)
        firsts = [c[0] for c in cmds]
        root = f"{work}/build-image.dry-run/root"
        if version.startswith("15"):
            install = next(c for c in cmds if c[0] == "pkg" and "install" in c)
            assert install[install.index("install"):][:3] == ["install", "-r", "FreeBSD-base"]
            assert install[:3] == ["pkg", "--rootdir", root]
            assert "ABI=FreeBSD:15:aarch64" in install
            assert {"FreeBSD-runtime", "FreeBSD-zfs", "FreeBSD-bootloader"} <= set(install)
        else:
            makes = [c for c in cmds if c[0] == "make" and "-C" in c]
            targets = [c[-1] for c in makes]
            assert targets[:3] == ["buildworld", "installworld", "distribution"], where
            assert any(a.startswith("SRCCONF=") for a in makes[0])
            assert "WITHOUT_TOOLCHAIN=yes" in r.stdout
        assert next(c for c in cmds if c[:3] == ["makefs", "-t", "msdos"])[:3] == ["makefs", "-t", "msdos"]
        zfs = next(c for c in cmds if c[:3] == ["makefs", "-t", "zfs"])
        assert "poolname=zroot" in zfs and "bootfs=zroot/ROOT/default" in zfs
        assert "fs=zroot/ROOT/default;mountpoint=/;canmount=noauto" in zfs  # one word for makefs
        assert zfs[-1] == root
        mkimg = next(c for c in cmds if c[0] == "mkimg")
        assert mkimg[:3] == ["mkimg", "-s", "gpt"] and mkimg[-2:] == ["-o", str(tmp_path / str(n) / "out.img")]
        assert any(a.startswith("efi/") for a in mkimg) and any(a.startswith("freebsd-zfs/") for a in mkimg)
        assert "installkernel" in r.stdout
        bundle = tmp_path / str(n) / "bundle"
        assert f"+ cp {bundle}/image/../boot/loader.conf {root}/boot/loader.conf" in r.stdout
        assert 'sshd_enable="YES"' in r.stdout and 'zfs_enable="YES"' in r.stdout
        assert firsts[-2:] == ["cat", "wc"], "the list of what went in, then the size"


def test_dry_run_uses_a_kernel_given_and_an_ssh_key(images, tmp_path):
    _, _, script = next(i for i in images if i[1].startswith("15"))
    r, _ = dry_run(tmp_path, script, KERNEL_DIR="/obj/kernel", SSH_PUBKEY="/home/me/.ssh/id.pub", FORMAT="qcow2")
    assert r.returncode == 0, r.stderr
    assert "+ cp -R /obj/kernel/. " in r.stdout and "INSTALL=no" not in r.stdout
    assert "authorized_keys" in r.stdout
    assert next(c for c in commands(r.stdout) if c[0] == "mkimg")[:5] == ["mkimg", "-s", "gpt", "-f", "qcow2"]


def test_a_missing_tool_stops_the_script(images, tmp_path):
    _, _, script = images[0]
    (tmp_path / "bundle/image").mkdir(parents=True)
    (tmp_path / "bundle" / IMAGE).write_text(script)
    r = subprocess.run(["sh", str(tmp_path / "bundle" / IMAGE)], capture_output=True, text=True,
                       env={**os.environ, "DRY_RUN": "1", "PATH": "/usr/bin:/bin"}, timeout=60)
    if any((Path(d) / "makefs").exists() for d in ("/usr/bin", "/bin")):
        pytest.skip("this host has a makefs")
    assert r.returncode == 1 and "makefs not found" in r.stderr


def test_hostile_values_stay_words(tmp_path):
    """Values that reach the script come out quoted: a dataset name ZFS refuses never gets
    there (MS410), and what does is one shell word."""
    text = profile("15.0", extra='zfs { pool = "zroot"  dataset "zroot/a b" { atime = off } }')
    result = compile_text(tmp_path, text)
    if result.ok:
        assert "-o 'fs=zroot/a b' \\" in image_of(result)
    else:
        assert "MS410" in codes_of(result)


@pytest.mark.usefixtures("in_repo_root")
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_image_snapshot(example, snapshot):
    result = compile_file(rel(example), ["freebsd"])
    images = {f"{b.directory}/{a.path}": a.content for b in result.bundles for a in b.artifacts if a.path == IMAGE}
    assert images == snapshot
