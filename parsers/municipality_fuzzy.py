"""Spelling tolerance for municipality names: keys within two typos, found through a symmetric-delete index."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from parsers.normalize import strip_accents

_MAX_FUZZY = 2
_M = TypeVar("_M", bound=Hashable)


def typo_threshold(length: int) -> int:
    """How many typos a name of `length` letters tolerates."""
    return 2 if length >= 9 else 1 if length >= 5 else 0


def with_deletes(word: str, depth: int) -> set[str]:
    """`word` with up to `depth` letters removed (a symmetric-delete fuzzy index)."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one typo), capped."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, before[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        before, prev = prev, cur
    return prev[-1]


@dataclass(frozen=True, slots=True)
class _FuzzyKey(Generic[_M]):
    key: str
    municipality: _M
    threshold: int


class FuzzyIndex(Generic[_M]):
    """Accent-free keys of municipalities, each with the typos its name tolerates."""

    def __init__(self) -> None:
        self._keys: list[_FuzzyKey[_M]] = []
        self._index: dict[str, list[int]] | None = None  # built on first use

    def add(self, key: str, municipality: _M, threshold: int) -> None:
        """Index `key` (accent-free) for `municipality`, tolerating `threshold` typos."""
        self._keys.append(_FuzzyKey(key, municipality, threshold))

    def _deletes_index(self) -> dict[str, list[int]]:
        """Every fuzzy key with up to two letters removed -> entries (~50 ms, so built lazily)."""
        if self._index is None:
            index: dict[str, list[int]] = {}
            for entry, fk in enumerate(self._keys):
                if len(fk.key) >= 3:
                    for d in with_deletes(fk.key, _MAX_FUZZY):
                        index.setdefault(d, []).append(entry)
            self._index = index
        return self._index

    def close(self, key: str) -> dict[_M, tuple[int, bool]]:
        """Municipalities with a key within distance 2 of `key`: (distance, within tolerance)."""
        fold = strip_accents(key)
        out: dict[_M, tuple[int, bool]] = {}
        if len(fold) < 3:
            return out
        seen: set[int] = set()
        index = self._deletes_index()
        for d in with_deletes(fold, _MAX_FUZZY):
            for entry in index.get(d, ()):
                if entry in seen:
                    continue
                seen.add(entry)
                fk = self._keys[entry]
                dist = osa_distance(fold, fk.key, _MAX_FUZZY)
                if dist > _MAX_FUZZY:
                    continue
                best = out.get(fk.municipality)
                ok = dist <= fk.threshold
                if best is None or (dist, not ok) < (best[0], not best[1]):
                    out[fk.municipality] = (dist, ok)
        return out
