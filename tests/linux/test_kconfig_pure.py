"""Unit tests for the pure Kconfig core (no kernel tree needed).

The symbol-database tests build a tiny fake tree from inline Kconfig snippets and run the
real generator (scripts/gen_kconfig_db.py) over it, so reader and explainer are tested together.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from mscc.linux.kconfig import (
    Assignment, BadLine, Drop, ExprSyntaxError, SymbolDB, compare, config_values, default_cross_compile,
    eval_expr, expr_text, failing_terms, load_symbol_db, merge_and_resolve, parse_config_lines, parse_expr,
)

REPO = Path(__file__).resolve().parents[2]
REAL_DB = REPO / "targets/alpine/kconfig-6.12.json"


def load_generator():
    return importlib.import_module("scripts.gen_kconfig_db")


# --------------------------------------------------------------------------- parsing

def test_parse_all_value_forms_with_positions():
    text = ('CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_D="hello \\"x\\""\n'
            "CONFIG_E=-12\nCONFIG_F=0x1f\n\n# a comment\nCONFIG_G=n\n")
    assert parse_config_lines(text) == [
        Assignment("A", "y", 1, 1), Assignment("B", "m", 2, 1), Assignment("C", "n", 3, 3),
        Assignment("D", '"hello \\"x\\""', 4, 1), Assignment("E", "-12", 5, 1),
        Assignment("F", "0x1f", 6, 1), Assignment("G", "n", 9, 1),
    ]


@pytest.mark.parametrize("line", [
    "CONFIG_A=y ",            # trailing blank: Kconfig keeps it in the value
    " CONFIG_A=y",            # leading blank: "unexpected data"
    "CONFIG_CMDLINE=console",  # unquoted string: Kconfig silently ignores it
    "CONFIG_A=yes",
    "CONFIG_A",
    "VIRTIO_FS=y",            # missing CONFIG_ prefix
    "#CONFIG_A is not set",   # near-miss: a plain comment to Kconfig and merge_config.sh
    "# CONFIG_A is not set ",
])
def test_lines_kconfig_would_lose_are_bad_lines(line):
    assert parse_config_lines(f"CONFIG_OK=y\n{line}\n") == [Assignment("OK", "y", 1, 1), BadLine(2, line)]


def test_crlf_and_ordinary_comments():
    assert parse_config_lines("# Linux/arm64 6.12 Kernel Configuration\r\nCONFIG_A=y\r\n") == [
        Assignment("A", "y", 2, 1)]


def test_config_values_later_line_wins():
    assert config_values("CONFIG_A=y\n# CONFIG_A is not set\nCONFIG_B=m\n") == {"A": "n", "B": "m"}


# --------------------------------------------------------------------------- expressions

VALUES = {"Y": "y", "M": "m", "N": "n", "S": '"abc"', "I": "12", "H": "0x10"}


@pytest.mark.parametrize("expr,expected", [
    ("Y", "y"), ("M", "m"), ("N", "n"), ("UNSET", "n"), ("y", "y"), ("m", "m"),
    ("Y && M", "m"), ("M || N", "m"), ("!M", "m"), ("!Y", "n"), ("!N", "y"),
    ("N || Y && M", "m"),            # && binds tighter than ||
    ("(N || Y) && M", "m"), ("!(Y && N)", "y"),
    ("M = m", "y"), ("M != y", "y"), ("S = \"abc\"", "y"), ("S != \"abc\"", "n"),
    ("I > 10", "y"), ("I <= 11", "n"), ("H >= 16", "y"), ("H = 0x10", "y"),
    ("M <= Y", "y"), ("Y < M", "n"),  # tristates order n < m < y (expr.c)
    ("S", "n"),                        # a string symbol is n in a tristate context
    ("$(cc-option,-mbranch-protection=standard)", "y"),  # host probes: assumed met
    ("!M = m", "n"),                   # ! applies to the comparison: !(M = m)
])
def test_eval_expr(expr, expected):
    assert eval_expr(expr, VALUES) == expected


def test_macro_with_commas_and_parentheses_is_one_operand():
    node = parse_expr("ARM64 && $(as-instr,.arch armv8.5-a+memtag\\nstgm xzr$(comma)[x0])")
    assert node[0] == "and" and node[2][1].startswith("$(as-instr")


@pytest.mark.parametrize("bad", ["A &&", "(A", "A B", "&& A", "A @ B"])
def test_malformed_expressions_raise(bad):
    with pytest.raises(ExprSyntaxError):
        parse_expr(bad)


def test_expr_text_round_trip():
    assert expr_text(parse_expr("(A || B) && !C && D != n && !(E || F)")) == "(A || B) && !C && D != n && !(E || F)"


def test_failing_terms_pinpoints_the_unmet_term():
    terms = failing_terms(["Y && M && !N", "Y"], VALUES, "y")
    assert [expr_text(t) for t in terms] == ["M"]
    assert failing_terms(["Y && M"], VALUES, "m") == []


# --------------------------------------------------------------------------- database from snippets

KCONFIG_TOP = """\
mainmenu "Test $(SRCARCH) kernel"
source "scripts/Kconfig.include"
source "arch/$(SRCARCH)/Kconfig"
source "fs/Kconfig"
"""
KCONFIG_INCLUDE = """\
comma := ,
cc-option = $(success,true $(1))
$(error-if,$(failure,true),never)
"""
KCONFIG_ARCH = """\
config ARM64
\tdef_bool y
\tselect HAVE_VIRT # trailing comment
\timply IMPLIED_THING if NET

