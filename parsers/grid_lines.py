"""Typed lines of a table or sheet: header rows and columns, label cells beside value cells."""

from __future__ import annotations

import enum
import re

from parsers.anchors import match_anchor
from parsers.document import Grid
from parsers.form import FormSpec
from parsers.form_plan import form_plan, match_labels
from parsers.impact import UNCHECKED
from parsers.normalize import clean, fold, squash
from parsers.paragraph_lines import classify
from parsers.sheet_place import RowWhere, Where, flipped_place, in_row, placed, sheet_place
from parsers.typed_line import Kind, Line


class _Role(enum.Enum):
    QUESTION = "question"
    NUMBER = "number"
    IMPACT = "impact"
    COMMENT = "comment"
    LEVEL = "level"


_QUESTION_HEADERS = ("fraga", "fragor", "frageomrade", "omrade", "rubrik", "kategori", "amne",
                     "indikator", "fragestallning", "question")
_NUMBER_HEADERS = ("nr", "#", "fraga nr", "nummer", "no", "no.")
_BARE_NUMBER_RE = re.compile(r"^\s*(\d{1,2})\s*\.?\s*$")


_MAX_HEADER = 45  # a header cell names a column in a few words
_OTHER_TIME = re.compile(r"\b(forra|foregaende|tidigare|forr|forut|last|previous)\b")


def _role(cell: str, form: FormSpec) -> tuple[_Role, int] | None:
    f = fold(cell).strip(" :")
    if not f:
        return None
    if len(f) > _MAX_HEADER or len(f.split()) > 3 and f.endswith((".", "!", "?")):
        return None  # a sentence ("Påverkan på tryggheten bedöms som liten."), not a column's header
    if _OTHER_TIME.search(f):
        return None  # "Påverkan förra månaden": a reference column, not this month's answer
    impact = match_labels(f, form.labels.impact)
    if impact:
        after = _without_range(f[impact[0]:].strip(" :-"), form)
        level = _role(after, form) if after else None
        if level is not None and level[0] is _Role.LEVEL:
            return level  # "Påverkan 3", "Påverkan – 3 Oroande": one column of the scale
        return (_Role.IMPACT, 0)
    if match_labels(f, form.labels.comment):
        return (_Role.COMMENT, 0)
    if f in _NUMBER_HEADERS:
        return (_Role.NUMBER, 0)
    if f in _QUESTION_HEADERS:
        return (_Role.QUESTION, 0)
    if f.isdigit() and form.scale.min <= int(f) <= form.scale.max:
        return (_Role.LEVEL, int(f))
    for value, name, header in form_plan(form).level_headers:
        if f == name or re.fullmatch(header, f):
            return (_Role.LEVEL, value)
    return _role_by_letters(f, form)


def _without_range(folded: str, form: FormSpec) -> str:
    """ "1-5 3" -> "3": the scale's printed range before a value."""
    for label in sorted((fold(r) for r in form.scale.range_labels), key=len, reverse=True):
        if folded.startswith(label):
            return folded[len(label):].strip(" :-")
    return folded


def _role_by_letters(folded: str, form: FormSpec) -> tuple[_Role, int] | None:
    """A label broken inside a word by a narrow column ("Komment ar", "Påver kan 1-5"): by its letters."""
    if len(folded.split()) > 4:
        return None
    letters = re.sub(r"[^a-z]", "", folded)
    for role, labels in ((_Role.IMPACT, form.labels.impact), (_Role.COMMENT, form.labels.comment)):
        if any(len(lab) >= 6 and letters in (lab, lab + "till") for lab in map(squash, labels)):
            return (role, 0)
    return None


def _header(rows: list[list[str]], form: FormSpec) -> tuple[int, dict[int, tuple[_Role, int]]] | None:
    for r, row in enumerate(rows[:40]):
        # "Kommentar:" with a colon labels the cell beside it; a column's header has none.
        roles = {c: role for c, cell in enumerate(row)
                 if not cell.rstrip().endswith(":") and (role := _role(cell, form))}
        values = [v for c, (kind, v) in sorted(roles.items()) if kind is _Role.LEVEL]
        levels = len(values)
        if levels < 3 or values != sorted(set(values)) and values != sorted(set(values), reverse=True):
            # A lone digit beside "Påverkan" is a value, and "5 - Kritiskt | 2 - Avvikande | 5 - …"
            # a row of answers: the scale's columns stand once each, in order.
            roles = {c: role for c, role in roles.items() if role[0] is not _Role.LEVEL}
            levels = 0
        kinds = {role[0] for role in roles.values()}
        has_value = _Role.IMPACT in kinds or _Role.COMMENT in kinds or levels >= 3
        if has_value and (len(kinds) >= 2 or levels >= 3):
            return r, roles
    return None


