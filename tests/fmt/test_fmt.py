"""mscc fmt: the canonical layout, comments kept where they were, idempotence, and the same
tree after formatting (hypothesis generates profiles with random layout and comments)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mscc.fmt import comments, format_text, shape
from mscc.parse.parser import parse_text

ROOT = Path(__file__).resolve().parents[2]

MESSY = """# header comment

include "common.msk"   # the templates
include "other.msk"
# about m3
profile m3 extends zfs-guest, other {  # trailing on open
  hardware { chip = m3-pro  memory = 36GiB }  # inline block
  vm {
    cpus   =    8


    memory=16GiB
    # before os
    os = freebsd
    version = "14.3"
  }
  zfs {
    arc_max = 50% of vm.memory
    dataset "zroot/postgres" { recordsize = 16K }
    dataset pg {}
    devices = [virtio-blk, # root
       virtio-net]
    empty { # only a comment
    }
    # end of zfs
  }
}
profile b { }
# trailing file comment
"""

CANONICAL = """# header comment

include "common.msk"  # the templates
include "other.msk"

# about m3
profile m3 extends zfs-guest, other {  # trailing on open
  hardware {
    chip = m3-pro
    memory = 36GiB
  }  # inline block
  vm {
    cpus = 8

    memory = 16GiB
    # before os
    os = freebsd
    version = "14.3"
  }
  zfs {
    arc_max = 50% of vm.memory
    dataset "zroot/postgres" {
      recordsize = 16K
    }
    dataset pg {}
    devices = [
      virtio-blk,  # root
      virtio-net,
    ]
    empty {  # only a comment
    }
    # end of zfs
  }
}

