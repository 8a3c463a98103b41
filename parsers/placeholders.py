"""Text that Word, LibreOffice or our blank form shows in an empty field: never an answer."""

from __future__ import annotations

from parsers.normalize import fold

_PLACEHOLDERS = {
    fold(p)
    for p in (
        "Klicka eller tryck här för att ange text.", "Click or tap here to enter text.",
        "Klicka här för att ange text.", "Click here to enter text.", "Välj ett objekt.",
        "Choose an item.", "Skriv kommentar här", "Skriv kommunens namn", "Välj påverkan 1–5",
        "Skriv här", "Ange kommentar", "Ange månad", "Skriv område, om rapporten gäller en del av kommunen",
    )
}

def is_placeholder(text: str) -> bool:
    """Text that Word or our blank form shows in an empty field."""
    return fold(text).strip() in _PLACEHOLDERS
