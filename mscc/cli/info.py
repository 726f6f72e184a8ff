"""The reference commands: `mscc hardware`, `mscc explain`, `mscc codes`, `mscc targets`."""

from __future__ import annotations

import click


@click.group("hardware")
def hardware_group() -> None:
    """The chip database."""


@hardware_group.command("list")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
def hardware_list(fmt: str) -> None:
    """List every chip."""
    import json

    from mscc.knowledge import hardware

    chips = hardware.chips()
    if fmt == "json":
        click.echo(json.dumps([c.facts for c in chips.values()], indent=2, ensure_ascii=False))
        return
    click.echo(f"{'id':10} {'name':16} {'cores':10} {'memory (GB)':22} isa")
    for chip in chips.values():
        cores = "/".join(str(c) for c in chip.core_counts)
        memory = ", ".join(str(m) for m in chip.memory_gb) + ("" if chip.memory_complete else " …")
        click.echo(f"{chip.id:10} {chip.name:16} {cores:10} {memory:22} {chip.isa.get('arch', '?')}")


@hardware_group.command("show")
@click.argument("chip")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
def hardware_show(chip: str, fmt: str) -> None:
    """Show every fact about CHIP, with its sources."""
    import json

    from mscc.knowledge import hardware
    from mscc.suggest import did_you_mean

    chips = hardware.chips()
    if chip not in chips:
        hint = did_you_mean(chip, chips) or "see `mscc hardware list`"
        raise click.UsageError(f"unknown chip '{chip}'; {hint}")
    facts = chips[chip].facts
    if fmt == "json":
        click.echo(json.dumps(facts, indent=2, ensure_ascii=False))
        return
    sources = hardware.database()["sources"]
    click.echo(f"{facts['name']} ({facts['id']})")
    for key, fact in facts.items():
        if not isinstance(fact, dict):
            continue
        value = fact.get("value")
        if isinstance(value, list):
            value = ", ".join(_fmt_item(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        flags = "".join(f" [{f}]" for f in ("derived", "unconfirmed") if fact.get(f))
        click.echo(f"  {key}: {value}{flags}")
        for src in fact.get("source", []):
            click.echo(f"      source {src}: {sources.get(src, '?')}")
        if fact.get("note"):
            click.echo(f"      note: {fact['note']}")
    for mac in hardware.macs(chip):
        sizes = ", ".join(f"{g} GB" for g in mac["memory_gb"]) or "none sourced"
        flag = "" if mac["complete"] else " [incomplete]"
        click.echo(f"  mac: {mac['name']}: {sizes}{flag} (source {', '.join(mac['source'])})")


def _fmt_item(v: object) -> str:
    if isinstance(v, dict):
        return "+".join(f"{n}{k.upper()}" if k != "total" else f"{n} cores"
                        for k, n in v.items() if isinstance(n, int) and not isinstance(n, bool))
    return str(v)


@click.command("explain")
@click.argument("code")
def explain(code: str) -> None:
    """Explain a diagnostic code, with a failing and a passing example."""
    from mscc import codes  # noqa: F401  (registers the codes)
    from mscc.diagnostics import registry
    from mscc.explain import example, render
    from mscc.suggest import did_you_mean

    code = code.upper()
    known = registry()
    if code not in known:
        by_name = {c.name: c.code for c in known.values()}
        if code.lower() in by_name:
            code = by_name[code.lower()]
        else:
            raise click.UsageError(f"unknown code '{code}'; {did_you_mean(code, known) or 'see mscc codes'}")
    entry = known[code]
    click.echo(f"{entry.code} {entry.name} ({entry.severity})")
    click.echo(f"  {entry.summary}\n")
    found = example(code)
    if found is not None:
        click.echo(render(found), nl=False)


@click.command("codes")
def list_codes() -> None:
    """List every diagnostic code."""
    from mscc import codes  # noqa: F401
    from mscc.diagnostics import registry

    for entry in sorted(registry().values(), key=lambda c: c.code):
        click.echo(f"{entry.code}  {entry.severity!s:8} {entry.name:28} {entry.summary}")


@click.command("targets")
def list_targets() -> None:
    """List the targets and the versions mscc has data for."""
    from mscc.knowledge import targets

    for name in targets.available():
        info = targets.target(name)
        versions = ", ".join(sorted(info.data["versions"]))
        click.echo(f"{name:8} {info.data['title']:28} versions {versions} (default {info.data['default_version']})")
