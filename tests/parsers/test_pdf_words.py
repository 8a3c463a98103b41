"""Cells whose narrow column hides whether a word was cut or a space fell at the edge.

`parsers.pdf_words` settles such a join by the words the rest of the
document spells whole; the cell's doubt (an issue on the field) stays
whatever it chooses. The end-to-end tests draw the narrow columns with
reportlab: a table printed over three pages (its middle page has column
rules and no rule across) and cells with cut words.
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from parsers import parse_bytes
from parsers.document import Grid, Paragraph
from parsers.limits import Limits
from parsers.pdf import read_pdf
from parsers.pdf_glue import BROKEN_WORDS
from parsers.pdf_page import Edge
from parsers.pdf_tables import find_tables
from parsers.pdf_words import CUT, SPACED, settle

DOUBT = BROKEN_WORDS


def _grid(*cells: str) -> Grid:
    return Grid((("Kommentar", *cells),), doubt=DOUBT, doubtful=frozenset(cells))


def test_a_word_written_whole_elsewhere_joins_its_pieces() -> None:
    cell = f"Skolavslutninge{CUT}n förlöpte lugnt i år igen."
    [grid] = settle([Paragraph("Skolavslutningen gick lugnt."), _grid(cell)])[1:]
    assert isinstance(grid, Grid)
    assert grid.rows[0][1] == "Skolavslutningen förlöpte lugnt i år igen."
    # The doubt stays: the choice is a likelier reading, not a certain one.
    assert grid.doubt == DOUBT and grid.doubtful == frozenset({"Skolavslutningen förlöpte lugnt i år igen."})


def test_two_words_each_written_whole_elsewhere_keep_their_space() -> None:
    cell = f"Skadegörelse{CUT}på busskurer vid resecentrum i helgen."
    blocks = settle([Paragraph("Skadegörelse i centrum, mest på helger."), _grid(cell)])
    grid = blocks[1]
    assert isinstance(grid, Grid)
    assert grid.rows[0][1] == "Skadegörelse på busskurer vid resecentrum i helgen."
    assert grid.doubtful == frozenset({"Skadegörelse på busskurer vid resecentrum i helgen."})


def test_a_label_keeps_the_readers_choice() -> None:
    """A short text is a label or heading: split in two it would no longer name its row."""
    blocks = settle([Paragraph("Påverkans grad och påverkans nivå, grad för grad."), _grid(f"Påverkans{CUT}grad 1")])
    assert blocks[1] == _grid("Påverkansgrad 1")


def test_without_evidence_the_readers_own_choice_stands() -> None:
    blocks = settle([_grid(f"Gärningsperso{CUT}nerna uppges vara något äldre ungdomar",
                           f"Inget{SPACED}nytt att rapportera denna månad")])
    grid = blocks[0]
    assert isinstance(grid, Grid)
    assert grid.rows[0][1:] == ("Gärningspersonerna uppges vara något äldre ungdomar",
                                "Inget nytt att rapportera denna månad")


def test_a_writer_that_wraps_at_spaces_keeps_its_space_but_for_the_joined_word_itself() -> None:
    """A join the reader judged a space stays one on how words begin and end ("om" ends "som")."""
    context = Paragraph("som om som om fler orosanmälningar")
    tail = " gick lugnt i år igen"
    blocks = settle([context, _grid(f"orosanmälningar{SPACED}om barn{tail}", f"Skol{SPACED}avslutningen{tail}")])
    assert blocks[1] == _grid(f"orosanmälningar om barn{tail}", f"Skol avslutningen{tail}")
    blocks = settle([Paragraph("Skolavslutningen gick lugnt."), _grid(f"Skol{SPACED}avslutningen{tail}")])
    assert blocks[1] == _grid(f"Skolavslutningen{tail}")


def test_a_word_cut_twice_is_settled_piece_by_piece() -> None:
    text = f"Bråk mellan{CUT}grupp{CUT}er vid badplatsen i helgen"
    blocks = settle([Paragraph("Bråk mellan grupper. Fler grupper."), _grid(text)])
    grid = blocks[1]
    assert isinstance(grid, Grid)
    assert grid.rows[0][1] == "Bråk mellan grupper vid badplatsen i helgen"


def test_column_rules_from_the_top_of_a_page_to_the_bottom_are_a_table_open_at_both_ends() -> None:
    """The middle page of a row printed over three pages: no rule across at all."""
    columns = [Edge(x, 60.0, x, 530.0) for x in (80.0, 160.0, 240.0, 320.0)]
    [table] = find_tables([], columns)
    assert len(table.rows) == 1 and len(table.rows[0]) == 3
    assert table.open_top and table.open_bottom
    # Two rules make one cell, which is never a table (a framed box, a margin bar).
    assert find_tables([], columns[:2]) == []


def _long_cells() -> bytes:
    """A landscape table of four narrow question columns whose comments run over three pages."""
    sentences = [
        "Skadegörelse på busskurer och krossade rutor vid resecentrum.",
        "Fritidsgården har utökat öppettiderna på fredagar.",
        "Nattvandrare har varit ute varje fredag och lördag.",
        "Polisen har gjort flera beslag av cannabis bland unga.",
    ]
    comments = [" ".join(sentences[(q + k) % 4] for k in range(100)) for q in range(4)]
    style = ParagraphStyle("cell", fontName="Helvetica", fontSize=8.5, leading=10.5)
    head = ["Fråga", *(f"{q + 1}. " + t for q, t in enumerate(
        ("Ordningsstörningar och otrygghet", "Hot och våld", "Extremism och kriminella nätverk",
         "Ungdomar/skolor")))]
    data = [[RLParagraph(c, style) for c in head],
            [RLParagraph(c, style) for c in ("Påverkan", "3", "2", "1", "4")],
            [RLParagraph("Kommentar", style), *(RLParagraph(c, style) for c in comments)]]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4))
    table = Table(data, colWidths=[70, 150, 150, 150, 150], splitInRow=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    doc.build([RLParagraph("Lägesbild Ludvika oktober 2026", style), table])
    return buf.getvalue()


def test_a_row_printed_over_three_pages_is_read_whole() -> None:
    data = _long_cells()
    grids = [b for s in read_pdf(data, Limits()).sections for b in s.blocks if isinstance(b, Grid)]
    assert len(grids) == 1 and len(grids[0].rows) == 3
    result = parse_bytes(data, "Lägesbild.pdf")
    first = result.answers[1].comment
    assert first.startswith("Skadegörelse på busskurer") and first.endswith("bland unga.")
    assert first.count("Fritidsgården har utökat öppettiderna på fredagar.") == 25
    assert [result.answers[q].impact for q in (1, 2, 3, 4)] == [3, 2, 1, 4]


def test_a_list_items_marker_is_not_a_word_of_its_line() -> None:
    """ "• Kommun" / "en": a line of one word after its bullet may end in a cut word."""
    from parsers.pdf_glue import one_word

    assert one_word("\uf0b7 Kommun") and one_word("1. Socialtjän") and one_word("Fritidsgården")
    assert not one_word("Bråk mellan") and not one_word("• Bråk mellan")


def test_a_full_spaces_room_left_makes_a_cut_likelier_than_the_documents_words() -> None:
    """A one-word line with room for the space it lacks: joined (and flagged), not left open."""
    from parsers.pdf_glue import cell_text
    from parsers.pdf_line import Line

    # The cell's text reaches 99 points: a line and the space it keeps.
    kept = Line("Polisen har gjort flera", 10.0, 20.0, 0.0, 96.0, first_word=30.0, trailing_space=True,
                space_width=3.0)
    upper = Line("bostadsområ", 22.0, 32.0, 0.0, 95.5, first_word=95.5)  # 3.5 points left: a space fits
    lower = Line("den.", 34.0, 44.0, 0.0, 16.0, first_word=16.0)
    text, doubt = cell_text([kept, upper, lower], 100.0, 3.0)
    assert text == "Polisen har gjort flera bostadsområden." and doubt
    tight = Line("bostadsområ", 22.0, 32.0, 0.0, 97.0, first_word=97.0)  # 2 points left: no room
    text, doubt = cell_text([kept, tight, lower], 100.0, 3.0)
    assert text == f"Polisen har gjort flera bostadsområ{CUT}den." and doubt
