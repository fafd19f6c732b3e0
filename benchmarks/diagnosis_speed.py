"""The diagnosis before and after issue 17, on the blind corpus (tests/kit/blind/), side by side in one run.

    python benchmarks/diagnosis_speed.py              # the kit's own search (ci profile, shrinking) per mistake
    python benchmarks/diagnosis_speed.py --no-shrink  # the first failing example (faster)

For every mistake of the corpus the kit's gradients property finds a failing example, exactly as
``backprop-check`` does (the function in its worker process, :class:`conformance.kit.isolation.IsolatedImpl`);
then the diagnosis of that example is computed twice through the same worker: with the diagnosis of
commit b460d9a (read from git: before) and with this checkout's (after).  Printed per mistake: the
wall time of each diagnosis, whether the catalogued mistakes it is made of are named, whether its
measured factor is named (the corpus' phrases), and whether it ends in "No known signature".  The totals
give the before/after counts and the slowest diagnosis against the 10 s target.  Mistakes that raise on
the failing example get the hook's failure dict (the exception record) as the kit's check gives it.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BEFORE = "b460d9a"  # main before issue 17
TARGET_S = 10.0


def old_diagnose():
    """diagnose() as it was before issue 17 (git show), or None where git or the commit is missing."""
    try:
        text = subprocess.run(["git", "show", f"{BEFORE}:conformance/kit/diagnosis.py"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(__file__).with_name("_diagnosis_before.py")
    path.write_text(text)
    try:
        spec = importlib.util.spec_from_file_location("conformance.kit._diagnosis_before", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        path.unlink()
    return module.diagnose


def failing_case(impl, shrink):
    """The example the kit fails on (the gradients property, ci profile), and the record of the failure."""
    from hypothesis import Phase, settings

    from conformance.core.strategies import Case
    from conformance.kit.check import KitFailure
    from conformance.kit.properties import build
    s = settings.get_profile("ci")
    if not shrink:
        s = settings(s, phases=[Phase.explicit, Phase.reuse, Phase.generate])
    try:
        build(impl, "gradients", frameworks=False, settings=s)()
    except KitFailure as failure:
        rec = failure.record
        c = rec["case"]
        case = Case([np.array(w, float) for w in c["w"]], [np.array(b, float) for b in c["b"]], c["activations"],
                    np.array(c["x"], float), np.array(c["y"], float))
        return case, rec
    return None, None


def hook_failure(case, rec, fn):
    """The failure dict the kit's check hands diagnose() (the exception record rebuilt for a call failure)."""
    raised = None
    if rec["check"] == "call":
        try:
            fn(*case.args())
        except Exception as exc:  # noqa: BLE001
            raised = {"kind": "exception", "type": type(exc).__name__, "text": str(exc), "traceback": ""}
    problem = rec["summary"] if rec["check"] == "structure" else None  # the structure check's summary is the problem
    return {"check": rec["check"], "summary": rec["summary"], "raised": raised, "problem": problem,
            "layout": rec.get("layout", "plain")}


def cold(diagnose, case, spec, failure):
    """(seconds, text) of one diagnosis as a failing run meets it: a fresh worker (no answers cached from the search)
    and the catalogue's measurements not yet made in this process."""
    from conformance.kit import explain
    from conformance.kit.isolation import IsolatedImpl
    explain._CACHE.clear()
    impl = IsolatedImpl(spec).start()
    try:
        return timed(diagnose, case, impl.probe(), failure)
    finally:
        impl.close()


def timed(diagnose, case, probe, failure):
    start = time.perf_counter()
    try:
        text = diagnose(case, probe, failure=failure)
    except TypeError:  # a diagnose() without the failure argument
        text = diagnose(case, probe)
    return time.perf_counter() - start, text or ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-shrink", action="store_true", help="diagnose the first failing example")
    args = parser.parse_args(argv)
    from conformance.kit.diagnosis import diagnose as new
    from conformance.kit.isolation import IsolatedImpl
    from conformance.kit.loader import parse
    from tests.kit.blind.corpus import CORPUS
    old = old_diagnose()
    if old is None:
        print(f"(no git history with {BEFORE}: only the current diagnosis is timed)")
    rows, worst = [], 0.0
    print(f"{'mistake':32} {'style':8} {'kind':9} {'before':>7} {'after':>7}  named before -> after")
    for blind in CORPUS:
        spec = parse(f"{ROOT / 'tests' / 'kit' / 'blind' / (blind.style + '.py')}:{blind.name}")
        impl = IsolatedImpl(spec).start()
        try:
            case, rec = failing_case(impl, not args.no_shrink)
        finally:
            impl.close()
        if case is None:
            print(f"{blind.name:32} not caught")
            rows.append((blind, None, None))
            continue
        failure = hook_failure(case, rec, blind.fn)
        t_new, text_new = cold(new, case, spec, failure)
        t_old, text_old = cold(old, case, spec, failure) if old else (float("nan"), "")
        worst = max(worst, t_new)

        def named(text, blind=blind):
            entries = all(repr(e) in text or f"- {e}:" in text for e in blind.entries)
            factor = all(p in text for p in blind.factor)
            return entries, factor, "No known signature" in text
        before, after = named(text_old), named(text_new)
        rows.append((blind, before, after))
        kind = "compound" if blind.compound else ("catalogue" if blind.entries else "new")
        print(f"{blind.name:32} {blind.style:8} {kind:9} {t_old:6.2f}s {t_new:6.2f}s  "
              f"entries {before[0]}->{after[0]}, factor {before[1]}->{after[1]}, "
              f"'No known signature' {before[2]}->{after[2]}")
    done = [r for r in rows if r[1] is not None]
    cat = [r for r in done if r[0].entries]
    new_ = [r for r in done if not r[0].entries]
    for label, idx in (("before", 1), ("after", 2)):
        ent = sum(r[idx][0] for r in cat)
        fac = sum(r[idx][1] for r in done)
        nks = sum(r[idx][2] for r in done)
        named_new = sum(r[idx][1] for r in new_)
        print(f"{label:6}: caught {len(done)}/{len(rows)}; catalogued entries named {ent}/{len(cat)}; measured factor "
              f"named {fac}/{len(done)} ({named_new}/{len(new_)} of those outside the catalogue); "
              f"'No known signature' {nks}")
    verdict = "PASS" if worst <= TARGET_S else "FAIL"
    print(f"{verdict}: slowest diagnosis {worst:.2f} s (through the worker) against {TARGET_S:.0f} s")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
