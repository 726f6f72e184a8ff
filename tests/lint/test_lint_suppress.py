"""Inline `# mscc: ignore[...]` comments, and the warning for ones that match nothing."""

from __future__ import annotations

from lintutil import codes, lint_text, where

PROFILE = """
profile p {{
  hardware {{ chip = m3-pro  memory = 36GiB }}
  vm {{ cpus = 4  memory = 8GiB  os = freebsd }}
  zfs {{
    arc_max = 95% of vm.memory{comment}
  }}
}}
"""


def test_trailing_ignore_covers_its_line(tmp_path):
    r = lint_text(tmp_path, "loader.conf", 'zfs_load="YES"\nzfs_load="YES"  # mscc: ignore[MS705]\n')
    assert codes(r) == []


def test_ignore_by_name_and_bare_ignore(tmp_path):
    r = lint_text(tmp_path, "loader.conf", 'zfs_load="YES"\nzfs_load="YES"  # mscc: ignore[config-duplicate-line]\n')
    assert codes(r) == []
    r = lint_text(tmp_path, "loader.conf", 'zfs_load="YES"\nzfs_load="NO"  # mscc: ignore\n')
    assert codes(r) == []


def test_own_line_ignore_covers_the_next_line(tmp_path):
    # Kconfig cannot carry a trailing comment, so the ignore sits above the line.
    r = lint_text(tmp_path, "x.config", "CONFIG_A_B=y\n# mscc: ignore[MS705]\n\nCONFIG_A_B=y\n",
                  kind="linux-config")
    assert "MS705" not in codes(r)


def test_unused_and_unknown_ignores_are_reported_where_written(tmp_path):
    r = lint_text(tmp_path, "loader.conf", 'zfs_load="YES"  # mscc: ignore[MS705, MS799]\n')
    assert where(r, "MS009") == [(1, 32), (1, 39)]
    messages = [d.message for d in r.diagnostics]
    assert "ignore[MS705] matches no diagnostic on line 1" in messages
    assert "unknown code 'MS799' in ignore" in messages


def test_ignore_in_a_profile(tmp_path):
    assert "MS401" in codes(lint_text(tmp_path, "p.msk", PROFILE.format(comment="")))
    assert codes(lint_text(tmp_path, "p.msk", PROFILE.format(comment="  # mscc: ignore[MS401]"))) == []


def test_a_hash_inside_a_string_is_not_an_ignore(tmp_path):
    text = PROFILE.format(comment="") + 'profile q extends p { image { packages = ["# mscc: ignore[MS401]"] } }\n'
    assert "MS009" not in codes(lint_text(tmp_path, "p.msk", text))


def test_the_unused_ignore_warning_can_itself_be_disabled(tmp_path):
    from mscc.settings import Settings

    r = lint_text(tmp_path, "loader.conf", 'zfs_load="YES"  # mscc: ignore[MS705]\n',
                  settings=Settings(disable=("unused-ignore",)))
    assert codes(r) == []
