"""The grammar and the AST: values, spans, and located syntax errors."""

from __future__ import annotations

import pytest

from mscc.parse import ast
from mscc.parse.parser import MAX_DEPTH, parse_text


def parse_ok(text: str) -> ast.Module:
    module, diags = parse_text(text, "t.msk")
    assert diags == [], diags
    return module


def first_setting(text: str) -> ast.Setting:
    module = parse_ok(text)
    return module.profiles[0].entries[0].entries[0]


@pytest.mark.parametrize("text,expected", [
    ("16GiB", 16 << 30), ("16G", 16 << 30), ("512MiB", 512 << 20), ("512M", 512 << 20),
    ("4K", 4096), ("4KiB", 4096), ("2T", 2 << 40), ("1.5G", 3 << 29), ("1TiB", 1 << 40),
])
def test_sizes_are_binary(text, expected):
    s = first_setting(f"profile p {{ vm {{ memory = {text} }} }}")
    assert isinstance(s.value, ast.Size) and s.value.bytes == expected


def test_fractional_size_that_is_not_whole_bytes_is_an_error():
    module, diags = parse_text("profile p { vm { memory = 1.3K } }", "t.msk")
    assert module is None and diags[0].code == "MS103"


def test_percent_with_explicit_base():
    s = first_setting("profile p { zfs { arc_max = 50% of vm.memory } }")
    assert isinstance(s.value, ast.Percent)
    assert s.value.value == 50 and s.value.base == "vm.memory"


def test_values_strings_words_lists_ints():
    module = parse_ok('''
    profile p {
      vm { cpus = 8 os = freebsd version = "14.3" }
      kernel { devices = [virtio-blk, virtio-net,] }
    }''')
    vm, kernel = module.profiles[0].entries
    cpus, os_, version = vm.entries
    assert cpus.value == ast.Int(8, cpus.value.span)
    assert isinstance(os_.value, ast.Word) and os_.value.value == "freebsd"
    assert isinstance(version.value, ast.Str) and version.value.value == "14.3"
    devices = kernel.entries[0].value
    assert [i.value for i in devices.items] == ["virtio-blk", "virtio-net"]


def test_string_escapes():
    s = first_setting(r'profile p { vm { version = "a\"b\\c" } }')
    assert s.value.value == 'a"b\\c'


def test_spans_are_one_based_with_end():
    module = parse_ok("profile p {\n  vm {\n    cpus = 16\n  }\n}\n")
    prof = module.profiles[0]
    setting = prof.entries[0].entries[0]
    assert (setting.key_span.line, setting.key_span.column) == (3, 5)
    assert (setting.value.span.line, setting.value.span.column, setting.value.span.end_column) == (3, 12, 14)
    assert (prof.span.line, prof.span.end_line) == (1, 5)


def test_include_template_extends_labels():
    module = parse_ok('include "a.msk"\ntemplate base { }\nprofile p extends base, other { '
                      'zfs { dataset "tank/db" { sync = always } } raw freebsd { kernel = ["options MAC"] } }')
    assert module.includes[0].path == "a.msk"
    base, p = module.profiles
    assert base.is_template and not p.is_template
    assert [name for name, _ in p.extends] == ["base", "other"]
    zfs, raw = p.entries
    assert zfs.entries[0].kind == "dataset" and zfs.entries[0].label == "tank/db"
    assert raw.kind == "raw" and raw.label == "freebsd"


def test_comments_are_ignored():
    parse_ok("# top\nprofile p { # after brace\n  vm { cpus = 2 } # trailing\n}\n")


@pytest.mark.parametrize("text,line,column", [
    ("profile p { vm { cpus = } }", 1, 25),
    ("profile p { vm { cpus 4 } }", 1, 23),
    ("profile { }", 1, 9),
    ("profile p { vm { cpus = 4 }", 1, 28),
    ("profile p { vm { cpus = @ } }", 1, 25),
])
def test_syntax_errors_are_located(text, line, column):
    module, diags = parse_text(text, "t.msk")
    assert module is None
    (d,) = diags
    assert d.code == "MS001"
    assert (d.span.line, d.span.column) == (line, column)
    assert d.span.file == "t.msk"


def test_syntax_error_says_what_was_expected():
    _, (d,) = parse_text("profile p { vm { cpus = } }", "t.msk")
    assert "expected" in (d.hint or "")


def test_nesting_limit():
    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    module, diags = parse_text(f"profile p {{ kernel {{ devices = {deep} }} }}", "t.msk")
    assert module is None and diags[0].code == "MS004"


def test_very_deep_nesting_does_not_exhaust_the_stack():
    deep = "[" * 5000 + "]" * 5000
    module, diags = parse_text(f"profile p {{ kernel {{ devices = {deep} }} }}", "t.msk")
    assert module is None and diags


def test_unclosed_block_names_where_it_opened():
    _, (d,) = parse_text('profile p {\n  vm { cpus = 4\n  raw freebsd { kernel = ["options MAC #x"] }\n}\n', "t.msk")
    assert d.code == "MS001" and "line 2, column 6 is never closed" in d.message
