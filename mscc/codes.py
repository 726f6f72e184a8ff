"""Every diagnostic code mscc can emit, in one registry.

Groups: MS0xx input and syntax, MS1xx language, MS2xx hardware, MS3xx kernel,
MS4xx ZFS, MS5xx hypervisor and guest OS, MS6xx raw escape hatches, MS9xx output.
Every code has an `mscc explain` example (a failing and a passing one; mscc/explain.py says
where each kind lives), and tests/test_explain.py fails for a code without one.
"""

from mscc.diagnostics import Severity, register

E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE

# input and syntax
SYNTAX = register("MS001", "syntax-error", E, "the file does not match the .msk grammar")
NOT_UTF8 = register("MS002", "not-utf8", E, "the file is not valid UTF-8 text")
TOO_LARGE = register("MS003", "file-too-large", E, "the file is larger than mscc reads")
TOO_DEEP = register("MS004", "nesting-too-deep", E, "blocks or lists are nested too deeply")
INCLUDE_MISSING = register("MS005", "include-missing", E, "an included file does not exist")
INCLUDE_OUTSIDE = register("MS006", "include-outside-project", E,
                           "an include points outside the including file's directory tree")
INCLUDE_CYCLE = register("MS007", "include-cycle", E, "files include each other in a cycle")
UNREADABLE = register("MS008", "unreadable-file", E, "the file cannot be read")

# language
UNKNOWN_SECTION = register("MS101", "unknown-section", E, "a block name the language does not define")
UNKNOWN_SETTING = register("MS102", "unknown-setting", E, "a setting the block does not define")
BAD_VALUE = register("MS103", "bad-value", E, "a value of the wrong type or out of range")
DUPLICATE_SETTING = register("MS105", "duplicate-setting", E, "a setting given twice in one block")
UNKNOWN_PROFILE = register("MS106", "unknown-profile", E, "extends names a profile that does not exist")
EXTENDS_CYCLE = register("MS107", "extends-cycle", E, "profiles extend each other in a cycle")
DUPLICATE_PROFILE = register("MS108", "duplicate-profile", E, "two profiles share a name")
MISSING_SETTING = register("MS109", "missing-setting", E, "a required setting is absent")
BAD_PERCENT_BASE = register("MS110", "bad-percent-base", E, "a percentage of something that is not a size")
NO_PROFILES = register("MS111", "no-profiles", E, "the file defines no profile to compile")

# hardware
UNKNOWN_CHIP = register("MS201", "unknown-chip", E, "the chip is not in the hardware database")
MEMORY_NOT_SOLD = register("MS202", "memory-never-sold", E, "the chip was never sold with that much memory")
CPUS_EXCEED = register("MS203", "vm-cpus-exceed-host", E, "the VM has more vCPUs than the chip has cores")
VM_MEMORY_EXCEEDS = register("MS204", "vm-memory-exceeds-host", E, "the VM has as much memory as the host or more")
HOST_HEADROOM = register("MS205", "host-memory-headroom", W, "macOS is left less than 25 % or 4 GiB")
NESTED_VIRT = register("MS206", "nested-virt-unsupported", E, "nested virtualization needs M3 or later")
MEMORY_UNSOURCED = register("MS207", "memory-unsourced", N,
                            "the chip's memory list is incomplete and does not source that size")

# kernel
PAGE_64K = register("MS301", "page-size-64k", E, "64K pages: the M-series MMU has no 64K granule")
PAGE_16K_BSD = register("MS302", "page-size-16k-bsd", E, "16K pages on a BSD: no kernel option exists")
NO_BOOT_DISK = register("MS303", "no-boot-disk-driver", E,
                        "the kernel keeps no driver for the disk the hypervisor presents")
UNKNOWN_DEVICE_CLASS = register("MS304", "unknown-device-class", E, "a device class mscc does not know")
NO_INPUT = register("MS305", "no-usb-input-on-vz", W, "under vz the keyboard and mouse are USB devices")
LOCKDEP_ZFS = register("MS306", "lock-debugging-breaks-zfs", E,
                       "lock debugging makes OpenZFS refuse to build on Linux")
HW_CHECKSUMS = register("MS307", "hw-checksums-unavailable", E,
                        "accelerated ZFS checksums are not deliverable on this target")
DEVICE_UNSUPPORTED = register("MS308", "device-class-unsupported", W,
                              "the target OS has no driver for a kept device class")
# MS309 (page-size-auto) is retired: what `auto` chose is a decision in report.txt, not a note.

