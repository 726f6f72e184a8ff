"""`pip install .` into a fresh virtualenv: the data folders travel inside the wheel, and
mscc works from an unrelated directory."""

from __future__ import annotations

import subprocess
import sys
import venv

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_wheel_install_works_from_any_directory(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                   check=True)
    (wheel,) = wheels.glob("mscc-*.whl")
    env = tmp_path / "venv"
    # System site packages provide lark/jinja2/click/jsonschema without a network round trip.
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(env)
    py = env / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(py), "-c", "import mscc.paths as p; print(p.data_root())"], cwd=elsewhere,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(env)), where
    r = subprocess.run([str(env / "bin" / "mscc"), "compile", str(ROOT / "examples/m3.msk"), "--target", "freebsd",
                        "-o", str(elsewhere / "out")], cwd=elsewhere, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (elsewhere / "out" / "m3" / "freebsd" / "manifest.json").exists()
    r = subprocess.run([str(env / "bin" / "mscc"), "hardware", "show", "m1"], cwd=elsewhere,
                       capture_output=True, text=True)
    assert r.returncode == 0 and "Apple M1" in r.stdout
    # lint reads its own knowledge file and every target's databases from the installed package
    frag = elsewhere / "x.fragment.config"
    frag.write_text("CONFIG_VIRTIO_BLKK=y\n")
    # an unknown symbol is a warning (Kconfig drops the line and builds on)
    r = subprocess.run([str(env / "bin" / "mscc"), "lint", "--format", "concise", "--fail-on", "warning", str(frag)],
                       cwd=elsewhere, capture_output=True, text=True)
    assert r.returncode == 1 and "MS701" in r.stdout + r.stderr, r.stdout + r.stderr
