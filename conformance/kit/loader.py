"""Load the backprop under test from a spec string: ``MODULE:FUNCTION`` or ``path/to/file.py:FUNCTION``.

The same spec comes from ``pytest --impl=SPEC`` or the environment variable
``BACKPROP_IMPL``.  A spec whose part before the last colon ends in ``.py`` or
contains a path separator is a file; anything else is an importable module.

>>> spec = parse("reference.backpropagation:backprop")
>>> spec.kind, spec.target, spec.function
('module', 'reference.backpropagation', 'backprop')
>>> parse("conformance/kit/starter_backprop.py:backprop").kind
'file'
>>> load("reference:backprop").__name__
'backprop'
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from .options import ENV_VAR  # noqa: F401  (where the spec may come from)

CONTRACT = "backprop(weights, biases, activations, x, y) -> (dC_dw, dC_db)"


class ImplLoadError(Exception):
    """The spec does not name a loadable function (says what is wrong and how to write it).

    ``usage`` is True when the SPEC itself is malformed (the grader's mistake: exit status 4), False
    when the submission is at fault (no such file or function, an import that fails, a wrong signature:
    the submission fails, with this message in every report).
    """

    def __init__(self, message, usage=False):
        super().__init__(message)
        self.usage = usage


@dataclass(frozen=True)
class ImplSpec:
    """A parsed spec: kind is "module" or "file"; target the module name or the absolute path."""

    kind: str
    target: str
    function: str
    text: str

    def import_lines(self, alias: str = "yours") -> str:
        """Python lines that bind the function to `alias` exactly as the spec names it (for reproductions)."""
        if self.kind == "module":
            return f"from {self.target} import {self.function} as {alias}"
        return (
            "import importlib.util, sys\n"
            f"_spec = importlib.util.spec_from_file_location('backprop_under_test', {self.target!r})\n"
            "_module = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)\n"
            "_spec.loader.exec_module(_module)\n"
            f"{alias} = _module.{self.function}"
        )


USAGE = "expected MODULE:FUNCTION (e.g. mypkg.nn:backprop) or path/to/file.py:FUNCTION"


def parse(text: str) -> ImplSpec:
    """An :class:`ImplSpec` for `text`, or :class:`ImplLoadError` saying what a spec looks like."""
    text = (text or "").strip()
    target, sep, function = text.rpartition(":")
    if not sep or not target or not function:
        raise ImplLoadError(f"{text!r}: {USAGE}", usage=True)
    if not function.isidentifier():
        raise ImplLoadError(f"{text!r}: {function!r} is not a Python function name; {USAGE}", usage=True)
    if target.endswith(".py") or os.sep in target or "/" in target:
        return ImplSpec("file", str(Path(target).expanduser().resolve()), function, text)
    return ImplSpec("module", target, function, text)


def _load_file(path: str):
    if not Path(path).is_file():
        raise ImplLoadError(f"no file {path}")
    directory = str(Path(path).parent)
    if directory not in sys.path:  # so the file can import its neighbours
        sys.path.insert(0, directory)
    name = "backprop_under_test_" + Path(path).stem
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load(spec) -> callable:
    """The function a spec (string or :class:`ImplSpec`) names; :class:`ImplLoadError` if it cannot."""
    spec = parse(spec) if isinstance(spec, str) else spec
    try:
        with warnings.catch_warnings():  # an invalid escape in a docstring (SyntaxWarning) is not a load failure,
            warnings.simplefilter("ignore", SyntaxWarning)  # even where warnings are errors (this project's pytest)
            warnings.simplefilter("ignore", DeprecationWarning)  # (Python < 3.12 says DeprecationWarning)
            module = importlib.import_module(spec.target) if spec.kind == "module" else _load_file(spec.target)
    except ImplLoadError as exc:
        raise ImplLoadError(f"{spec.text}: {exc}") from None
    except Exception as exc:  # an import error, or the user's module raising at import
        raise ImplLoadError(f"{spec.text}: importing {spec.target} raised {type(exc).__name__}: {exc}") from exc
    fn = getattr(module, spec.function, None)
    if fn is None:
        public = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
        raise ImplLoadError(f"{spec.text}: {spec.target} has no {spec.function!r}; it has: "
                            f"{', '.join(public) or 'no public function'}")
    if not callable(fn):
        raise ImplLoadError(f"{spec.text}: {spec.function} is a {type(fn).__name__}, not a function")
    check_signature(fn, spec.text)
    return fn


def check_signature(fn, name="your function"):
    """ImplLoadError unless `fn` can be called with the contract's five positional arguments.

    >>> check_signature(lambda weights, biases, activations, x, y: None)
    >>> check_signature(lambda w, b: None, "f.py:bp")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    conformance.kit.loader.ImplLoadError: f.py:bp: takes (w, b); the contract is backprop(weights, ...
    """
    import inspect

    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin or an object that hides its signature: the call will tell
        return
    try:
        signature.bind(*range(5))
    except TypeError:
        raise ImplLoadError(f"{name}: takes {str(signature).split(' ->')[0]}; the contract is {CONTRACT}") from None


def load_fresh(spec) -> callable:
    """The same function from a new copy of its module, executed anew (no state from earlier calls), or None."""
    spec = parse(spec) if isinstance(spec, str) else spec
    try:
        found = (importlib.util.spec_from_file_location("backprop_under_test_fresh", spec.target)
                 if spec.kind == "file" else importlib.util.find_spec(spec.target))
        if found is None or found.loader is None:
            return None
        fresh = importlib.util.spec_from_file_location(found.name + "_fresh", found.origin) \
            if found.origin and found.has_location else None
        if fresh is None:
            return None
        module = importlib.util.module_from_spec(fresh)  # not registered in sys.modules: nothing else sees it
        fresh.loader.exec_module(module)
        return getattr(module, spec.function, None)
    except Exception:  # noqa: BLE001  (a module that cannot be imported twice tells nothing)
        return None