# ZFS
ARC_MAX_HIGH = register("MS401", "arc-max-too-high", E, "ARC max leaves the guest OS too little memory")
ARC_MIN_ABOVE_MAX = register("MS402", "arc-min-above-max", E, "ARC min is above ARC max")
ARC_TOO_SMALL = register("MS403", "arc-too-small", E, "ARC limit below what OpenZFS accepts")
VOLATILE_SLOG = register("MS404", "volatile-slog", E, "a SLOG on RAM loses acknowledged sync writes")
VOLATILE_SLOG_ACCEPTED = register("MS405", "volatile-slog-accepted", W,
                                  "data loss accepted: sync=disabled is emitted instead of a RAM log")
NO_ZFS = register("MS406", "zfs-unavailable", E, "the target OS has no ZFS")
UNKNOWN_TUNABLE = register("MS407", "unknown-tunable", E, "not a tunable of that OpenZFS version")
SYNC_DISABLED = register("MS408", "sync-disabled", W, "sync=disabled drops the durability of sync writes")
ZFS_IMMATURE = register("MS409", "zfs-immature", W, "the target's ZFS is old and reported unstable")
BAD_ZFS_NAME = register("MS410", "bad-zfs-name", E, "a pool, dataset or device name ZFS would refuse")
TUNABLE_VALUE = register("MS411", "tunable-value-type", E,
                         "a tunable value of a type the OpenZFS parameter does not have")

# hypervisor and guest OS
VZ_FREEBSD = register("MS501", "vz-freebsd", E, "FreeBSD does not boot under Virtualization.framework")
UNSUPPORTED_VERSION = register("MS502", "unsupported-os-version", E, "mscc has no data for that OS version")
VZ_UNSUPPORTED = register("MS503", "vz-unsupported", E, "this guest OS version does not boot under vz")
BAD_PACKAGE_NAME = register("MS504", "bad-package-name", E, "an image package name apk would not read as a name")
CUSTOM_KERNEL = register("MS505", "custom-kernel-not-booted", W,
                         "vm.kernel = custom: the VM definition cannot boot that kernel directly")

# raw escape hatches
UNKNOWN_OPTION = register("MS601", "unknown-option", E, "an option name the OS's sources do not declare")
UNKNOWN_DEVICE = register("MS602", "unknown-device", E, "a device name the OS's sources do not declare")
BAD_RAW_LINE = register("MS603", "bad-raw-line", E, "a raw line mscc cannot read")
UNKNOWN_SYMBOL = register("MS604", "unknown-kconfig-symbol", E, "a Kconfig symbol the kernel does not define")
RAW_TARGET = register("MS605", "unknown-raw-target", E, "a raw block for a target mscc does not know")

# output
WRITE_FAILED = register("MS901", "write-failed", E, "the output could not be written")

# lint, fmt and settings (mscc lint / mscc fmt)
UNUSED_IGNORE = register("MS009", "unused-ignore", W, "an inline `# mscc: ignore[...]` matches no diagnostic")
BAD_SETTINGS = register("MS010", "bad-settings", E, "the [tool.mscc] or .mscc.toml settings are invalid")
UNKNOWN_FILE_KIND = register("MS011", "unknown-file-kind", W, "mscc lint does not recognise the file")
CONTROL_CHARACTER = register("MS012", "control-character", E,
                             "a control character, line separator or bidi override in the input")

# existing configuration files (mscc lint on .config, kernel confs, loader.conf, sysctl.conf, modprobe.d)
CONFIG_UNKNOWN_SYMBOL = register("MS701", "config-unknown-symbol", E, "a Kconfig symbol the kernel does not define")
CONFIG_UNKNOWN_OPTION = register("MS702", "config-unknown-option", E,
                                 "a kernel option the OS's sources do not declare")
CONFIG_UNKNOWN_DEVICE = register("MS703", "config-unknown-device", E,
                                 "a kernel device the OS's sources do not declare")
CONFIG_UNKNOWN_TUNABLE = register("MS704", "config-unknown-tunable", E,
                                  "a tunable or module parameter the OpenZFS release does not have")
CONFIG_DUPLICATE = register("MS705", "config-duplicate-line", W, "the same setting is given twice")
CONFIG_CONTRADICTION = register("MS706", "config-contradicting-line", E,
                                "a later line changes or undoes an earlier one")
CONFIG_OUT_OF_RANGE = register("MS707", "config-value-out-of-range", E,
                               "a value outside what the kernel or OpenZFS accepts, or than the memory allows")