config HAVE_VIRT
\tbool

config IMPLIED_THING
\tbool "implied thing"

config MODULES
\tbool "Enable loadable module support"
\tmodules

config NET
\tbool "Networking"

config EXPERT
\tbool "Expert mode"

choice
\tprompt "Page size"
\tdefault ARM64_4K_PAGES

config ARM64_4K_PAGES
\tbool "4KB"

config ARM64_16K_PAGES
\tbool "16KB"
\thelp
\t  Indented help may contain words like
\t  config NOT_A_SYMBOL and endchoice.

\t  Even after a blank line.
endchoice

config NR_CPUS
\tint "Maximum number of CPUs"
\trange 2 4096
\tdefault 256

config SECRET_KNOB
\tbool "secret" if EXPERT
\tdepends on NET

menuconfig GCC_PLUGINS
\tbool "GCC plugins"
\tdepends on $(success,test -e /nonexistent/plugin-version.h)

config GCC_PLUGIN_STACKLEAK
\tbool "Stackleak"
\tdepends on GCC_PLUGINS

source "arch/x86/Kconfig"
"""
KCONFIG_FS = """\
menu "File systems"
\tdepends on ARM64

config FUSE_FS
\ttristate "FUSE"

config VIRTIO_FS
\ttristate "Virtio Filesystem"
\tdepends on FUSE_FS && \\
\t           NET
\tselect VIRTIO

if NET
config VIRTIO
\ttristate
\tdefault y if ARM64
endif

config PROVE_LOCKING
\tbool "Prove locking"
\tselect DEBUG_LOCK_ALLOC if !N_A

