"""False alarms of a second pass over real configs mscc had never seen (issue 10): each case is
a small file written for the test, of the shape those files have."""

from __future__ import annotations

from lintutil import lint_text, need

from mscc.diagnostics import Severity


def _loud(result) -> list[str]:
    """Errors and warnings, as `line:code`."""
    return [f"{d.span.line}:{d.code}" for d in result.diagnostics if d.severity >= Severity.WARNING]


_WRITTEN = "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/riscv 6.12.0 Kernel Configuration\n#\n"


def test_a_symbol_in_a_config_kconfig_wrote_is_only_a_note(tmp_path):
    # A whole .config from `make olddefconfig` of 6.12.0 or of a vendor's patched tree holds the
    # symbols that tree defines; mscc's table (a later point release, mainline) may lack them.
    need("kconfig")
    r = lint_text(tmp_path, ".config", _WRITTEN + "CONFIG_VENDOR_ETHERNET_XYZ=m\nCONFIG_MODULES=y\n")
    assert _loud(r) == []
    [d] = [d for d in r.diagnostics if d.code == "MS701"]
    assert d.severity is Severity.NOTE and "6.12.0" in d.message and "wrote this file" in d.message


def test_a_hand_written_fragment_with_a_header_still_warns(tmp_path):
    need("kconfig")
    r = lint_text(tmp_path, "extra.config", "# Linux/riscv 6.12.0 Kernel Configuration\nCONFIG_VENDOR_ETHERNET_XYZ=m\n")
    assert _loud(r) == ["2:MS701"]


def test_a_fragment_in_an_architecture_folder_is_for_that_architecture(tmp_path):
    # KVM is a bool on arm64 and a tristate on x86: a fragment kept in x86_64/ may say m.
    need("kconfig")
    assert _loud(lint_text(tmp_path, "frags/x86_64/virt.config", "CONFIG_KVM=m\n")) == []
    assert _loud(lint_text(tmp_path, "frags/aarch64/virt.config", "CONFIG_KVM=m\n")) == ["1:MS707"]


def test_a_per_architecture_bool_may_be_m_when_the_architecture_is_unknown(tmp_path):
    need("kconfig")
    assert _loud(lint_text(tmp_path, "virt.config", "CONFIG_KVM=m\n")) == []
    # a bool every architecture shares stays a bool
    assert _loud(lint_text(tmp_path, "virt.config", "CONFIG_MODULES=m\n")) == ["1:MS707"]


def test_a_latin1_comment_in_a_loader_conf_is_read_as_loader8_reads_bytes(tmp_path):
    from mscc.lint import lint_paths

    path = tmp_path / "boot" / "loader.conf"
    path.parent.mkdir()
    path.write_bytes(b'# f\xfcr die Grafikkarte\nzfs_load="YES"\nzfs_load="YES"\n')
    r = lint_paths([str(path)])
    assert [d.code for d in r.diagnostics if d.severity >= Severity.WARNING] == ["MS705"]  # linted, not refused
    walked = lint_paths([str(tmp_path)])
    assert walked.skipped == [] and len(walked.files) == 1


def test_mscc_own_files_must_still_be_utf8(tmp_path):
    from mscc.lint import lint_paths

    path = tmp_path / "vm.msk"
    path.write_bytes(b"# caf\xe9\n")
    assert [d.code for d in lint_paths([str(path)]).diagnostics] == ["MS002"]


def test_a_symlink_checked_out_as_a_file_is_skipped_with_the_reason(tmp_path):
    from mscc.lint import lint_paths

    path = tmp_path / "etc" / "sysctl.d" / "99-sysctl.conf"
    path.parent.mkdir(parents=True)
    path.write_text("../sysctl.conf", encoding="utf-8")  # git's blob of a link, no newline
    walked = lint_paths([str(tmp_path)])
    assert walked.diagnostics == [] and walked.files == []
    [(_, reason)] = walked.skipped
    assert "symbolic link to ../sysctl.conf" in reason
    assert _loud(lint_paths([str(path)])) == []


def test_a_template_placeholder_line_in_a_freebsd_config_is_a_note(tmp_path):
    need("freebsd")
    r = lint_text(tmp_path, "SMP", "include\t\tGENERIC\nident\t\tSMP\n\n%%DEBUG%%\n\noptions\t\tDDB\n")
    assert _loud(r) == []
    assert [(d.span.line, d.code) for d in r.diagnostics if d.code == "MS712"] == [(4, "MS712")]
    # a word config(8) does not know is still an error
    assert _loud(lint_text(tmp_path, "SMP", "include GENERIC\nDEBUG\n")) == ["2:MS712"]


def _older_table() -> None:
    from mscc.lint import databases
    import pytest

    need("freebsd")
    built = databases.built_releases("freebsd")
    if not [v for v in databases.arch_versions("freebsd") if v.split(".")[0] not in built]:
        pytest.skip("no name table of an older FreeBSD release (targets/freebsd/arches-10.json)")


def test_a_name_of_an_older_freebsd_is_a_note_when_the_release_is_not_stated(tmp_path):
    # An i386 appliance config of the FreeBSD 10 era: tap, faith and pccard were devices then.
    _older_table()
    text = "cpu\tI586_CPU\nident\tBOX\ndevice\tpci\ndevice\ttap\ndevice\tfaith\ndevice\tpccard\n"
    r = lint_text(tmp_path, "BOX", text)
    assert _loud(r) == []
    notes = [d for d in r.diagnostics if d.code == "MS703"]
    assert [d.span.line for d in notes] == [4, 5, 6] and all("FreeBSD 10 had it" in d.message for d in notes)
    # a name no release has stays an error
    assert _loud(lint_text(tmp_path, "BOX", text + "device\tnosuchthing\n")) == ["7:MS703"]


def test_a_config_that_states_freebsd_10_is_judged_by_freebsd_10(tmp_path):
    _older_table()
    head = "# $FreeBSD: releng/10.4/sys/i386/conf/GENERIC 300000 2017-01-01 someone $\ncpu\tI686_CPU\nident\tOLD\n"
    assert _loud(lint_text(tmp_path, "OLD", head + "device\ttap\noptions\tIPSEC_NAT_T\n")) == []
    r = lint_text(tmp_path, "OLD", head + "device\tvirtio_gpu\n")  # newer than 10.4
    assert _loud(r) == ["4:MS703"] and "FreeBSD 10 i386" in r.diagnostics[0].message


def test_hardenedbsd_options_are_a_note_that_names_hardenedbsd(tmp_path):
    # OPNsense's kernel configs of 2017-2021 turn on HardenedBSD's PaX options.
    need("freebsd")
    text = "include\tGENERIC\nident\tSMP\noptions\tPAX\noptions\tPAX_ASLR\noptions\tPAX_NOSUCH\n"
    r = lint_text(tmp_path, "SMP", text)
    assert _loud(r) == ["5:MS702"]
    notes = [d for d in r.diagnostics if d.severity is Severity.NOTE and d.code == "MS702"]
    assert [d.span.line for d in notes] == [3, 4] and all("HardenedBSD" in d.message for d in notes)
