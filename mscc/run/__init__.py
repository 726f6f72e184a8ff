"""The runner: executes the build scripts `mscc compile` wrote, locally, over ssh, or in a VM.

`mscc run OUT` discovers one job per (profile, target) directory whose manifest.json lists a
build-script, runs each through a backend, and writes RESULTS/report.json (report.schema.json).
The runner never edits generated files: every backend works on a copy.
"""

# Part of every cache key: bump it when a change to the runner changes what a job produces.
RUNNER_VERSION = "1"
