"""The docs cannot drift: the worked examples run, and quoted code is still in the code."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
ROOT = DOCS.parent


@pytest.mark.parametrize("name", ["teaching.md"])
def test_doc_examples_run(name):
    result = doctest.testfile(str(DOCS / name), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0 and result.failed == 0, f"{result.failed} of {result.attempted} examples in {name}"


def test_notation_quotes_the_code_it_names():
    """Every ```python block in notation.md starts with '# <path>'; each of its lines must be in that file."""
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "notation.md").read_text(), flags=re.S)
    assert len(blocks) >= 8
    for block in blocks:
        first, *lines = block.splitlines()
        path = ROOT / first.removeprefix("# ")
        source = {line.strip() for line in path.read_text().splitlines()}
        for line in lines:
            assert not line.strip() or line.strip() in source, f"{path.name} no longer has: {line.strip()}"
