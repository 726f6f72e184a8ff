"""Alpine's virt kernel config is not in the project: targets/alpine/base-config.json keeps the
facts mscc uses (source, URL, sha256, the values of the table's symbols). These tests check the
facts against the table, against the real file in ../shared/reference/alpine/, and how
`mscc audit` finds the real file (environment, cache, download: never the network here)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest
from conftest import ROOT, compile_text

from mscc.emit.alpine_kconfig import table_symbols
from mscc.linux import alpine_base

TARGET = json.loads((ROOT / "targets/alpine/target.json").read_text())
FACTS = json.loads((ROOT / "targets/alpine/base-config.json").read_text())


def test_no_copy_of_the_config_in_the_project():
    assert not list((ROOT / "targets").rglob("*.config"))
    assert not list((ROOT / "targets").rglob("*PROVENANCE*"))


def test_facts_say_where_they_come_from():
    source = FACTS["source"]
    assert source == {"repo": "alpinelinux/aports", "path": "main/linux-lts/virt.aarch64.config",
                      "commit": source["commit"]}
    assert len(source["commit"]) == 40
    assert FACTS["url"] == f"https://raw.githubusercontent.com/{source['repo']}/{source['commit']}/{source['path']}"
    assert len(FACTS["sha256"]) == 64 and FACTS["bytes"] > 10_000
    for version in TARGET["versions"].values():
        assert version["base"] == Path(source["path"]).name == alpine_base.name()


def test_facts_cover_exactly_the_symbols_the_table_emits():
    assert set(FACTS["values"]) == {s for s, _, _ in table_symbols(TARGET)}


def test_what_the_table_turns_off_is_on_in_alpines_config():
    """Each device class the virt fragment turns off, and the SM3/SM4 crypto drivers, are
    built by Alpine's config (at least one symbol of each group): the `n` lines change something."""
    values = FACTS["values"]
    groups = {cls: entry["off"] for cls, entry in TARGET["devices"].items() if entry and entry.get("off")}
    groups |= {f: TARGET["kconfig"]["crypto"]["features"][f] for f in ("sm3", "sm4")}
    assert {"nvme", "ahci", "usb-storage", "sm3", "sm4"} <= set(groups)
    for name, symbols in groups.items():
        assert any(values[s] in ("y", "m") for s in symbols), name


def test_alpine_sets_no_page_size():
    """target.json's page_size_note: Alpine's kernels take the 4K default."""
    assert all(FACTS["values"][s] is None for s in ("ARM64_4K_PAGES", "ARM64_16K_PAGES", "ARM64_64K_PAGES"))


def test_facts_are_what_the_script_reads_from_the_real_file(alpine_base_config):
    data = alpine_base_config.read_bytes()
    assert hashlib.sha256(data).hexdigest() == FACTS["sha256"] and len(data) == FACTS["bytes"]
    produced = subprocess.run([sys.executable, "-m", "scripts.alpine_base_facts",
                               "--config", str(alpine_base_config)],
                              capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert produced == (ROOT / "targets/alpine/base-config.json").read_text()


def test_build_sh_pins_url_and_digest_from_the_facts(tmp_path):
    result = compile_text(tmp_path, """
profile p {
  hardware { chip = m1  memory = 16GiB }
  vm { hypervisor = vz  memory = 4GiB  os = alpine }
}
""", target="alpine")
    build = next(a.content for b in result.bundles for a in b.artifacts if a.path == "build.sh")
    assert f"base_url={FACTS['url']}\n" in build
    assert f"base_sha256={FACTS['sha256']}\n" in build


# --- finding the real file -----------------------------------------------------------------

@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MSCC_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(alpine_base.ENV, raising=False)

    def no_network(*args, **kwargs):
        raise AssertionError("a test must not reach the network")
    monkeypatch.setattr(alpine_base.urllib.request, "urlopen", no_network)
    return tmp_path / "cache"


def test_locate_takes_the_environment(cache, monkeypatch, alpine_base_config):
    monkeypatch.setenv(alpine_base.ENV, str(alpine_base_config))
    assert alpine_base.locate() == alpine_base_config


def test_locate_refuses_another_file(cache, monkeypatch, tmp_path):
    other = tmp_path / "other.config"
    other.write_text("CONFIG_64BIT=y\n")
    monkeypatch.setenv(alpine_base.ENV, str(other))
    with pytest.raises(alpine_base.Unavailable, match=r"is not the virt\.aarch64\.config"):
        alpine_base.locate()
    monkeypatch.setenv(alpine_base.ENV, str(tmp_path / "missing"))
    with pytest.raises(alpine_base.Unavailable, match="cannot read it"):
        alpine_base.locate()


def test_locate_uses_a_verified_cached_copy(cache, alpine_base_config):
    path = alpine_base.cached_path()
    assert path.is_relative_to(cache)
    with pytest.raises(alpine_base.Unavailable, match=FACTS["url"]):
        alpine_base.locate(download=False)
    path.parent.mkdir(parents=True)
    path.write_bytes(alpine_base_config.read_bytes())
    assert alpine_base.locate() == path


def test_locate_downloads_and_verifies(cache, monkeypatch, alpine_base_config):
    served = []

    def fake_urlopen(url, timeout):
        served.append(url)
        return io.BytesIO(alpine_base_config.read_bytes())
    monkeypatch.setattr(alpine_base.urllib.request, "urlopen", fake_urlopen)
    path = alpine_base.locate()
    assert served == [FACTS["url"]] and path == alpine_base.cached_path()
    assert path.read_bytes() == alpine_base_config.read_bytes()
    assert alpine_base.locate() == path and len(served) == 1  # cached now


def test_a_download_that_differs_or_fails_is_refused(cache, monkeypatch):
    monkeypatch.setattr(alpine_base.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(b"<html>"))
    with pytest.raises(alpine_base.Unavailable, match=r"did not give the virt\.aarch64\.config"):
        alpine_base.locate()
    assert not alpine_base.cached_path().exists()

    def offline(url, timeout):
        raise urllib.error.URLError("no route to host")
    monkeypatch.setattr(alpine_base.urllib.request, "urlopen", offline)
    with pytest.raises(alpine_base.Unavailable) as caught:
        alpine_base.locate()
    message = str(caught.value)
    assert "no route to host" in message and "--base" in message and FACTS["sha256"] in message


def test_audit_without_a_base_says_how_to_get_one(cache, monkeypatch, run_cli, tmp_path):
    """No traceback and no hang: a usage error naming --base, the variable, the URL."""
    monkeypatch.setattr(alpine_base.urllib.request, "urlopen",
                        lambda url, timeout: (_ for _ in ()).throw(urllib.error.URLError("offline")))
    fragment = tmp_path / "f.config"
    fragment.write_text("CONFIG_VIRTIO_BLK=y\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    r = run_cli("audit", fragment, "--kernel-src", tree)
    assert r.exit_code == 2
    assert "--base" in r.output and alpine_base.ENV in r.output and FACTS["url"] in r.output
