"""No input, however broken, produces a traceback or a half-written output directory."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mscc.compiler import compile_file
from mscc.emit.artifacts import write_bundles

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _compile_bytes(tmp: Path, data: bytes):
    src = tmp / "in.msk"
    src.write_bytes(data)
    result = compile_file(str(src), ["freebsd"])
    if result.ok:
        write_bundles(tmp / "out", result.bundles)
    else:
        assert result.diagnostics, "a failed compile must say why"
        for d in result.diagnostics:
            assert d.span.line >= 1 and d.span.column >= 1 and d.code.startswith("MS")
    return result


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(tmp_path_factory, data):
    _compile_bytes(tmp_path_factory.mktemp("b"), data)


@SETTINGS
@given(st.text(max_size=400))
def test_random_text(tmp_path_factory, text):
    _compile_bytes(tmp_path_factory.mktemp("t"), text.encode("utf-8", "surrogatepass") if False else
                   text.encode("utf-8", "replace"))


# Grammar-derived inputs: well-formed shapes with arbitrary names and values.
NAMES = st.sampled_from(["hardware", "vm", "kernel", "zfs", "image", "raw", "dataset", "tunables",
                         "chip", "memory", "cpus", "hypervisor", "os", "version", "page_size", "devices",
                         "debug", "arc_max", "arc_min", "slog", "l2arc", "sync", "accept", "recordsize",
                         "compression", "base", "crypto", "pool", "enabled", "m3-pro", "freebsd", "x"])
SCALARS = st.one_of(
    st.integers(0, 10 ** 12).map(str),
    st.sampled_from(["4K", "16K", "64K", "8GiB", "36GiB", "1T", "512M", "0K", "1.5G"]),
    st.sampled_from(["50% of vm.memory", "120% of host.memory", "0% of vm.memory", "5% of vm.disk"]),
    NAMES, st.sampled_from(['"14.3"', '"/dev/md0"', '"zroot/a"', '"options MAC"', '""', '"\\""']),
    st.sampled_from(["yes", "no", "ram", "none", "auto", "qemu", "vz", "full", "lose-sync-writes-on-crash"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
                      max_leaves=6)


@st.composite
def blocks(draw, depth=0):
    entries = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 3 and draw(st.booleans()):
            label = draw(st.sampled_from(["", ' "zroot/x"', " freebsd", " alpine"]))
            entries.append(f"{draw(NAMES)}{label} {{ {draw(blocks(depth + 1))} }}")
        else:
            entries.append(f"{draw(NAMES)} = {draw(VALUES)}")
    return "\n".join(entries)


@st.composite
def programs(draw):
    profiles = []
    for i in range(draw(st.integers(1, 3))):
        kw = draw(st.sampled_from(["profile", "template"]))
        ext = draw(st.sampled_from(["", " extends p0", " extends p1, p0", " extends nope"]))
        profiles.append(f"{kw} p{i}{ext} {{\n{draw(blocks())}\n}}")
    return "\n".join(profiles)


@SETTINGS
@given(programs())
def test_grammar_derived_programs(tmp_path_factory, text):
    _compile_bytes(tmp_path_factory.mktemp("g"), text.encode())


@SETTINGS
@given(programs(), st.integers(0, 200), st.integers(0, 3))
def test_truncated_and_mangled_programs(tmp_path_factory, text, cut, mode):
    mangled = [text[:cut], text + "}", text.replace("=", "", 1), text.replace("{", "[", 1)][mode]
    _compile_bytes(tmp_path_factory.mktemp("m"), mangled.encode())


def test_huge_input(tmp_path):
    r = _compile_bytes(tmp_path, b"# " + b"x" * (2 << 20))
    assert [d.code for d in r.diagnostics] == ["MS003"]


def test_empty_input(tmp_path):
    r = _compile_bytes(tmp_path, b"")
    assert [d.code for d in r.diagnostics] == ["MS111"]


def test_invalid_utf8_is_located(tmp_path):
    r = _compile_bytes(tmp_path, b"profile p {\n  vm { os = \xff }\n}")
    (d,) = r.diagnostics
    assert d.code == "MS002" and (d.span.line, d.span.column) == (2, 13)


def test_binary_file(tmp_path):
    r = _compile_bytes(tmp_path, b"\x7fELF\x02\x01\x01\x00\x00\x00")
    assert r.diagnostics[0].code in ("MS002", "MS001")


def test_deeply_nested_blocks(tmp_path):
    text = "profile p { " + "zfs { " * 3000 + "}" * 3000 + " }"
    r = _compile_bytes(tmp_path, text.encode())
    assert r.diagnostics
