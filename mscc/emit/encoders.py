"""One encoder per output language: the only way a value reaches a generated file.

Every `{{ ... }}` in a template passes a value through one of these (they are the Jinja2
filters of mscc.emit.render), and the environment's `finalize` refuses any other str, so a
template cannot interpolate a value raw. Each encoder either returns the value written the way
its language reads it as exactly one token (or one line) — or raises EncodeError. None of them
escapes a control character: newlines, NUL, CR and the Unicode line separators have no
business in a VM profile, and the parser already refuses them in the input with a located
diagnostic (MS012). An EncodeError here means a value from elsewhere (data files, a bug)
slipped through; the compiler turns it into a diagnostic, never into output.
"""

from __future__ import annotations

import json
import re
import shlex

from mscc.source import CONTROL


class EncodeError(ValueError):
    """A value the target language cannot carry as one token or line."""

    def __init__(self, language: str, value: object, reason: str):
        super().__init__(f"{value!r} cannot be written as {language}: {reason}")
        self.language = language
        self.value = value
        self.reason = reason


class Encoded(str):
    """Text an encoder produced. The render environment writes only these (and numbers)."""

    __slots__ = ()


def _text(language: str, value: object) -> str:
    """The value as one line of text: numbers are written in decimal; bools, None and
    containers are refused (a template must say how it writes them)."""
    if isinstance(value, bool) or value is None:
        raise EncodeError(language, value, "not a string or a number")
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise EncodeError(language, value, f"a {type(value).__name__}, not a string")
    found = CONTROL.search(value)
    if found:
        raise EncodeError(language, value, f"control character U+{ord(found.group(0)):04X}")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise EncodeError(language, value, "not UTF-8 (undecodable bytes of a file name)")
    return value


def _checked(language: str, value: object, pattern: re.Pattern, reason: str) -> Encoded:
    text = _text(language, value)
    if not pattern.fullmatch(text):
        raise EncodeError(language, value, reason)
    return Encoded(text)


# --- shell (sh, dash, bash) ---------------------------------------------------------------

def shell_word(value: object) -> Encoded:
    """One POSIX shell word: single-quoted unless it is made of characters no shell treats
    specially. A leading `-` is allowed here (option values); see `shell_operand`."""
    return Encoded(shlex.quote(_text("a shell word", value)))


def shell_words(values: object) -> Encoded:
    """Several shell words separated by spaces (a list of arguments)."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise EncodeError("shell words", values, "not a list")
    return Encoded(" ".join(shell_word(v) for v in values))


def comment(value: object) -> Encoded:
    """Text after `#` to the end of the line, in every language whose comments are `#` to the
    newline (sh, YAML, kernel configs, loader.conf, sysctl.conf, modprobe.d, the report).
    A control character would end the comment and start a line of the file's language."""
    return Encoded(_text("comment text", value))


# --- YAML (lima.yaml) ------------------------------------------------------------------------

def yaml_scalar(value: object) -> Encoded:
    """A YAML scalar: numbers plain, strings double-quoted with JSON's escapes (a JSON
    string is a YAML 1.2 flow scalar), so no value can start a key, a list or a document."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Encoded(str(value))
    return Encoded(json.dumps(_text("a YAML scalar", value), ensure_ascii=True))


def yaml_bool(value: object) -> Encoded:
    if not isinstance(value, bool):
        raise EncodeError("a YAML boolean", value, "not true or false")
    return Encoded("true" if value else "false")


def yaml_block(value: object, indent: int) -> Encoded:
    """The body of a literal block scalar (`content: |`), every line indented by `indent`.
    Tabs are not YAML indentation and a line with only spaces ends nothing, but a control
    character is still refused: the content is one of mscc's own generated files."""
    if not isinstance(value, str):
        raise EncodeError("a YAML block", value, "not a string")
    lines = value.rstrip("\n").split("\n")
    for line in lines:
        found = CONTROL.search(line.replace("\t", " "))
        if found:
            raise EncodeError("a YAML block", value, f"control character U+{ord(found.group(0)):04X}")
    pad = " " * indent
    return Encoded("\n".join(pad + line if line else "" for line in lines))


# --- kernel configurations ----------------------------------------------------------------------

_KERNEL_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_KERNEL_LINE = re.compile(r"[^#\s][^#]*")
_KCONFIG_LINE = re.compile(r'CONFIG_[A-Za-z0-9_]+=([ymn]|-?[0-9]+|0[xX][0-9a-fA-F]+|"([^"\\]|\\["\\])*")'
                           r"|# CONFIG_[A-Za-z0-9_]+ is not set")


def kernel_word(value: object) -> Encoded:
    """One word of a BSD kernel configuration (an ident, a machine, an option or device
    name): config(8) reads words separated by blanks, `#` starts a comment."""
    return _checked("a kernel-config word", value, _KERNEL_WORD, "letters, digits, _ . - only")


