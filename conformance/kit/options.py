"""The kit's options, in one table: ``backprop-check``, the pytest plugin and :func:`conformance.kit.api.check`
are all built from :data:`OPTIONS`.

Each :class:`Option` has its flag (``--sizes``), its metavar and help, where it exists (``cli``, ``pytest``,
``api``) and the function that turns the text the user typed into a value (raising :class:`UsageProblem`
naming the flag as typed).  This module imports only the standard library: pytest imports the kit's
plugin in every project where the wheel is installed, and registering the options must cost nothing.

>>> validate({"sizes": "2,3", "dtype": "float64", "max_examples": "5"}).max_examples
5
>>> validate({"call_timeout": "-1"})
Traceback (most recent call last):
...
conformance.kit.options.UsageProblem: --call-timeout=-1: expected a number > 0
>>> validate({"sizes": "2,3", "depth": "2"}, style="api")
Traceback (most recent call last):
...
conformance.kit.options.UsageProblem: sizes=2,3 has 1 layer but depth=2: give one of them, or make them agree
"""

from __future__ import annotations

from dataclasses import dataclass, field

ENV_VAR = "BACKPROP_IMPL"
DEFAULT_CALL_TIMEOUT = 20.0
DEFAULT_MEMORY_MIB = 4096
DEFAULT_MAX_EXAMPLES = 200
DTYPES = ("float64", "float32")


class UsageProblem(ValueError):
    """An option value that cannot be used (the message names the option as the user gave it, and says why)."""


@dataclass(frozen=True)
class Option:
    """One option of the kit: ``name`` is the Python name (``max_width``), ``flag`` the command-line one."""

    name: str
    metavar: str
    help: str
    where: tuple = ("cli", "pytest", "api")
    choices: tuple | None = None
    flag_override: str | None = None

    @property
    def flag(self) -> str:
        return self.flag_override or "--" + self.name.replace("_", "-")


OPTIONS = (
    Option("activations", "LIST", "comma-separated activations your backprop supports, from "
           "sigmoid,relu,tanh,identity (default: all four)"),
    Option("sizes", "N0,...,NL", "check exactly this architecture, e.g. 784,16,16,10 (batch and values still drawn)"),
    Option("depth", "L", "draw networks of exactly L layers"),
    Option("max_width", "N", "draw layers at most N neurons wide"),
    Option("max_batch", "M", "draw at most M examples"),
    Option("dtype", "DTYPE", "judge every answer with this dtype's tolerance row, whatever dtype the function "
           "returns (default: the returned dtype's; a grader should fix it: float64)", choices=DTYPES),
    Option("max_examples", "N", f"networks drawn per property (default {DEFAULT_MAX_EXAMPLES}; fewer is a quick "
           "look, not a grade)"),
    Option("oracles", "yes|no", "ask the installed frameworks (torch, jax, autograd) where an answer differs, for "
           "the message; they never change the verdict (default yes; --batch: no)", where=("cli", "pytest"),
           choices=("yes", "no")),
    Option("shrink", "yes|no", "shrink a failing network to the smallest that fails (default yes; --batch: no, "
           "the same verdicts, the diagnosis on the first failing network)", where=("cli", "pytest"),
           choices=("yes", "no")),
    Option("call_timeout", "SECONDS", f"wall-clock limit of one call of the function (default "
           f"{DEFAULT_CALL_TIMEOUT:g})", where=("cli", "pytest")),
    Option("memory_limit", "MIB", f"resident memory limit of the process running it in MiB (default "
           f"{DEFAULT_MEMORY_MIB}; 0: none)", where=("cli", "pytest")),
    Option("forbid_imports", "LIST", "comma-separated modules a submission must not import, e.g. "
           "reference,torch,jax", where=("cli", "pytest")),
    Option("gradescope", "PATH", "write Gradescope's results.json to PATH", where=("cli", "pytest")),
    Option("gradescope_weights", "P=W,...", "points per property, e.g. contract=1,gradients=8,purity=1 "
           "(default 1 each)", where=("cli", "pytest")),
    Option("report", "PATH", "write the kit's JSON report to PATH", where=("cli", "pytest"),
           flag_override="--conformance-report"),
    Option("artifacts", "DIR", "write the failing network's full arrays to DIR (.npz; the reproduction loads "
           "them) and the JSON report", where=("cli", "pytest")),
    Option("pictures", "DIR", "write the diagnosis' pictures to DIR: the measured sigma' curves beside the video's "
           "and the per-layer factor table (needs matplotlib: the teach extra; env BACKPROP_PICTURES)",
           where=("cli", "pytest")),
    Option("hypothesis_dir", "PATH", "where Hypothesis keeps its files (default: a user cache folder, never the "
           "working folder)", where=("cli", "pytest")),
)
"""Every option of the kit; ``--impl`` (pytest) / SPEC (``backprop-check``) and the CLI's own
(``--junitxml``, ``-n``, ``--batch``...) are in :mod:`conformance.kit.cli`."""

BY_NAME = {o.name: o for o in OPTIONS}


def flag(name: str, style: str = "cli") -> str:
    """How the user wrote option `name`: ``--max-width`` on a command line, ``max_width`` in Python."""
    return name if style == "api" else BY_NAME[name].flag if name in BY_NAME else "--" + name.replace("_", "-")