def _cells_text(cells: list[str]) -> str:
    return " ".join(c for c in cells if c.strip())


def _is_marked(cell: str) -> bool:
    c = cell.strip()
    return bool(c) and not all(ch in UNCHECKED + " []()" for ch in c)


def _value_lines(cells: list[str], roles: dict[int, tuple[_Role, int]], form: FormSpec,
                 where: RowWhere) -> list[Line]:
    """The impact and comment lines of one data row, each told its cell (or the row, for several)."""
    out: list[Line] = []
    levels = [(c, v) for c, (role, v) in roles.items() if role is _Role.LEVEL]
    if levels:
        marked = [(c, v) for c, v in levels if _is_marked(cells[c])]
        out.append(Line(Kind.IMPACT, " och ".join(str(v) for _, v in marked), from_grid=True,
                        place=where(marked[0][0] if len(marked) == 1 else None)))
    for c, (role, _) in sorted(roles.items()):
        if role is not _Role.IMPACT and role is not _Role.COMMENT:
            continue
        labelled = _self_labelled(cells[c], form)
        if labelled is not None:
            out.extend(placed(labelled, where(c)))
        else:
            out.append(Line(Kind.IMPACT if role is _Role.IMPACT else Kind.COMMENT, clean(cells[c]), from_grid=True,
                            place=where(c)))
    # The row as read: a ticked level column says its level ("X i kolumn 3").
    levelled = dict(levels)
    row = _row_text([f"{cell.strip()} i kolumn {levelled[c]}" if c in levelled and _is_marked(cell) else cell
                     for c, cell in enumerate(cells)])
    for line in out:
        line.row = row
    return out


_ROW_CELL_MAX = 40


def _row_text(cells: list[str]) -> str:
    """A row's filled cells as one line of text ("Hot och våld | 3 | Flera inbrott"), each cell cut short
    so a long question's wording leaves room for the value beside it."""
    shown = (" ".join(c.split()) for c in cells if c.strip())
    return " | ".join(c if len(c) <= _ROW_CELL_MAX else c[:_ROW_CELL_MAX - 1].rstrip() + "…" for c in shown)


def _self_labelled(cell: str, form: FormSpec) -> list[Line] | None:
    """A value cell that labels its own values ("Påverkan: 2" and "Kommentar: …" in one "Svar" cell).

    The labels inside say what each line is, whatever the column's header
    says; the lines are read as running text would be.
    """
    if not cell.strip():
        return None
    lines = classify(cell, form)
    if any(ln.kind in (Kind.IMPACT, Kind.COMMENT) for ln in lines):
        return lines
    return None


def _structured_rows(rows: list[list[str]], header_row: int, roles: dict[int, tuple[_Role, int]],
                     form: FormSpec, where: Where) -> list[Line] | None:
    """Lines for a grid with a header row; None when no data row names a question.

    A grid whose every column is a value column ("Påverkan (1-5) | Kommentar"
    over one row of answers, one small table per question) belongs to the
    question written above it: its rows give value lines without an anchor.
    """
    out: list[Line] = []
    found = 0
    role_cols = set(roles)
    width = max((len(r) for r in rows), default=0)
    answers_only = all(c in role_cols for c in range(width)) and not any(
        role is _Role.QUESTION or role is _Role.NUMBER for role, _ in roles.values())
    header_cells = rows[header_row] + [""] * (width - len(rows[header_row]))
    kinds = {role for role, _ in roles.values()}
    if _Role.QUESTION in kinds and _Role.COMMENT not in kinds:
        spare = [c for c in range(width) if c not in role_cols and header_cells[c].strip()]
        if len(spare) == 1:
            # "Fråga | Påverkan | Beskriv kort vad som hänt": the one other column is the comment.
            roles = {**roles, spare[0]: (_Role.COMMENT, 0)}
            role_cols = set(roles)
    comment_cols = {c for c, (role, _) in roles.items() if role is _Role.COMMENT}
    in_table = False
    for r, row in enumerate(rows[header_row + 1:], start=header_row + 1):
        cells = row + [""] * (max(max(roles, default=0) + 1, width) - len(row))
        at = in_row(where, r)
        if answers_only:
            if any(c.strip() for c in cells):
                out.extend(_value_lines(cells, roles, form, at))
                found += 1
            continue
        number_cells = [cells[c] for c, (role, _) in roles.items() if role is _Role.NUMBER]
        question_cells = [cells[c] for c, (role, _) in roles.items() if role is _Role.QUESTION]
        if not question_cells:
            question_cells = [cells[c] for c in range(len(cells)) if c not in role_cols]
        qtext = _cells_text(number_cells + question_cells)
        anchor = match_anchor(qtext, form) if qtext else None
        if anchor is None:
            # A bare number in the "Nr" (or "Fråga") column names the question.
            n = _BARE_NUMBER_RE.match(qtext)
            if n and int(n.group(1)) in form.numbers:
                anchor = Line(Kind.ANCHOR, "", question=int(n.group(1)), strength=2)
        if anchor is None:
            filled = {c for c, cell in enumerate(cells) if cell.strip()}
            if in_table and filled and filled <= comment_cols:
                # The comment goes on in the next row of its own column.
                out.extend(Line(Kind.TEXT, clean(cells[c]), place=at(c)) for c in sorted(filled))
                continue
            if in_table and filled:
                # Text elsewhere below the table (a note, a contact line) is not
                # the last question's comment.
                out.append(Line(Kind.BREAK, ""))
                in_table = False
            out.extend(_generic_row(row, form, at))
            continue
        found += 1
        in_table = True
        anchor.strength = max(anchor.strength, 2)
        anchor.from_grid = True
        anchor.place = at(None)
        out.append(anchor)
        out.extend(_value_lines(cells, roles, form, at))
    return out if found else None


