"""Rules, one module per concern; each rule carries its own failing and passing example.

RULES is the one list of check rules: a rule runs because it is listed here, not because
its module was imported. The order is the order diagnostics are produced in.
"""

from __future__ import annotations

from mscc.check.rule import Rule, rule_of
from mscc.check.rules import hardware, kernel, platform, zfs

RULES: tuple[Rule, ...] = tuple(rule_of(check) for check in (
    hardware.memory_sold,
    hardware.cpus_within_cores,
    hardware.vm_memory_below_host,
    hardware.host_headroom,
    hardware.nested_virt,
    kernel.no_64k_pages,
    kernel.page_size_supported,
    kernel.keeps_boot_disk,
    kernel.device_classes_supported,
    kernel.usb_input_on_vz,
    kernel.lock_debugging_with_zfs,
    kernel.hw_checksums,
    platform.hypervisor_boots,
    platform.version_supported,
    zfs.arc_max_bounds,
    zfs.arc_min_bounds,
    zfs.volatile_slog,
    zfs.sync_disabled,
    zfs.zfs_available,
    zfs.zfs_maturity,
    zfs.tunables_known,
    zfs.zfs_names,
))
