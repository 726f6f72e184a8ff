from mscc.cli import entry

entry()