def kernel_line(value: object) -> Encoded:
    """One line of a BSD kernel configuration: a single line, no comment character (config(8)
    drops the rest of the line after `#`, which would silently shorten what was checked)."""
    return _checked("a kernel-config line", value, _KERNEL_LINE, "a single line without #")


def kconfig_line(value: object) -> Encoded:
    """One Kconfig fragment line: `CONFIG_X=value` with a tristate, number or quoted string,
    or `# CONFIG_X is not set` (the two forms scripts/kconfig reads)."""
    return _checked("a Kconfig line", value, _KCONFIG_LINE, "not CONFIG_NAME=value or '# CONFIG_NAME is not set'")


# --- /boot/loader.conf (FreeBSD) -----------------------------------------------------------------

_LOADER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_LOADER_VALUE = re.compile(r'[^"\\]*')


def loader_name(value: object) -> Encoded:
    return _checked("a loader.conf name", value, _LOADER_NAME, "letters, digits, _ . - only")


def loader_value(value: object) -> Encoded:
    """A loader.conf value, double-quoted. The loader's reader has no escapes: a `"` would end
    the value and let the rest of the line be read as another variable (exec="...")."""
    return Encoded('"' + _checked("a loader.conf value", value, _LOADER_VALUE, "no \" or \\") + '"')


# --- sysctl.conf / sysctl.d ------------------------------------------------------------------------

_SYSCTL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
_SYSCTL_VALUE = re.compile(r"[^\s#\\][^#\\]*(?<=\S)|[^\s#\\]")


def sysctl_name(value: object) -> Encoded:
    return _checked("a sysctl name", value, _SYSCTL_NAME, "letters, digits, _ . / - only")


def sysctl_value(value: object) -> Encoded:
    """The value of a `name=value` line: no surrounding blanks (readers strip them), no `#`
    (a comment on BSD), no backslash (a continuation for some readers)."""
    return _checked("a sysctl value", value, _SYSCTL_VALUE, "one line without #, \\ or surrounding blanks")


# --- modprobe.d (kmod, busybox modprobe) -------------------------------------------------------------

_MODULE = re.compile(r"[A-Za-z0-9_-]+")
_PARAMETER = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_OPTION_VALUE = re.compile(r'[^\s"\\#]+|"[^"\\#]*"')


def modprobe_module(value: object) -> Encoded:
    return _checked("a module name", value, _MODULE, "letters, digits, _ and - only")


def modprobe_option(value: object) -> Encoded:
    """`name=value` of an `options` line. kmod joins a line ending in `\\` with the next one
    and splits options at blanks outside double quotes; a value is one unquoted word or one
    double-quoted string, and never holds a backslash, a quote or `#`."""
    if not isinstance(value, tuple) or len(value) != 2:
        raise EncodeError("a modprobe option", value, "not a (name, value) pair")
    name, setting = value
    _checked("a modprobe option", name, _PARAMETER, "a parameter name is letters, digits, _")
    _checked("a modprobe option", setting, _OPTION_VALUE, "one word, or one double-quoted string without \\ or #")
    return Encoded(f"{name}={_text('a modprobe option', setting)}")


ENCODERS = {
    "sh": shell_word,
    "sh_words": shell_words,
    "comment": comment,
    "yaml": yaml_scalar,
    "yaml_bool": yaml_bool,
    "yaml_block": yaml_block,
    "kernel_word": kernel_word,
    "kernel_line": kernel_line,
    "kconfig_line": kconfig_line,
    "loader_name": loader_name,
    "loader_value": loader_value,
    "sysctl_name": sysctl_name,
    "sysctl_value": sysctl_value,
    "modprobe_module": modprobe_module,
    "modprobe_option": modprobe_option,
}


def raw_line_problem(target: str, kind: str, text: str) -> str | None:
    """Why a raw line of a profile cannot be written through its file's encoders, or None.
    Checked before emitting, so the refusal is a located MS603 rather than an MS901 for the
    whole target. The emitters split the lines the same way."""
    line = text.strip()
    try:
        if kind == "kernel":
            (kconfig_line if target == "alpine" else kernel_line)(line)
        elif kind == "sysctl":
            name, _, value = line.partition("=")
            sysctl_name(name.strip().lstrip("-"))
            sysctl_value(value.strip())
        elif kind == "loader":
            from mscc import loader_line

            parsed = loader_line.parse(line)  # the one reading compile and lint share
            if parsed is None:
                return "loader(8) cannot read this line"
            loader_name(parsed[0])
            loader_value(parsed[1])
        elif kind == "modprobe":
            for word in line.split()[2 if line.startswith("options ") else 0:]:
                name, _, value = word.partition("=")
                modprobe_option((name, value))
    except EncodeError as err:
        return err.reason
    return None
