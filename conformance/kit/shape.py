"""Which networks the kit draws: ``--sizes``, ``--depth``, ``--max-width``, ``--max-batch``.

A course whose assignment fixes the architecture checks exactly that shape; otherwise the
kit draws what the suite draws (depth 1-4, widths 1-6, batch 1-8), within the limits given.

Besides the small networks, about one draw in 8 is larger (depth up to 6, widths up to 16, batch up
to 32, targets up to +-3): code wrong only beyond the small limits fails too.  A limit given on the
command line bounds those as well.

>>> shape_options("784,16,16,10", None, None, None).describe()
'sizes 784-16-16-10, batch 1-8 (1 draw in 8: up to 32)'
>>> shape_options(None, "2", "3", None).strategy_kwargs()
{'reach': True, 'min_depth': 2, 'max_depth': 2, 'max_width': 3, 'max_batch': 8, 'reach_width': 3}
>>> shape_options("2,3", "2", None, None)
Traceback (most recent call last):
...
conformance.kit.options.UsageProblem: --sizes=2,3 has 1 layer but --depth=2: give one of them, or make them agree
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.core.strategies import LIMITS, REACH

from .options import UsageProblem, flag


@dataclass(frozen=True)
class ShapeOptions:
    sizes: tuple | None = None
    depth: int | None = None
    width_given: int | None = None   # --max-width, when given: it bounds the larger draws too
    batch_given: int | None = None   # --max-batch, likewise

    @property
    def max_width(self) -> int:
        return self.width_given or LIMITS["max_width"]

    @property
    def max_batch(self) -> int:
        return self.batch_given or LIMITS["max_batch"]

    def strategy_kwargs(self) -> dict:
        """Keyword arguments of :func:`conformance.core.strategies.cases` (with the larger draws on)."""
        bounds = {"reach_width": self.width_given} if self.width_given else {}
        if self.batch_given:
            bounds["reach_batch"] = self.batch_given
        if self.sizes is not None:
            return {"reach": True, "sizes": self.sizes, "max_batch": self.max_batch, **bounds}
        depth = {"min_depth": self.depth, "max_depth": self.depth} if self.depth else {}
        return {"reach": True, **depth, "max_width": self.max_width, "max_batch": self.max_batch, **bounds}

    def describe(self) -> str:
        batch = self.batch_given or REACH["max_batch"]
        larger = f"1 draw in {REACH['share']}: up to"
        if self.sizes is not None:
            return f"sizes {'-'.join(map(str, self.sizes))}, batch 1-{self.max_batch} ({larger} {batch})"
        depth = f"depth {self.depth}" if self.depth else f"depth 1-{LIMITS['max_depth']}"
        widths = self.width_given or REACH["max_width"]
        deep = "" if self.depth else f"depth {REACH['max_depth']}, "
        return (f"{depth}, widths 1-{self.max_width}, batch 1-{self.max_batch} "
                f"({larger} {deep}widths {widths}, batch {batch})")



def _positive(option, text, largest=None):
    """A whole number in 1..largest; `option` is the option as the user wrote it."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise UsageProblem(f"{option}={text}: expected a whole number") from None
    if value < 1 or (largest is not None and value > largest):
        bound = f" and at most {largest}" if largest is not None else ""
        raise UsageProblem(f"{option}={text}: expected at least 1{bound}")
    return value


def shape_options(sizes, depth, max_width, max_batch, style="cli") -> ShapeOptions:
    """Parse the four options (strings or None) into :class:`ShapeOptions`, or raise :class:`UsageProblem`.

    `style`: how the options are named in messages (``cli``: ``--max-width``; ``api``: ``max_width``).
    """
    f = {name: flag(name, style) for name in ("sizes", "depth", "max_width", "max_batch")}
    sizes, depth, max_width, max_batch = (None if v is None or v == "" else v for v in (sizes, depth, max_width,
                                                                                        max_batch))
    batch = _positive(f["max_batch"], max_batch, 4096) if max_batch is not None else None
    if sizes is not None:
        parts = [p for p in str(sizes).split(",") if p.strip()]
        numbers = tuple(_positive(f["sizes"], p, 100_000) for p in parts)
        if len(numbers) < 2:
            raise UsageProblem(f"{f['sizes']}={sizes}: give n(0),n(1),...,n(L): at least two layer sizes")
        if depth is not None and _positive(f["depth"], depth) != len(numbers) - 1:
            raise UsageProblem(f"{f['sizes']}={sizes} has {len(numbers) - 1} layer{'s' * (len(numbers) > 2)} but "
                               f"{f['depth']}={depth}: give one of them, or make them agree")
        if max_width is not None:
            raise UsageProblem(f"{f['sizes']} fixes every width: {f['max_width']} cannot be used with it")
        return ShapeOptions(sizes=numbers, batch_given=batch)
    return ShapeOptions(depth=_positive(f["depth"], depth, 64) if depth is not None else None,
                        width_given=_positive(f["max_width"], max_width, 100_000) if max_width is not None else None,
                        batch_given=batch)