profile b {}
# trailing file comment
"""


def fmt(text: str) -> str:
    out, problems = format_text(text, "t.msk")
    assert out is not None, problems
    return out


def test_canonical_layout_keeps_every_comment():
    assert fmt(MESSY) == CANONICAL
    assert [c.text for c in comments(MESSY)] == [c.text for c in comments(CANONICAL)]


def test_canonical_text_is_a_fixed_point():
    assert fmt(CANONICAL) == CANONICAL


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.msk")), ids=lambda p: p.name)
def test_the_examples_are_formatted(path):
    text = path.read_text(encoding="utf-8")
    assert fmt(text) == text


def test_long_lists_break_and_short_ones_join():
    items = ", ".join(["virtio-blk", "virtio-net", "virtio-rng", "virtio-console", "virtio-balloon",
                       "virtio-scsi", "virtio-9p"])
    out = fmt(f"profile p {{ kernel {{ devices = [{items}] }} }}")
    assert "    devices = [\n      virtio-blk,\n" in out and out.count("\n") == 13
    assert fmt("profile p { kernel { devices = [\n a,\n b,\n] } }") == \
        "profile p {\n  kernel {\n    devices = [a, b]\n  }\n}\n"


def test_strings_are_requoted_and_labels_keep_their_quotes():
    out = fmt('profile p { image { packages = ["a\\"b", "back\\\\slash"] } raw freebsd { } raw "alpine" { } }')
    assert 'packages = ["a\\"b", "back\\\\slash"]' in out
    assert "  raw freebsd {}\n" in out and '  raw "alpine" {}\n' in out


def test_a_hash_in_a_string_is_not_a_comment():
    text = 'profile p {\n  image {\n    packages = ["#not a comment"]  # a comment\n  }\n}\n'
    assert fmt(text) == text
    assert [c.text for c in comments(text)] == ["# a comment"]


def test_syntax_errors_are_diagnostics_not_output():
    out, problems = format_text("profile p { vm { cpus = } }", "bad.msk")
    assert out is None and problems[0].code == "MS001"


# --- properties -----------------------------------------------------------------------------

_names = st.from_regex(r"[a-z_][a-z0-9_\-]{0,6}", fullmatch=True).filter(
    lambda n: n not in ("include", "profile", "template", "extends", "of"))
_comment = st.from_regex(r"#[ a-z0-9#\"\[\]{}=,]{0,12}", fullmatch=True)
_space = st.sampled_from([" ", "  ", "\n", "\n\n", "\t", " \n  ", "\n\n\n"])
_sep = st.one_of(_space, _space, st.builds(lambda a, c, b: a + c + "\n" + b, _space, _comment, _space))
_scalars = st.one_of(
    st.from_regex(r"[1-9][0-9]{0,3}(KiB|MiB|GiB|TiB|K|M|G|T)", fullmatch=True),
    st.from_regex(r"[0-9]{1,5}", fullmatch=True),
    st.from_regex(r"[1-9][0-9]?% of (vm|host)\.memory", fullmatch=True),
    st.text(st.characters(codec="utf-8", exclude_characters='\n\r"\\\x00', exclude_categories=("Cs",)),
            max_size=8).map(lambda s: f'"{s}"'),
    st.just('"a\\"b\\\\c\\n"'),
    _names,
)


@st.composite
def _value(draw, depth=0):
    if depth < 2 and draw(st.integers(0, 4)) == 0:
        items = draw(st.lists(_value(depth + 1), max_size=4))
        inner = ""
        for i, item in enumerate(items):
            inner += draw(_sep) + item + draw(_sep) + ("," if i < len(items) - 1 or draw(st.booleans()) else "")
        return "[" + inner + draw(_sep) + "]"
    return draw(_scalars)


@st.composite
def _entries(draw, depth):
    out = []
    for _ in range(draw(st.integers(0, 3))):
        if depth < 3 and draw(st.booleans()):
            label = draw(st.one_of(st.none(), _names, st.just('"zroot/a b"')))
            head = draw(_names) + (draw(_sep) + label if label else "")
            out.append(head + draw(_sep) + "{" + draw(_entries(depth + 1)) + draw(_sep) + "}")
        else:
            out.append(draw(_names) + draw(_sep) + "=" + draw(_sep) + draw(_value()))
    return "".join(draw(_sep) + e for e in out)


@st.composite
def msk_texts(draw):
    items = []
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.integers(0, 3)) == 0:
            items.append('include "' + draw(_names) + '.msk"')
        else:
            extends = draw(st.lists(_names, max_size=2))
            head = draw(st.sampled_from(["profile", "template"])) + draw(_space) + draw(_names)
            if extends:
                head += " extends " + ", ".join(extends)
            items.append(head + draw(_sep) + "{" + draw(_entries(1)) + draw(_sep) + "}")
    return draw(_sep) + "".join(item + draw(_sep) for item in items)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(msk_texts())
def test_formatting_is_idempotent_and_keeps_the_tree(text):
    module, _problems = parse_text(text, "t.msk")
    assume(module is not None)
    once = fmt(text)
    assert fmt(once) == once
    again, _ = parse_text(once, "t.msk")
    assert shape(again) == shape(module)
    assert sorted(c.text for c in comments(once)) == sorted(c.text for c in comments(text))


# --- the command ----------------------------------------------------------------------------

def test_fmt_check_diff_and_in_place(run_cli, write):
    path = write("p.msk", "profile p { vm { cpus = 4 } }\n")
    os.chmod(path, 0o640)
    r = run_cli("fmt", "--check", path)
    assert r.exit_code == 1 and "would reformat" in r.output
    r = run_cli("fmt", "--diff", path)
    assert r.exit_code == 1 and "+    cpus = 4" in r.output
    assert path.read_text() == "profile p { vm { cpus = 4 } }\n"
    r = run_cli("fmt", path.parent)
    assert r.exit_code == 0 and "reformatted" in r.output
    assert path.read_text() == "profile p {\n  vm {\n    cpus = 4\n  }\n}\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert run_cli("fmt", "--check", path).exit_code == 0


def test_fmt_leaves_a_file_that_does_not_parse(run_cli, write):
    path = write("bad.msk", "profile p { vm { cpus = } }\n")
    r = run_cli("fmt", path)
    assert r.exit_code == 1 and "MS001" in r.output
    assert path.read_text() == "profile p { vm { cpus = } }\n"
