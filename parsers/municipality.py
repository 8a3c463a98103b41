"""The Swedish municipality registry (SCB kommunkoder) and a resolver for what people write.

The registry is the 290 municipalities in `parsers/data/kommuner.csv`. The
resolver maps what a coordinator types to the canonical SCB name:

    "Malung-Sälens kommun", "Malung Salen", "MALUNG-SÄLEN"  -> Malung-Sälen (exact)
    "Falu kommun", "Falun", "Göteborgs Stad", "Region Gotland" -> Falun, Göteborg, Gotland
    "Ludvika kommun, Socialförvaltningen", "Ludvika."      -> Ludvika (exact, noise ignored)
    "Ludvka", "Borlänga"                                   -> Ludvika, Borlänge (exact=False)
    "Länsstyrelsen", "Kommun", "Stockholms län", "Region Dalarna" -> None

Matching rules, in order:

1. Whole text. Trailing "kommun"/"kommuns"/"stad"/... words are dropped and
   the rest (case-folded, spaces and hyphens removed) is looked up among each
   municipality's keys: its name, its genitive ("Rättviks"), the stem of its
   official name ("Falu", "Göteborgs") and "Region Gotland". Accents are
   compared first: "Håbo" and "Habo" are two municipalities, so an exact
   accented key wins and only then is the accent-free form tried (people
   type "Borlange"; that is still exact=True).
2. Names inside the text (see `find_in_text`): one name found -> that, exact.
   Several different names -> ambiguous (None, all of them as candidates).
3. Spelling tolerance on the whole text and on each comma/colon-separated
   part: optimal-string-alignment distance 1 for names of at least 5 letters,
   2 for at least 9. Only a single municipality that close is accepted, and
   always with exact=False so the caller flags it.

`county_code` breaks ties in favour of that county (the answer is then
exact=False). It also catches the one accent collision: "Habo" written in an
Uppsala-county report is taken as Håbo, flagged, with both as candidates.

Two partial names are accepted with exact=False: "Malung" (the municipality's
name before 2007) and "Sälen", both for Malung-Sälen.

The words and keys of a text are in `parsers.municipality_text`, the
spelling tolerance in `parsers.municipality_fuzzy`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from parsers.municipality_fuzzy import FuzzyIndex, typo_threshold
from parsers.municipality_text import (
    SUFFIX_WORDS,
    Word,
    accent_free,
    name_key,
    prepare,
    split_words,
    without_suffix,
)
from parsers.normalize import strip_accents

CSV_FIELDS = ("code", "name", "county_code", "county", "official_name")


@dataclass(frozen=True, slots=True)
class Municipality:
    """One municipality: SCB code ("2085"), canonical name, county, official name."""

    code: str
    name: str
    county_code: str
    county: str
    official_name: str


@dataclass(frozen=True, slots=True)
class Resolution:
    """The outcome of `Registry.resolve`.

    `municipality` is the single best match or None. `exact` is False when the
    match needed spelling tolerance, a county tie-break or a partial name; the
    caller then reports the value with a warning. `candidates` lists the
    municipalities that were considered when the answer is not exact:
    the ambiguous ones, the near misses of an unknown text (closest first),
    or the one spelling-tolerant match. It is empty for an exact match.
    """

    municipality: Municipality | None
    exact: bool
    candidates: tuple[Municipality, ...] = ()


# Swedish (or English) words that are also municipality names: in running
# text they count only when capitalised or followed by "kommun"/"stad".
# ("vara" = to be, "mark" = ground, "berg" = mountain, "lund" = grove,
# "boden" = the shed, "skara" = crowd, "säter" = pasture, "grums" = sediment,
# "nora" = to nick, "mala" = to grind (Malå), "kil" = wedge, "trosa" = knickers,
# "älvdalen" = the river valley, "are"/"ale"/"kinda" English words.)
_COMMON_WORD_NAMES = frozenset({
    "Ale", "Åre", "Berg", "Boden", "Grums", "Kil", "Kinda", "Lund", "Malå", "Mark", "Nora",
    "Sala", "Skara", "Säter", "Trosa", "Vara", "Älvdalen",
})  # fmt: skip
# A name right before "län" is the county ("Stockholms län"), and after
# "Region" it is the county's region ("Region Dalarna"), except Gotland.
_COUNTY_AFTER = frozenset({"lan", "lans"})
_REGION_MUNICIPALITY = "0980"
# Partial or former names, accepted with exact=False.
_WEAK_ALIASES: dict[str, tuple[str, ...]] = {"2023": ("Malung", "Malungs", "Sälen")}
_EXTRA_ALIASES: dict[str, tuple[str, ...]] = {"0980": ("Region Gotland",)}


_JOINABLE_RE = re.compile(r"[\s\-_]+")
_SEGMENT_RE = re.compile(r"[,;:()\[\]|/\n.!?]+|\s-\s")
_MAX_WINDOW = 3  # words per name in running text; no key has more than two ("Lilla Edet")
_MAX_NEAR_MISSES = 5


@dataclass(frozen=True, slots=True)
class _Hit:
    municipalities: tuple[Municipality, ...]
    exact: bool


class Registry:
    """All municipalities with lookups by code, name, county and free text."""

    def __init__(self, municipalities: Iterable[Municipality]) -> None:
        self._all = tuple(municipalities)
        self._by_code = {m.code: m for m in self._all}
        self._by_name = {m.name: m for m in self._all}
        if len(self._by_code) != len(self._all) or len(self._by_name) != len(self._all):
            raise ValueError("municipality codes and names must be unique")
        self._by_county: dict[str, tuple[Municipality, ...]] = {}
        for m in self._all:
            self._by_county[m.county_code] = (*self._by_county.get(m.county_code, ()), m)
        # key -> municipalities; accented and accent-free, strong and weak.
        self._strong: dict[str, list[Municipality]] = {}
        self._strong_folded: dict[str, list[Municipality]] = {}
        self._weak: dict[str, list[Municipality]] = {}
        self._weak_folded: dict[str, list[Municipality]] = {}
        self._fuzzy: FuzzyIndex[Municipality] = FuzzyIndex()
        for m in self._all:
            for key in self._strong_keys(m):
                self._add(m, key, self._strong, self._strong_folded)
            for alias in _WEAK_ALIASES.get(m.code, ()):
                self._add(m, name_key(alias), self._weak, self._weak_folded)

    @staticmethod
    def _strong_keys(m: Municipality) -> set[str]:
        name = name_key(m.name)
        keys = {name, name_key(m.official_name)}
        if not name.endswith(("s", "x", "z")):
            keys.add(name + "s")  # genitive: "Rättviks", "Stockholms"
        keys.update(name_key(alias) for alias in _EXTRA_ALIASES.get(m.code, ()))
        return keys

    def _add(
        self,
        m: Municipality,
        key: str,
        accented: dict[str, list[Municipality]],
        folded: dict[str, list[Municipality]],
    ) -> None:
        for index, k in ((accented, key), (folded, strip_accents(key))):
            bucket = index.setdefault(k, [])
            if m not in bucket:
                bucket.append(m)
        fold = strip_accents(key)
        limit = typo_threshold(min(len(fold), len(strip_accents(name_key(m.name)))))
        self._fuzzy.add(fold, m, limit)

    # -- plain lookups -------------------------------------------------------

    def all(self) -> tuple[Municipality, ...]:
        """Every municipality, in SCB code order."""
        return self._all

    def by_code(self, code: str) -> Municipality | None:
        """The municipality with this kommunkod; "180" is read as "0180" (Excel drops the zero)."""
        code = code.strip()
        if code.isdigit() and len(code) < 4:
            code = code.zfill(4)
        return self._by_code.get(code)

    def by_name(self, name: str) -> Municipality | None:
        """The municipality whose canonical name is exactly `name` ("Malung-Sälen")."""
        return self._by_name.get(name)

    def in_county(self, county_code: str) -> tuple[Municipality, ...]:
        """The municipalities of a county ("20" or "2" for Dalarna), in code order."""
        county_code = county_code.strip()
        if county_code.isdigit() and len(county_code) < 2:
            county_code = county_code.zfill(2)
        return self._by_county.get(county_code, ())

    # -- resolving -----------------------------------------------------------

    def _lookup(self, key: str) -> _Hit | None:
        """Municipalities whose key is `key` (accents kept), else accent-free, else weak."""
        if not key:
            return None
        found = self._strong.get(key)
        if found:
            return _Hit(tuple(found), True)
        fold = strip_accents(key)
        found = self._strong_folded.get(fold)
        if found:
            return _Hit(tuple(found), True)
        found = self._weak.get(key) or self._weak_folded.get(fold)
        return _Hit(tuple(found), False) if found else None

    def _twin_in_county(
        self, m: Municipality, key: str, county_code: str | None
    ) -> Municipality | None:
        """The accent twin of `m` in `county_code` when `key` was typed without accents.

        "Habo" in an Uppsala-county report is most likely Håbo typed without
        "å"; "Håbo" typed with the accent is taken at its word.
        """
        if county_code is None or m.county_code == county_code:
            return None
        fold = strip_accents(key)
        if fold != key:
            return None
        twins = [t for t in self._strong_folded.get(fold, ()) if t.county_code == county_code]
        return twins[0] if len(twins) == 1 else None

    def _choose(self, hit: _Hit, key: str, county_code: str | None) -> Resolution:
        """One municipality out of a key's hit, with the county as tie-breaker."""
        if len(hit.municipalities) == 1:
            m = hit.municipalities[0]
            twin = self._twin_in_county(m, key, county_code)
            if twin is not None:
                return Resolution(twin, False, (twin, m))
            return Resolution(m, hit.exact, () if hit.exact else (m,))
        return self._tie(hit.municipalities, county_code)

    def resolve(self, text: str, county_code: str | None = None) -> Resolution:
        """Map what someone wrote to one municipality; see the module docstring for the rules."""
        words = split_words(text)
        key = "".join(without_suffix([w.key for w in words]))
        hit = self._lookup(key)
        if hit is not None:
            return self._choose(hit, key, county_code)
        found = self._scan(words, county_code)
        unique = tuple(dict.fromkeys(r.municipality for r in found if r.municipality))
        if len(unique) == 1:
            # The same name twice ("Ludvika kommun, Ludvika"): prefer an exact mention.
            return next((r for r in found if r.exact), found[0])
        if unique:
            return self._tie(unique, county_code)
        return self._fuzzy_resolve(text, key, county_code)

    @staticmethod
    def _tie(candidates: tuple[Municipality, ...], county_code: str | None) -> Resolution:
        in_county = [m for m in candidates if m.county_code == county_code]
        if len(in_county) == 1:
            return Resolution(in_county[0], False, candidates)
        return Resolution(None, False, candidates)

    def _fuzzy_resolve(self, text: str, key: str, county_code: str | None) -> Resolution:
        keys = [key]
        for segment in _SEGMENT_RE.split(prepare(text)):
            seg_words = without_suffix([w.key for w in split_words(segment)])
            if 0 < len(seg_words) <= _MAX_WINDOW + 1:
                keys.append("".join(seg_words))
        close: dict[Municipality, tuple[int, bool]] = {}
        for k in dict.fromkeys(keys):
            for m, (dist, ok) in self._fuzzy.close(k).items():
                if m not in close or (dist, not ok) < (close[m][0], not close[m][1]):
                    close[m] = (dist, ok)
        matches = tuple(m for m, (_, ok) in close.items() if ok)
        if len(matches) == 1:
            return Resolution(matches[0], False, matches)
        if matches:
            return self._tie(
                tuple(sorted(matches, key=lambda m: (close[m][0], m.name))), county_code
            )
        near = sorted(close, key=lambda m: (close[m][0], m.county_code != county_code, m.name))
        return Resolution(None, False, tuple(near[:_MAX_NEAR_MISSES]))

    # -- free text -----------------------------------------------------------

    def _scan(self, words: Sequence[Word], county_code: str | None) -> list[Resolution]:
        """Names in `words`, left to right, longest match first, each with a municipality."""
        found: list[Resolution] = []
        i = 0
        while i < len(words):
            for n in range(min(_MAX_WINDOW, len(words) - i), 0, -1):
                window = words[i : i + n]
                if n > 1 and not self._joinable(window):
                    continue
                key = "".join(w.key for w in window)
                hit = self._lookup(key)
                if hit is None:
                    continue
                chosen = self._choose(hit, key, county_code)
                m = chosen.municipality
                if m is None or not self._counts_here(m, words, i, n):
                    continue
                found.append(chosen)
                i += n
                break
            else:
                i += 1
        return found

    @staticmethod
    def _joinable(window: Sequence[Word]) -> bool:
        # "Malung-Sälen", "Upplands Väsby", "Lilla_Edet" are one name; "Mora, Orsa" is two.
        return all(_JOINABLE_RE.fullmatch(w.gap) for w in window[1:])

    @staticmethod
    def _counts_here(m: Municipality, words: Sequence[Word], i: int, n: int) -> bool:
        after = accent_free(words[i + n]) if i + n < len(words) else ""
        before = accent_free(words[i - 1]) if i > 0 else ""
        if after in _COUNTY_AFTER:
            return False  # "Stockholms län", "Dalarnas län"
        if m.code != _REGION_MUNICIPALITY and (
            before == "region"
            or before == "lansstyrelsen"
            or (before == "i" and i > 1 and accent_free(words[i - 2]) == "lansstyrelsen")
        ):
            return False  # "Region Stockholm", "Länsstyrelsen i Kalmar"
        if m.name in _COMMON_WORD_NAMES:
            return words[i].text[:1].isupper() or after in SUFFIX_WORDS
        return True

    def find_in_text(self, text: str, county_code: str | None = None) -> list[Municipality]:
        """Municipalities named in free text (a filename, a mail subject), in order of appearance.

        Whole words only: "Lägesbild_Ludvika_okt2026.docx" and "Lägesbild
        oktober - Malung-Sälens kommun" name Ludvika and Malung-Sälen, while
        "Salem" does not name Sala. Names that are also everyday words (Vara,
        Mark, Berg, Lund, Åre, Ale, ... see `_COMMON_WORD_NAMES`) count only
        when written with a capital letter or followed by "kommun"/"stad", so
        "kan vara" or "lägesbild_vara.docx" name nothing. A name before "län"
        (the county) or after "Region"/"Länsstyrelsen" (except Region Gotland)
        is not a municipality. The partial names "Malung" and "Sälen" count as
        Malung-Sälen. `county_code` only settles the accent twins: "Habo" in
        a text from Uppsala län is taken as Håbo.
        """
        found = self._scan(split_words(text), county_code)
        return list(dict.fromkeys(r.municipality for r in found if r.municipality))


def parse_csv(text: str) -> tuple[Municipality, ...]:
    """Rows of a `code,name,county_code,county,official_name` CSV as municipalities."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != CSV_FIELDS:
        raise ValueError(f"expected columns {CSV_FIELDS}, got {reader.fieldnames}")
    return tuple(Municipality(**{f: row[f].strip() for f in CSV_FIELDS}) for row in reader)


@cache
def load_registry() -> Registry:
    """The registry of all 290 municipalities from the packaged `data/kommuner.csv` (cached)."""
    text = resources.files("parsers").joinpath("data/kommuner.csv").read_text(encoding="utf-8")
    return Registry(parse_csv(text))
