"""The extractors behind mscc's data files: each reads an upstream source tree (a git
directory at a recorded commit, or a plain tree) and writes one JSON file of facts under
targets/ or hardware/, recording repository, path and commit for every input.

Run from the repository root as modules, e.g. `python3 -m scripts.extract_netbsd_names --help`;
the tests import them (`from scripts import extract_netbsd_names`). Shared pieces:
`srcread` (reading a tree or a git revision, input and source records, the one JSON writer).
`boot-test` and `linux-tree` are commands for the kernel tests, not modules.
"""