config DEBUG_LOCK_ALLOC
\tbool "Lock allocation debugging"
endmenu
"""


@pytest.fixture(scope="module")
def snippet_db_data(tmp_path_factory):
    tree = tmp_path_factory.mktemp("tree")
    files = {"Kconfig": KCONFIG_TOP, "scripts/Kconfig.include": KCONFIG_INCLUDE,
             "arch/arm64/Kconfig": KCONFIG_ARCH, "fs/Kconfig": KCONFIG_FS,
             "Makefile": "VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 99\nEXTRAVERSION =\n"}
    for name, text in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(text)
    # arch/x86/Kconfig deliberately does not exist: other arches' trees must be skipped.
    data, warnings = load_generator().build_database(tree, "arm64", "no-such-package-mscc", None)
    assert warnings == []
    return data


@pytest.fixture(scope="module")
def snippet_db(snippet_db_data):
    return SymbolDB(snippet_db_data)


def test_reader_records_types_prompts_and_locations(snippet_db_data):
    symbols = snippet_db_data["symbols"]
    assert snippet_db_data["header"]["kernel_version"] == "6.12.99"
    assert "NOT_A_SYMBOL" not in symbols  # help text is skipped
    assert symbols["ARM64"]["type"] == "bool" and symbols["ARM64"]["definitions"][0]["defaults"] == [["y", None]]
    assert symbols["HAVE_VIRT"]["definitions"][0].get("prompt") is None
    virtio_fs = symbols["VIRTIO_FS"]["definitions"][0]
    assert virtio_fs["file"] == "fs/Kconfig" and virtio_fs["line"] == 7
    assert virtio_fs["depends"] == ["FUSE_FS && NET"]  # continuation line joined
    assert virtio_fs["block_depends"] == ["ARM64"]      # from the enclosing menu
    assert symbols["VIRTIO"]["definitions"][0]["block_depends"] == ["ARM64", "NET"]
    assert symbols["PROVE_LOCKING"]["definitions"][0]["selects"] == [["DEBUG_LOCK_ALLOC", "!N_A"]]
    assert symbols["ARM64"]["definitions"][0]["implies"] == [["IMPLIED_THING", "NET"]]
    assert symbols["SECRET_KNOB"]["definitions"][0]["prompt_if"] == "EXPERT"
    assert symbols["NR_CPUS"]["definitions"][0]["ranges"] == [["2 4096", None]]
    assert symbols["MODULES"]["definitions"][0]["modules"] is True


def test_reader_records_choices(snippet_db_data):
    (choice_id, choice), = snippet_db_data["choices"].items()
    assert choice["prompt"] == "Page size" and choice["members"] == ["ARM64_4K_PAGES", "ARM64_16K_PAGES"]
    assert snippet_db_data["symbols"]["ARM64_16K_PAGES"]["definitions"][0]["choice"] == choice_id


def test_reader_output_is_deterministic(snippet_db_data):
    assert json.dumps(snippet_db_data, sort_keys=True) == json.dumps(
        json.loads(json.dumps(snippet_db_data)), sort_keys=True)


FINAL = {"ARM64": "y", "HAVE_VIRT": "y", "NET": "y", "MODULES": "y", "FUSE_FS": "m", "VIRTIO_FS": "m",
         "VIRTIO": "y", "ARM64_4K_PAGES": "y", "ARM64_16K_PAGES": "n", "PROVE_LOCKING": "y",
         "DEBUG_LOCK_ALLOC": "y", "EXPERT": "n", "SECRET_KNOB": "n", "NR_CPUS": "256"}


def test_explain_unmet_dependency(snippet_db):
    assert snippet_db.explain("VIRTIO_FS", "y", FINAL) == (
        "VIRTIO_FS=y needs FUSE_FS=y (depends on ARM64 && FUSE_FS && NET); FUSE_FS is m")
    unmet = {k: v for k, v in FINAL.items() if k != "VIRTIO_FS"} | {"FUSE_FS": "n", "NET": "n"}
    assert snippet_db.explain("CONFIG_VIRTIO_FS", "m", unmet) == (
        "VIRTIO_FS=m needs FUSE_FS=m or y, NET=m or y (depends on ARM64 && FUSE_FS && NET); "
        "FUSE_FS is n, NET is n")


def test_explain_unknown_symbol_suggests_close_matches(snippet_db):
    assert snippet_db.explain("VIRTIO_FSS", "y", FINAL) == (
        "VIRTIO_FSS: unknown symbol in 6.12 (did you mean VIRTIO_FS, VIRTIO?)")
    assert snippet_db.close_matches("virtio_fs") == ["VIRTIO_FS", "VIRTIO"]
    assert snippet_db.lookup("CONFIG_VIRTIO_FS").name == "VIRTIO_FS" and snippet_db.lookup("NOPE") is None


def test_explain_choice(snippet_db):
    assert snippet_db.explain("ARM64_16K_PAGES", "y", FINAL) == (
        "ARM64_16K_PAGES is in the choice 'Page size' and ARM64_4K_PAGES was chosen")
    assert snippet_db.explain("ARM64_4K_PAGES", "n", FINAL).startswith(
        "ARM64_4K_PAGES is the selected member of the choice 'Page size'")


def test_explain_follows_an_absent_dependency_to_a_toolchain_probe(snippet_db):
    assert snippet_db.explain("GCC_PLUGIN_STACKLEAK", "y", FINAL) == (
        "GCC_PLUGIN_STACKLEAK=y needs GCC_PLUGINS=y (depends on GCC_PLUGINS); GCC_PLUGINS is not set; "
        "GCC_PLUGINS depends on a toolchain probe that was false here: "
        "$(success,test -e /nonexistent/plugin-version.h)")


def test_explain_value_that_survived(snippet_db):
    assert snippet_db.explain("FUSE_FS", "m", FINAL) == "FUSE_FS=m survived"


def test_explain_select(snippet_db):
    assert snippet_db.explain("DEBUG_LOCK_ALLOC", "n", FINAL) == (
        "DEBUG_LOCK_ALLOC is selected by PROVE_LOCKING=y (if !N_A); select overrides the requested n")


def test_explain_symbol_without_prompt(snippet_db):
    assert snippet_db.explain("HAVE_VIRT", "n", FINAL) == (
        "HAVE_VIRT is selected by ARM64=y; select overrides the requested n")
    reason = snippet_db.explain("VIRTIO", "m", FINAL)
    assert reason.startswith("VIRTIO has no prompt in 6.12: users cannot set it")


def test_explain_prompt_condition_and_value_checks(snippet_db):
    assert snippet_db.explain("SECRET_KNOB", "y", FINAL) == "SECRET_KNOB's prompt is shown only if EXPERT; EXPERT is n"
    assert snippet_db.explain("PROVE_LOCKING", "m", {**FINAL, "PROVE_LOCKING": "n"}) == (
        "PROVE_LOCKING is a bool: 'm' is not a valid value (Kconfig ignores it)")
    assert snippet_db.explain("NR_CPUS", "1", FINAL) == "NR_CPUS=1 is outside its range 2 4096"
    assert snippet_db.explain("FUSE_FS", "m", {**FINAL, "MODULES": "n", "FUSE_FS": "y"}) == (
        "FUSE_FS=m needs MODULES=y (loadable modules); MODULES is n")


# --------------------------------------------------------------------------- compare

def test_compare_classifies_drops():
    requested = parse_config_lines(
        "CONFIG_A=y\nCONFIG_B=y\n# CONFIG_C is not set\n# CONFIG_D is not set\nCONFIG_E=n\n"
        "CONFIG_F=y\nCONFIG_F=m\nCONFIG_G=0x001F\nCONFIG_H=\"x\"\n")
    final = {"A": "y", "B": "m", "D": "y", "E": "n", "F": "m", "G": "0x1f", "H": '"y"'}
    assert compare(requested, final) == [
        Drop(Assignment("B", "y", 2, 1), "m", "differs"),
        Drop(Assignment("D", "n", 4, 3), "y", "differs"),
        Drop(Assignment("H", '"x"', 9, 1), '"y"', "differs"),
    ]
    assert compare(parse_config_lines("CONFIG_GONE=y\n"), {}) == [Drop(Assignment("GONE", "y", 1, 1), None, "absent")]


# --------------------------------------------------------------------------- tool wrapper (no tree)

def test_merge_refuses_missing_inputs(tmp_path):
    with pytest.raises(FileNotFoundError):
        merge_and_resolve(tmp_path, tmp_path / "missing.config", [], workdir=tmp_path / "w")
    assert not (tmp_path / "missing.config").exists()  # merge_config.sh would have touched it


def test_default_cross_compile(monkeypatch):
    import mscc.linux.kconfig as kconfig
    monkeypatch.setattr(kconfig.platform, "machine", lambda: "aarch64")
    assert default_cross_compile("arm64") is None
    monkeypatch.setattr(kconfig.platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(kconfig.shutil, "which", lambda name: "/usr/bin/" + name)
    assert default_cross_compile("arm64") == "aarch64-linux-gnu-"
    monkeypatch.setattr(kconfig.shutil, "which", lambda name: None)
    assert default_cross_compile("arm64") is None


# --------------------------------------------------------------------------- the committed 6.12 database

@pytest.fixture(scope="module")
def real_db():
    if not REAL_DB.is_file():
        pytest.skip("targets/alpine/kconfig-6.12.json not generated")
    return load_symbol_db(REAL_DB)


def test_real_db_header_and_size(real_db):
    assert real_db.kernel_version.startswith("6.12.") and real_db.header["arch"] == "arm64"
    assert real_db.header["source_package"] == "linux-source-6.12"
    assert len(real_db.symbols) > 15000 and REAL_DB.stat().st_size < 8_000_000


def test_real_db_known_symbols(real_db):
    virtio_fs = real_db.lookup("VIRTIO_FS").definitions[0]
    assert (virtio_fs.file, virtio_fs.depends, virtio_fs.selects) == \
        ("fs/fuse/Kconfig", ("FUSE_FS",), (("VIRTIO", None),))
    page_choice = real_db.choices[real_db.lookup("ARM64_16K_PAGES").choice]
    assert page_choice.prompt == "Page size"
    assert page_choice.members == ("ARM64_4K_PAGES", "ARM64_16K_PAGES", "ARM64_64K_PAGES")
    assert ("DEBUG_LOCK_ALLOC", None) in real_db.lookup("PROVE_LOCKING").definitions[0].selects
    debug_info = real_db.choices[real_db.lookup("DEBUG_INFO_NONE").choice]
    assert debug_info.prompt == "Debug information" and "DEBUG_INFO_DWARF5" in debug_info.members
    assert not real_db.lookup("DEBUG_INFO").has_prompt  # ≥5.18: only the choice selects it
    for name in ("CRYPTO_SHA2_ARM64_CE", "CRYPTO_AES_ARM64_CE_BLK"):
        definition = real_db.lookup(name).definitions[0]
        assert definition.file == "arch/arm64/crypto/Kconfig" and "KERNEL_MODE_NEON" in definition.depends
    assert ("CRYPTO_AES_ARM64_CE_BLK", None) in real_db.lookup("CRYPTO_AES_ARM64_CE_CCM").definitions[0].selects


def test_real_db_every_expression_parses(real_db):
    for symbol in real_db.symbols.values():
        for d in symbol.definitions:
            conditions = [c for _, c in d.selects + d.implies + d.defaults + d.ranges if c]
            for expr in list(d.all_depends) + conditions + [v for v, _ in d.defaults] + [d.prompt_if or "y"]:
                parse_expr(expr)
