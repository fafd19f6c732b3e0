"""The kit's pytest session, once ``--impl`` / ``BACKPROP_IMPL`` names an implementation.

:mod:`conformance.kit.plugin` imports this module only then (it is a pytest11 entry point, loaded in
every project where the wheel is installed).  What it does: validate the options (the table of
:mod:`conformance.kit.options`), start the worker that loads the submission, run only the kit's three
properties, turn each property's outcome into an entry (:mod:`conformance.kit.results`), and write
every report asked for, whatever happened, failing closed.

A submission that cannot be loaded (no such file or function, a syntax error, an import that fails or
exits, a wrong signature) is *not* a usage error: every property fails with the kit's explanation,
the reports and Gradescope's results.json are written with score 0, and the exit status is 1.  Only
the grader's own mistakes (a malformed SPEC, a bad option) are usage errors (exit status 4).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from . import options as kit_options
from . import oracles, results
from .isolation import IsolatedImpl, isolation_available, memory_limit_enforced
from .loader import ImplLoadError, load, parse

KIT_TESTS = Path(__file__).with_name("test_kit.py")


def configure(config, text, kit) -> None:
    try:
        kit.options = kit_options.validate(kit_options.from_pytest(config))
        kit.spec = parse(text)
    except (ImplLoadError, kit_options.UsageProblem) as exc:
        raise pytest.UsageError(str(exc)) from None
    opts = kit.options
    try:
        if isolation_available():
            kit.impl = IsolatedImpl(kit.spec, call_timeout=opts.call_timeout, memory_limit_mb=opts.memory_limit,
                                    forbid=opts.forbid).start()
            kit.isolated = True
        else:  # pragma: no cover - Windows: no process groups here; the header says the run is not isolated
            kit.impl = load(kit.spec)
    except ImplLoadError as exc:
        kit.broken, kit.impl = str(exc), _Broken(kit.spec)
    _hypothesis_home(opts.hypothesis_dir)
    # Only the kit's properties run, whatever folder pytest was started in and whatever it collects there
    config.args[:] = [str(KIT_TESTS)]
    # JAX joins the oracles in float64 only; the kit's session runs nothing else: imported when first needed
    oracles.JAX_X64_ON_DEMAND = True


class _Broken:
    """Stands for a submission that could not be loaded: nothing to call, every property fails."""

    def __init__(self, spec):
        self.spec = spec

    def close(self):
        pass


def broken_failure(prop, kit):
    """The failure every property reports for a submission that could not be loaded."""
    from .check import KitFailure

    summary = f"your submission could not be loaded: {kit.broken}"
    record = {"check": "import", "summary": summary, "implementation": kit.spec.text, "diagnosis": None,
              "case": None, "differences": [], "oracles": {}, "warnings": [], "reproduction": None}
    message = (f"backprop under test: {kit.spec.text}\nFAILED check 'import': {summary}\n\n"
               f"The kit loads your file and calls {kit.spec.function}(weights, biases, activations, x, y); it "
               "could not get that far. Run `python <your file>` to see the error, and check the file and "
               "function names the assignment asks for.")
    record["message"] = message
    return KitFailure(lambda: (message, record))


def _hypothesis_home(asked):
    """Hypothesis' files go to `asked`, $HYPOTHESIS_STORAGE_DIRECTORY, or a user cache folder: never the cwd."""
    from hypothesis.configuration import set_hypothesis_home_dir

    if asked:
        set_hypothesis_home_dir(Path(asked).expanduser().resolve())
    elif not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        set_hypothesis_home_dir(Path(cache) / "backprop-reference" / "hypothesis")


def header(kit) -> list:
    opts = kit.options
    lines = [f"conformance kit: checking {kit.spec.text} on activations {','.join(opts.activations)}",
             f"conformance kit: networks {opts.shape.describe()}, {opts.max_examples} per property"]
    if kit.broken:
        lines.append(f"conformance kit: the submission could not be loaded: {kit.broken}")
    elif kit.isolated:
        impl = kit.impl
        memory = (f"{impl.memory_limit_mb:g} MiB" if impl.memory_limit_mb and memory_limit_enforced()
                  else "none on this platform (no /proc)" if impl.memory_limit_mb else "none")
        lines.append(f"conformance kit: your function runs in its own process (call limit {impl.call_timeout:g} s, "
                     f"memory limit {memory}" + (f", forbidden imports {','.join(impl.forbid)}" if impl.forbid
                                                 else "") + ")")
    else:
        lines.append("conformance kit: WARNING: your function runs in the kit's own process (no isolation, no "
                     "limits on this platform)")
    if opts.dtype:
        lines.append(f"conformance kit: tolerance row {opts.dtype} (--dtype), whatever dtype your function returns")
    else:
        lines.append("conformance kit: tolerance row of the dtype your function returns (a float32 result is "
                     "judged with the float32 row); a grader should fix it with --dtype=float64")
    return lines


