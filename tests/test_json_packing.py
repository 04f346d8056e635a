"""The JSON report's lists of numbers, one a line from json's indenting encoder, are written
on one line by the C encoder and put in place: the document must be exactly what the
indenting encoder and a collapse of those lists would write, whatever the report holds."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from hlsinspect.render.json import _encode

_VALUE = r"(?:-?[0-9][0-9.eE+-]*|null)"
_NUMBERS = re.compile(rf"\[\n\s*({_VALUE}(?:,\n\s*{_VALUE})*)\n\s*\]")


def reference(value: Any, newline: str) -> str:
    """json.dumps with an indent, each list of numbers then joined onto one line."""
    text = json.dumps(value, indent=2, allow_nan=False)
    text = _NUMBERS.sub(lambda m: "[" + ", ".join(n.strip() for n in m.group(1).split(","))
                        + "]", text)
    return text.replace("\n", newline)


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 4 else 5)
    if kind == 0:
        return rng.choice([0, -3, 10**15, 2**63])
    if kind == 1:
        return rng.choice([0.1, 4.004, -1e-7, 1e21, 6.0])
    if kind == 2:
        return rng.choice([None, True, False])
    if kind == 3:
        return rng.choice(["", "a\x00b", "\x00deadbeef:0\x00", "é", "[1,\n2]", "x\"y"])
    if kind == 4:
        return [rng.choice([1, 2.5, None, -4]) for _ in range(rng.randrange(0, 5))]
    if kind in (5, 6):
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {f"k{i}": random_value(rng, depth + 1) for i in range(rng.randrange(0, 4))}


@pytest.mark.parametrize("seed", range(200))
def test_packed_lists_read_as_the_indenting_encoder_writes_them(seed: int):
    rng = random.Random(seed)
    value = random_value(rng)
    for newline in ("\n", "\n    "):
        assert _encode(value, newline) == reference(value, newline)


def test_a_timeline_is_written_on_two_lines_and_a_string_like_a_mark_is_kept():
    value = {"durations": [4.0, 4.004, 2.5], "sizes": [10, None, 3],
             "states": "ppm", "marked": [[2, "s3://b/\x00x:0"]], "flags": [True, False]}
    assert _encode(value) == reference(value, "\n")
    assert '"durations": [4.0, 4.004, 2.5]' in _encode(value)
