"""What mscc knows about the world, beside the pipeline: the targets (targets/<os>/target.json),
the OS name databases, the OpenZFS parameters of each release and which release each OS
ships, and the chip database (hardware/). Compile and lint read the same facts through these
modules; none of them imports a pipeline stage (tests/test_imports.py)."""
