"""Caches for what the readers derive from a form: built once per form, not once per line.

A reader process reads thousands of files against the same `FormSpec`, and
every line of every file is compared with the form's labels, names and
scale. What those comparisons need (folded words, compiled patterns) is
derived from the form here once and then looked up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

_K = TypeVar("_K")
_V = TypeVar("_V")


def per_object(build: Callable[[_K], _V]) -> Callable[[_K], _V]:
    """Cache `build(obj)` per object, by identity.

    Forms, scales and questions are frozen but deeply nested, so hashing one
    (what `functools.cache` does on every call) costs more than the lookup
    saves. Each entry keeps its object alive, so no other object can take its id.
    """
    memo: dict[int, tuple[_K, _V]] = {}

    def get(obj: _K) -> _V:
        hit = memo.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        value = build(obj)
        if len(memo) >= 256:
            memo.clear()  # forms are few; this only bounds a test run that builds many
        memo[id(obj)] = (obj, value)
        return value

    return get
