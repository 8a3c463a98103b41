"""A written workbook is read back before anyone is told it exists (issue 14, item 6).

`verify_xlsx(data)` opens the .xlsx bytes as Excel would need to: every XML
part must be well-formed XML 1.0 (a single U+FFFE in a comment made the whole
year's workbook unreadable while `compile` reported success), and openpyxl
must load the workbook. Raises `UnreadableOutput` saying which part failed.
"""

from __future__ import annotations

import io
import zipfile

from defusedxml import ElementTree
from openpyxl import load_workbook

from ground.errors import LagesbildError


class UnreadableOutput(LagesbildError):
    """A file the program wrote would not open; nothing was handed on."""


def verify_xlsx(data: bytes) -> None:
    """Raise UnreadableOutput unless `data` is an .xlsx whose every XML part parses and that openpyxl opens."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if name.endswith((".xml", ".rels")):
                    ElementTree.fromstring(archive.read(name))
        load_workbook(io.BytesIO(data), read_only=True).close()
    except UnreadableOutput:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to read it back is the finding
        where = getattr(exc, "position", None)
        raise UnreadableOutput(f"the workbook does not open: {type(exc).__name__}: {exc}"
                               + (f" (at {where})" if where else "")) from exc
