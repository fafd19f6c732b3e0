"""The suite's meta-tests: its tolerance table, bounds, messages, reproducer and report (no framework needed)."""
