"""Audit against a real Linux 6.12 tree: the kernel's merge_config.sh + olddefconfig decide
what survives, the symbol database explains why.  Skipped without a tree
(set MSCC_LINUX_TREE, or have /usr/src/linux-source-6.12.tar.xz for scripts/linux-tree)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from mscc.linux.kconfig import (
    Assignment, BadLine, compare, eval_expr, load_symbol_db, merge_and_resolve, parse_config_lines,
)

pytestmark = pytest.mark.kernel

REPO = Path(__file__).resolve().parents[2]
DB = REPO / "targets/alpine/kconfig-6.12.json"

# Deliberately broken: each line below exercises one way a request silently disappears.
BROKEN_FRAGMENT = """\
CONFIG_VIRTIO_FS=y
# CONFIG_FUSE_FS is not set
CONFIG_VIRTIO_FSS=y
CONFIG_ARM64_16K_PAGES=y
CONFIG_ARM64_64K_PAGES=y
CONFIG_PROVE_LOCKING=y
# CONFIG_DEBUG_LOCK_ALLOC is not set
# CONFIG_DEBUG_INFO is not set
CONFIG_VIRTIO_BLK=y
"""
# ARM64_64K_PAGES=y is a legal request for Kconfig (and wins the page-size choice here, as
# the later choice line), but a 64K guest does not boot on M-series CPUs: mscc must never emit it.


@pytest.fixture(scope="module")
def db():
    return load_symbol_db(DB)


@pytest.fixture(scope="module")
def audit(tree, alpine_base_config, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("kconfig-audit")
    fragment = workdir / "broken.config"
    fragment.write_text(BROKEN_FRAGMENT)
    started = time.monotonic()
    final = merge_and_resolve(tree, alpine_base_config, [fragment], workdir=workdir / "out")
    cold = time.monotonic() - started
    started = time.monotonic()
    merge_and_resolve(tree, alpine_base_config, [fragment], workdir=workdir / "out")  # conf already built
    warm = time.monotonic() - started
    requested = [item for item in parse_config_lines(BROKEN_FRAGMENT) if isinstance(item, Assignment)]
    return {"final": final, "requested": requested, "drops": compare(requested, final),
            "workdir": workdir / "out", "cold": cold, "warm": warm}


def test_timing_is_recorded(audit, record_property):
    record_property("merge_olddefconfig_cold_s", round(audit["cold"], 2))
    record_property("merge_olddefconfig_warm_s", round(audit["warm"], 2))
    assert audit["warm"] < 120


def test_exact_set_of_drops(audit):
    drops = {d.assignment.symbol: (d.kind, d.final_value) for d in audit["drops"]}
    assert drops == {
        "VIRTIO_FS": ("absent", None),             # FUSE_FS=n hides it entirely
        "VIRTIO_FSS": ("absent", None),            # misspelled
        "ARM64_16K_PAGES": ("differs", "n"),       # lost the choice to the later 64K line
        "DEBUG_LOCK_ALLOC": ("differs", "y"),      # PROVE_LOCKING selects it
        "DEBUG_INFO": ("differs", "y"),            # DWARF5 choice member (Alpine base) selects it
    }


def test_requests_that_survive(audit):
    final = audit["final"]
    assert final["FUSE_FS"] == "n" and final["VIRTIO_BLK"] == "y" and final["PROVE_LOCKING"] == "y"
    assert final["ARM64_64K_PAGES"] == "y" and final["ARM64_4K_PAGES"] == "n"


def test_explanations(audit, db):
    final = audit["final"]
    reasons = {d.assignment.symbol: db.explain(d.assignment.symbol, d.assignment.value, final)
               for d in audit["drops"]}
    assert reasons["VIRTIO_FS"] == "VIRTIO_FS=y needs FUSE_FS=y (depends on FUSE_FS); FUSE_FS is n"
    assert reasons["VIRTIO_FSS"].startswith("VIRTIO_FSS: unknown symbol in 6.12 (did you mean VIRTIO_FS")
    assert reasons["ARM64_16K_PAGES"] == (
        "ARM64_16K_PAGES is in the choice 'Page size' and ARM64_64K_PAGES was chosen")
    assert reasons["DEBUG_LOCK_ALLOC"].startswith("DEBUG_LOCK_ALLOC is selected by ")
    assert "PROVE_LOCKING=y" in reasons["DEBUG_LOCK_ALLOC"]
    assert reasons["DEBUG_INFO"] == "DEBUG_INFO is selected by DEBUG_INFO_DWARF5=y; select overrides the requested n"


def test_kernel_itself_reports_the_unknown_symbol(audit):
    log = (audit["workdir"] / "olddefconfig.log").read_text()
    assert "unknown symbol: VIRTIO_FSS" in log
    merged = parse_config_lines((audit["workdir"] / "merged.config").read_text())
    assert not [item for item in merged if isinstance(item, BadLine)]


def test_source_tree_untouched(tree, audit):
    assert not (tree / ".config").exists() and not (tree / "include/config").exists()


def test_database_agrees_with_olddefconfig(audit, db):
    """Every symbol olddefconfig wrote is in the database, and none of them has dependencies
    that evaluate to n unless something selects/implies it (the only way Kconfig writes it)."""
    final = audit["final"]
    assert [name for name in final if db.lookup(name) is None] == []
    contradictions = []
    for name in final:
        symbol = db.lookup(name)
        deps_met = any(all(eval_expr(e, final) != "n" for e in d.all_depends) for d in symbol.definitions)
        forced = any(final.get(src, "n") != "n" and (not cond or eval_expr(cond, final) != "n")
                     for src, cond in db.selected_by.get(name, []) + db.implied_by.get(name, []))
        if not deps_met and not forced:
            contradictions.append(name)
    assert contradictions == []
