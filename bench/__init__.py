"""Benchmarks: `python -m bench <name> [--json]`. They print figures (one JSON object with --json); they are
measurements, not pass/fail tests, so they live outside tests/."""
