"""`mscc ci`: CI workflows that fan `mscc run` out over hosted runners (GitHub Actions first).

plan.py turns the jobs under OUT into a job matrix, merge.py folds many report.json files into
one table, collect.py gathers release assets, workflow.py writes the workflow itself.
"""