@dataclass(frozen=True)
class KitOptions:
    """The validated options of one kit run (what the plugin, the CLI and the API all judge with)."""

    activations: tuple = ("sigmoid", "relu", "tanh", "identity")
    shape: object = None  # conformance.kit.shape.ShapeOptions
    dtype: str | None = None
    max_examples: int = DEFAULT_MAX_EXAMPLES
    oracles: bool = True
    shrink: bool = True
    call_timeout: float = DEFAULT_CALL_TIMEOUT
    memory_limit: float = DEFAULT_MEMORY_MIB
    forbid: tuple = ()
    gradescope: str | None = None
    weights: dict = field(default_factory=dict)
    report: str | None = None
    artifacts: str | None = None
    pictures: str | None = None
    hypothesis_dir: str | None = None


def _number(text, name, style, *, default, allow_zero=False, whole=False):
    if text is None or text == "":
        return default
    try:
        value = int(str(text)) if whole else float(text)
    except ValueError:
        raise UsageProblem(f"{flag(name, style)}={text}: expected a {'whole ' if whole else ''}number") from None
    if not (value > 0 or (allow_zero and value == 0)):
        raise UsageProblem(f"{flag(name, style)}={text}: expected a number > 0")
    return value


def _yes(text, name, style) -> bool:
    if text in (None, "", "yes", True):
        return True
    if text in ("no", False):
        return False
    raise UsageProblem(f"{flag(name, style)}={text}: expected yes or no")


def _names(text):
    if isinstance(text, (list, tuple)):
        text = ",".join(map(str, text))
    return tuple(dict.fromkeys(n.strip() for n in (text or "").split(",") if n.strip()))


def activations(text, style="cli") -> tuple:
    """The activations to draw: all of the reference's when `text` is empty."""
    from reference import ACTIVATIONS

    if not text:
        return tuple(ACTIVATIONS)
    names = _names(text)
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown or not names:
        raise UsageProblem(f"{flag('activations', style)}={text}: unknown {', '.join(unknown) or '(empty)'}; "
                           f"choose from {','.join(ACTIVATIONS)}")
    return names


def module_names(text, style="cli") -> tuple:
    names = _names(text)
    bad = [n for n in names if not all(part.isidentifier() for part in n.split("."))]
    if bad:
        raise UsageProblem(f"{flag('forbid_imports', style)}={text}: {', '.join(bad)} is not a module name")
    return tuple(dict.fromkeys(n.partition(".")[0] for n in names))


def validate(given: dict, style: str = "cli") -> KitOptions:
    """:class:`KitOptions` from {option name: text or None}; :class:`UsageProblem` naming the option as typed."""
    from . import results
    from .shape import shape_options

    unknown = set(given) - set(BY_NAME)
    if unknown:
        raise UsageProblem(f"unknown option {', '.join(sorted(unknown))}")
    g = {name: given.get(name) for name in BY_NAME}
    sizes = g["sizes"]
    if isinstance(sizes, (list, tuple)):
        sizes = ",".join(map(str, sizes))
    dtype = g["dtype"] or None
    if dtype is not None and dtype not in DTYPES:
        raise UsageProblem(f"{flag('dtype', style)}={dtype}: choose from {', '.join(DTYPES)}")
    try:
        weights = results.parse_weights(g["gradescope_weights"])
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None
    return KitOptions(
        activations=activations(g["activations"], style),
        shape=shape_options(sizes, g["depth"], g["max_width"], g["max_batch"], style=style),
        dtype=dtype,
        max_examples=_number(g["max_examples"], "max_examples", style, default=DEFAULT_MAX_EXAMPLES, whole=True),
        oracles=_yes(g["oracles"], "oracles", style), shrink=_yes(g["shrink"], "shrink", style),
        call_timeout=_number(g["call_timeout"], "call_timeout", style, default=DEFAULT_CALL_TIMEOUT),
        memory_limit=_number(g["memory_limit"], "memory_limit", style, default=DEFAULT_MEMORY_MIB, allow_zero=True),
        forbid=module_names(g["forbid_imports"], style),
        gradescope=g["gradescope"] or None, weights=weights, report=g["report"] or None,
        artifacts=g["artifacts"] or None, pictures=g["pictures"] or None, hypothesis_dir=g["hypothesis_dir"] or None)


def add_to_pytest(parser) -> None:
    """Register the table's pytest options (``pytest --help``, group "conformance kit")."""
    group = parser.getgroup("conformance kit", "check your own backprop against the reference")
    group.addoption("--impl", default=None, dest="impl", metavar="SPEC",
                    help=f"the backprop to check: MODULE:FUNCTION or path/to/file.py:FUNCTION (env {ENV_VAR})")
    from conformance.core.pytest_options import has_option

    for o in OPTIONS:
        if "pytest" in o.where and not has_option(parser, o.flag):  # --conformance-report: the suite's, if first
            group.addoption(o.flag, default=None, dest="conformance_report" if o.name == "report" else o.name,
                            metavar=o.metavar, choices=o.choices, help=o.help)


def from_pytest(config) -> dict:
    """{option name: text or None} as pytest parsed them."""
    return {o.name: config.getoption("conformance_report" if o.name == "report" else o.name, default=None)
            for o in OPTIONS if "pytest" in o.where}


def add_to_argparse(parser) -> None:
    """Register the table's options on ``backprop-check``'s argument parser."""
    for o in OPTIONS:
        if "cli" in o.where:
            flags = [o.flag] if o.name != "report" else ["--report", o.flag]
            parser.add_argument(*flags, dest=o.name, metavar=o.metavar, choices=o.choices, help=o.help)


def to_pytest_args(values: dict) -> list:
    """The pytest command-line words for {option name: text or None} (what ``backprop-check`` hands pytest)."""
    args = []
    for o in OPTIONS:
        value = values.get(o.name)
        if value not in (None, "") and "pytest" in o.where:
            args += [o.flag, str(value)]
    return args