def run_property(prop, kit) -> None:
    """What conformance/kit/test_kit.py's tests call."""
    __tracebackhide__ = True
    from hypothesis import settings

    from .properties import KIT_SETTINGS, build

    if kit.broken:
        raise broken_failure(prop, kit)
    from hypothesis import Phase

    opts = kit.options
    if opts.pictures:
        from . import pictures
        pictures.FOLDER = opts.pictures
    chosen = KIT_SETTINGS if opts.max_examples == KIT_SETTINGS.max_examples else settings(
        KIT_SETTINGS, max_examples=opts.max_examples)
    if not opts.shrink:
        chosen = settings(chosen, phases=[p for p in chosen.phases if p != Phase.shrink])
    build(kit.impl, prop, spec=kit.spec, activations=opts.activations, frameworks=opts.oracles, shape=opts.shape,
          dtype=opts.dtype, settings=chosen, artifacts=opts.artifacts)()


def kit_failure(exc):
    """The first KitFailure in exc (Hypothesis may wrap several in an exception group)."""
    from .check import KitFailure, KitStop
    if isinstance(exc, KitFailure):
        return exc
    if isinstance(exc, KitStop):
        return exc.failure
    for inner in getattr(exc, "exceptions", ()) or ():
        found = kit_failure(inner)
        if found is not None:
            return found
    return None


def makereport(item, call, report, kit) -> None:
    """Where the property ran (a worker under xdist): the kit's message as the report, its entry attached."""
    if not (report.when == "call" or (report.when == "setup" and report.outcome != "passed")):
        return
    from .properties import COUNTS, FINGERPRINTS, FIRST_FAILURE
    prop = item.name.removeprefix("test_")
    failure = kit_failure(call.excinfo.value) if call.excinfo is not None else None
    if report.outcome == "failed" and failure is not None and report.when == "call":
        # the kit's message is the whole story: no traceback through the kit and Hypothesis
        notes = [n for n in getattr(call.excinfo.value, "__notes__", [])
                 if n.strip() and not n.startswith(("Failing test case:", "You can reproduce this test case",
                                                    "Falsifying example"))]
        report.longrepr = str(failure) + ("\n\n" + "\n".join(n[:500] for n in notes[:5]) if notes else "")
    record = None
    if report.outcome == "failed":
        record = failure.record if failure is not None else {
            "check": "error", "summary": str(call.excinfo.value)[:2000] if call.excinfo else report.longreprtext[:2000]}
    fingerprint = FINGERPRINTS.get(prop)
    e = results.entry(prop, report.outcome, COUNTS.get(prop, 0), record)
    e["first_failure_at"] = FIRST_FAILURE.get(prop)
    e["draws"] = fingerprint.hexdigest() if fingerprint is not None else None
    report.user_properties.append((results.USER_PROPERTY, e))


def logreport(report, kit) -> None:
    """Where the run is reported (the controller under xdist): gather entries, one explanation per cause."""
    for key, e in getattr(report, "user_properties", ()):
        if key != results.USER_PROPERTY:
            continue
        cause = results.cause(e)
        if cause is not None and cause in kit.explained and kit.explained[cause] != e["property"]:
            first = kit.explained[cause]
            report.longrepr = (f"The same failure as the property '{first}' (check '{e['failure']['check']}': "
                               f"{e['failure']['summary']}); its explanation is shown there.")
        elif cause is not None:
            kit.explained[cause] = e["property"]
        kit.results[e["property"]] = e


def _fails_closed(session, exitstatus, kit):
    """Exit status 1 when pytest would say 0 but not every property ran all its examples and passed."""
    wanted = kit.options.max_examples
    missing = [p for p in results.PROPERTY_ORDER if p not in kit.results]
    short = [p for p, e in kit.results.items() if e["outcome"] == "passed" and e["examples_run"] < wanted]
    if int(exitstatus) == 0 and (missing or short or not results.passed(kit, 0)):
        kit.incomplete = [f"property {p} did not run" for p in missing] + [
            f"property {p} ran {kit.results[p]['examples_run']} of {wanted} examples" for p in short]
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return int(session.exitstatus)
    return int(exitstatus)


def terminal_summary(terminalreporter, kit) -> None:
    if kit.results:
        terminalreporter.section("conformance kit: the verdict, one line a property")
        for prop in results.PROPERTY_ORDER:
            e = kit.results.get(prop)
            if e is None:
                terminalreporter.write_line(f"{prop:10} did not run", red=True)
                continue
            terminalreporter.write_line(f"{prop:10} {results.verdict_line(e)}", red=e["outcome"] != "passed",
                                        green=e["outcome"] == "passed")
    if kit.incomplete:
        terminalreporter.write_line("conformance kit: NOT PASSED: " + "; ".join(kit.incomplete)
                                    + " (every property must run all its examples and pass)", red=True)


def finish(session, exitstatus, kit) -> None:
    """Write the report, Gradescope's results.json and the artifacts: only where the run is reported."""
    exitstatus = _fails_closed(session, exitstatus, kit)
    opts = kit.options
    data = results.report(kit, int(exitstatus))
    if opts.report:
        results.write_json(opts.report, data)
    if opts.artifacts:
        Path(opts.artifacts).mkdir(parents=True, exist_ok=True)
        results.write_json(Path(opts.artifacts) / "report.json", data)
    if opts.gradescope:
        results.write_json(opts.gradescope, results.gradescope(kit, int(exitstatus), opts.weights))


def unconfigure(kit) -> None:
    oracles.JAX_X64_ON_DEMAND = False
    if kit.impl is not None and hasattr(kit.impl, "close"):
        kit.impl.close()