def _paired_cells(left: str, right: str, form: FormSpec) -> list[Line] | None:
    """Labels down one cell, answers down the next: "Påverkan:\nKommentar:" | "2\nFlera inbrott".

    Each open label takes the next answer line; the last one takes the rest.
    """
    left_lines = classify(left, form)
    open_labels = [ln for ln in left_lines if ln.kind in (Kind.IMPACT, Kind.COMMENT) and ln.open_value]
    if not open_labels:
        return None
    values = [v for v in (clean(x) for x in right.split("\n")) if v]
    out: list[Line] = []
    for line in left_lines:
        if line in open_labels and values:
            last = line is open_labels[-1]
            taken, values = (values, []) if last else (values[:1], values[1:])
            out.append(Line(line.kind, "\n".join(taken), from_grid=True))
        else:
            out.append(line)
    return out


def _generic_row(row: list[str], form: FormSpec, where: RowWhere) -> list[Line]:
    """A row without a header: label cells take the value cells beside them."""
    lines = placed(_generic_row_lines(row, form, where), where(None))
    text = _row_text(row)
    for line in lines:
        line.row = line.row or text
    return lines


def _generic_row_lines(row: list[str], form: FormSpec, where: RowWhere) -> list[Line]:
    """The row's lines, each told its cell where it came from one (the rest are told the row by the caller)."""
    filled = [c for c, cell in enumerate(row) if cell.strip()]
    cells = [row[c] for c in filled]
    if len(cells) == 2 and (role := _role(cells[0], form)) and role[0] in (_Role.QUESTION, _Role.NUMBER):
        # "Område | Skolor", "Fråga | Hot och våld": the left cell only says what the right one is.
        named = classify(cells[1], form)
        if named and named[0].kind is Kind.ANCHOR:
            return placed(named, where(filled[1]))
    if len(cells) == 2 and "\n" in cells[0]:
        paired = _paired_cells(cells[0], cells[1], form)
        if paired is not None:
            return paired
    out: list[Line] = []
    i = 0
    while i < len(cells):
        cell = cells[i]
        line = classify(cell, form)
        if len(line) == 1 and line[0].kind is not Kind.TEXT and line[0].kind is not Kind.ANCHOR \
                and line[0].open_value:
            values: list[str] = []
            j = i + 1
            while j < len(cells):
                nxt = classify(cells[j], form)
                # A stop label in the value's place ("Kommentar | E-post: …") is the value's text,
                # and so is a lone label in the row's last cell ("Kommentar | Påverkan"): a label
                # there would label nothing.
                last_alone = j == len(cells) - 1 and len(nxt) == 1 and nxt[0].open_value
                if not last_alone and any(n.kind is not Kind.TEXT and n.kind is not Kind.BREAK for n in nxt):
                    break
                values.append(clean(cells[j]))
                j += 1
            if values:
                joined = " ".join(values) if line[0].kind is Kind.IMPACT else "\n".join(values)
                out.append(Line(line[0].kind, joined, from_grid=True,
                                place=where(filled[i + 1] if j == i + 2 else None)))
                i = j
                continue
        out.extend(placed(line, where(filled[i])))
        i += 1
    return out


