"""The conformance suite's engine: strategies, tolerances, error bounds, oracles, assertions, report, plugin."""
