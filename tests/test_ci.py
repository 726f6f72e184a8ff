"""`.ci/run` runs exactly the README's test command, and names every Debian package it installs
(a fresh CI machine has nothing that came only through Recommends)."""

from __future__ import annotations

import re

from conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, re.S)]


def test_ci_runs_the_readme_test_command():
    ci_lines = [line.strip() for line in (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()]
    test_command = next(c for c in readme_commands() if "pytest" in c and "pip install -e" in c)
    assert test_command in ci_lines


def test_ci_never_installs_recommends():
    text = (ROOT / ".ci/run").read_text(encoding="utf-8")
    installs = re.findall(r"apt-get install[^\n]*", text)
    assert installs and all("--no-install-recommends" in line for line in installs)


def test_every_installed_package_says_what_it_is_for():
    text = (ROOT / ".ci/run").read_text(encoding="utf-8")
    command = text[text.index("apt-get install"):]
    command = command[:command.index(">/dev/null")]
    packages = [w for w in command.replace("\\", " ").split()[2:] if not w.startswith("-")]
    explained = " ".join(line for line in text.splitlines() if line.startswith("#"))
    assert [p for p in packages if p not in explained] == []