def _transposed_lines(rows: list[list[str]], form: FormSpec, where: Where) -> list[Line] | None:
    """Questions across the columns: a header column ("Fråga", "Påverkan", "Kommentar").

    Rows above the table (e.g. "Kommun:" | "Gagnef") are read as ordinary rows.
    """
    width = max((len(r) for r in rows), default=0)
    for col in range(min(width, 3)):
        role_rows = [r for r, row in enumerate(rows[:60])
                     if col < len(row) and (role := _role(row[col], form)) and role[0] is not _Role.LEVEL]
        kinds = [_role(rows[r][col], form)[0] for r in role_rows]  # type: ignore[index]
        if len(role_rows) < 2 or len(set(kinds)) != len(kinds):
            # Repeated "Påverkan"/"Kommentar" labels down a column are label|value
            # pairs (a two-column form), not a header column.
            continue
        top, bottom = role_rows[0], role_rows[-1]
        block = [list(r) for r in rows[top:bottom + 1]]
        while bottom + 1 < len(rows) and not _cell(rows[bottom + 1], col).strip() \
                and any(c.strip() for c in rows[bottom + 1]):
            # The last row goes on in a row of its own (a table broken over a page): its
            # header cell is empty, and each cell continues the one above it.
            bottom += 1
            block[-1] = [_joined(_cell(block[-1], c), _cell(rows[bottom], c)) for c in range(width)]
        flipped = [[r[c] if c < len(r) else "" for r in block] for c in range(col, width)]
        header = _header(flipped, form)
        if header is None or header[0] != 0:
            continue
        # A row of `flipped` is a column of the sheet: a cell is where its row and column meet; a whole
        # "row" of it is a column, which no place names.
        structured = _structured_rows(flipped, 0, header[1], form, flipped_place(where, top, col))
        if structured is None:
            continue
        around = [r for r in range(len(rows)) if r < top or r > bottom]
        return [ln for r in around for ln in _generic_row(rows[r], form, in_row(where, r))] + structured
    return None


def _cell(row: list[str], col: int) -> str:
    return row[col] if col < len(row) else ""


def _joined(upper: str, lower: str) -> str:
    return f"{upper}\n{lower}" if upper.strip() and lower.strip() else upper or lower


def _continuation(rows: list[list[str]], roles: dict[int, tuple[_Role, int]], first: int,
                  where: Where) -> list[Line] | None:
    """A table's next page: its header repeated over rows that only continue a comment (`rows` start at the
    grid's row `first`)."""
    comment_cols = {c for c, (role, _) in roles.items() if role is _Role.COMMENT}
    out: list[Line] = []
    for r, row in enumerate(rows, start=first):
        filled = {c for c, cell in enumerate(row) if cell.strip()}
        if not filled:
            continue
        if not comment_cols or not filled <= comment_cols:
            return None
        out.extend(Line(Kind.TEXT, clean(row[c]), place=where(r, c)) for c in sorted(filled))
    return out


def grid_lines(grid: Grid, form: FormSpec) -> list[Line]:
    """Typed lines for a table or sheet; text from a doubtful cell carries the grid's doubt.

    A line read from a sheet is told where (`Line.place`): its cell ("cell C12") when it came from one,
    else its row ("rad 12"); `parsers.lines` puts the sheet's name before it.
    """
    lines = _grid_lines(grid, form, sheet_place(grid))
    if grid.doubtful:
        doubtful = [clean(t) for t in grid.doubtful]
        for line in lines:
            if (line.kind is Kind.TEXT or line.kind is Kind.COMMENT) and line.text \
                    and any(line.text in t or t in line.text for t in doubtful):
                line.doubt = grid.doubt
    return lines


def _grid_lines(grid: Grid, form: FormSpec, where: Where) -> list[Line]:
    rows = [list(r) for r in grid.rows]
    header = _header(rows, form)
    if header:
        before = [ln for r in range(header[0]) for ln in _generic_row(rows[r], form, in_row(where, r))]
        structured = _structured_rows(rows, header[0], header[1], form, where)
        if structured is not None:
            return before + structured
        continued = _continuation(rows[header[0] + 1:], header[1], first=header[0] + 1, where=where)
        if continued is not None:
            return before + continued
    transposed = _transposed_lines(rows, form, where)
    if transposed is not None:
        return transposed
    return [ln for r, row in enumerate(rows) for ln in _generic_row(row, form, in_row(where, r))]