CONFIG_DEBUG = register("MS708", "config-debug-option", W, "a debugging option in a kernel meant for production")
CONFIG_LOCKDEP_ZFS = register("MS709", "config-lock-debugging-zfs", E,
                              "lock debugging (DEBUG_LOCK_ALLOC) makes OpenZFS refuse to build on Linux")
CONFIG_VOLATILE_SLOG = register("MS710", "config-volatile-slog", E,
                                "a ZFS log device on RAM loses acknowledged sync writes on a crash")
CONFIG_UNSAFE_SYNC = register("MS711", "config-unsafe-sync", W,
                              "sync=disabled or a tunable that drops the durability of sync writes")
CONFIG_BAD_LINE = register("MS712", "config-bad-line", E,
                           "a line the file's own reader rejects or silently ignores")
CONFIG_LEGACY_NAME = register("MS713", "config-legacy-name", W, "a deprecated alias of a tunable")
CONFIG_UNCHECKED = register("MS714", "config-names-unchecked", N,
                            "mscc has no name database for this file, so names were not checked")
CONFIG_WRONG_FILE = register("MS715", "config-wrong-file", E, "the setting has no effect in this kind of file")

# output freshness (mscc compile --check, mscc lint on a manifest.json)
GENERATED_STALE = register("MS902", "generated-stale", E,
                           "committed generated files differ from what their sources produce now")

# alpine: raw Kconfig lines (checked against the symbol database, no kernel tree needed)
KCONFIG_BAD_VALUE = register("MS620", "kconfig-bad-value", E,
                             "a raw Kconfig value of the wrong type for its symbol (Kconfig ignores it)")
KCONFIG_NO_PROMPT = register("MS621", "kconfig-no-prompt", E,
                             "a raw line sets a Kconfig symbol that has no prompt: a fragment cannot set it")
KCONFIG_RAW_OVERRIDES = register("MS622", "kconfig-raw-overrides-intent", W,
                                 "a raw Kconfig line contradicts what the profile's intent emits")

# mscc audit: what merge_config.sh + olddefconfig did to a fragment in a real kernel tree
AUDIT_DROPPED = register("MS801", "kconfig-value-dropped", E,
                         "a requested Kconfig value did not survive merge_config.sh and olddefconfig")
AUDIT_BASE_DROPPED = register("MS802", "kconfig-base-value-lost", N,
                              "a value of the base config does not survive on this kernel tree by itself")
AUDIT_BASE_CHANGED = register("MS803", "kconfig-base-value-changed", N,
                              "a value of the base config changed as a consequence of the fragment")
AUDIT_TOOL_FAILED = register("MS804", "kconfig-tool-failed", E,
                             "merge_config.sh or make failed, or the kernel tree is unusable")
AUDIT_BAD_LINE = register("MS805", "kconfig-unreadable-line", E,
                          "a fragment line Kconfig and merge_config.sh would ignore")
FOREIGN_DEVICE_PATH = register("MS623", "foreign-device-path", W,
                               "a device path in another OS's naming (a FreeBSD disk name on Linux)")

# NetBSD and OpenBSD kernel configs (mscc.emit.netbsd, mscc.emit.openbsd)
NO_UNSELECTED = register("MS631", "no-unselected", E,
                         "`no dev* at parent?` (an error) or `no options X` (a warning) for what GENERIC64 does not "
                         "select")
NAME_UNCONFIRMED = register("MS632", "name-unconfirmed", W,
                            "mscc's NetBSD data cannot confirm the name or whether GENERIC64 selects it")
ZFS_TUNABLES_UNSUPPORTED = register("MS633", "zfs-tunables-unsupported", W,
                                    "the target's ZFS has no such tunable, so the setting is not applied")
DUPLICATE_OPTION = register("MS634", "duplicate-option", E,
                            "an option the generated config already selects: OpenBSD config(8) stops")
NO_CONSOLE_ON_VZ = register("MS635", "no-console-on-vz", W,
                            "under vz the guest's only console is a virtio-gpu framebuffer, and it is not kept")

# minimal images (mscc.emit.freebsd_image)
BAD_IMAGE_PACKAGE = register("MS641", "bad-image-package", E,
                             "an image package the release does not define, or one the image cannot take")
UNKNOWN_SRC_KNOB = register("MS642", "unknown-src-knob", E,
                            "a src.conf knob the release does not document: make ignores it in silence")
IMAGE_PACKAGES_UNCHECKED = register("MS643", "image-packages-unchecked", N,
                                    "image packages mscc has no name list for, so they were not checked")
