"""The files inside an Outlook winmail.dat (TNEF, application/ms-tnef).

Outlook sends "rich text" mail as a plain body plus one winmail.dat that holds
the real attachments. Only the attachments are taken out; the RTF body and
the message properties are not needed.

Written here rather than taken from the `tnefparse` package because that
package strips trailing NUL bytes from binary MAPI values (which breaks every
.docx/.xlsx sent the Exchange way, data in PR_ATTACH_DATA_BIN: a zip ends in
NUL bytes) and decodes 8-bit names as UTF-8. The format (MS-OXTNEF):

    signature u32 0x223E9F78, key u16, then attributes:
    level u8 (1 message, 2 attachment), id u16, type u16, length u32,
    data[length], checksum u16 (sum of the data bytes mod 65536)

An attachment starts at attAttachRendData; its bytes are in attAttachData or,
from Exchange, in the PR_ATTACH_DATA_BIN property of attAttachment (a MAPI
property list), where the long file name also lives.

Pure: bytes in, files and problems (English, for the log) out; never raises
on bad input.
"""

from __future__ import annotations

import codecs
import struct
from dataclasses import dataclass, field

SIGNATURE = 0x223E9F78

LVL_MESSAGE = 1
LVL_ATTACHMENT = 2

ATT_ATTACH_DATA = 0x800F
ATT_ATTACH_TITLE = 0x8010
ATT_ATTACH_REND_DATA = 0x9002
ATT_ATTACHMENT = 0x9005
ATT_OEM_CODEPAGE = 0x9007

PR_DISPLAY_NAME = 0x3001
PR_ATTACH_DATA = 0x3701  # PR_ATTACH_DATA_BIN (binary) or PR_ATTACH_DATA_OBJ (object)
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_METHOD = 0x3705
PR_ATTACH_LONG_FILENAME = 0x3707

PT_SHORT, PT_LONG, PT_FLOAT, PT_DOUBLE, PT_CURRENCY, PT_APPTIME = 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007
PT_ERROR, PT_BOOLEAN, PT_OBJECT, PT_I8 = 0x000A, 0x000B, 0x000D, 0x0014
PT_STRING8, PT_UNICODE, PT_SYSTIME, PT_CLSID, PT_BINARY = 0x001E, 0x001F, 0x0040, 0x0048, 0x0102
MV_FLAG = 0x1000

_FIXED_SIZE = {
    # Every value is padded to a multiple of 4 bytes in TNEF (MS-OXTNEF 2.1.3.4).
    PT_SHORT: 4, PT_BOOLEAN: 4, PT_LONG: 4, PT_FLOAT: 4, PT_ERROR: 4,
    PT_DOUBLE: 8, PT_CURRENCY: 8, PT_APPTIME: 8, PT_I8: 8, PT_SYSTIME: 8,
    PT_CLSID: 16,
    0x0001: 4,  # PT_NULL, written as 4 bytes of padding by Exchange
}
_VARIABLE = frozenset({PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT})

# PR_ATTACH_DATA_OBJ of an attached Outlook item starts with IID_IMessage,
# followed by a whole TNEF stream of that item.
IID_IMESSAGE = bytes.fromhex("0703020000000000c000000000000046")

_MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class TnefFile:
    """One file found in a winmail.dat: the sender's name for it and its bytes."""

    filename: str
    content: bytes


@dataclass(slots=True)
class _Building:
    title: str = ""
    long_name: str = ""
    display_name: str = ""
    data: bytes | None = None
    embedded: list[TnefFile] = field(default_factory=list)


@dataclass(slots=True)
class _Props:
    """The MAPI properties of one attAttachment that matter here."""

    strings: dict[int, str] = field(default_factory=dict)
    binary: dict[int, bytes] = field(default_factory=dict)
    objects: dict[int, bytes] = field(default_factory=dict)


def is_tnef(data: bytes) -> bool:
    """Whether `data` starts with the TNEF signature."""
    return len(data) >= 4 and struct.unpack_from("<I", data, 0)[0] == SIGNATURE


def extract_files(data: bytes, max_files: int = 100) -> tuple[list[TnefFile], list[str]]:
    """The attached files in a TNEF stream, in order, and the problems met.

    Files without bytes (links, embedded OLE pictures) are left out with a
    problem; an attached Outlook item (a mail inside the winmail.dat) has its
    own files taken out, a few levels deep. Stops after `max_files`.
    """
    problems: list[str] = []
    files = _extract(data, max_files, problems, depth=0)
    return files, problems


def _extract(data: bytes, max_files: int, problems: list[str], depth: int) -> list[TnefFile]:
    if not is_tnef(data):
        problems.append("winmail.dat is not a TNEF stream (wrong signature)")
        return []
    codepage = "cp1252"
    done: list[_Building] = []
    current: _Building | None = None
    offset = 6  # signature + key
    while offset < len(data):
        if offset + 9 > len(data):
            problems.append("winmail.dat is truncated inside an attribute header")
            break
        level, att_id, _att_type, length = struct.unpack_from("<BHHI", data, offset)
        start = offset + 9
        end = start + length
        if end + 2 > len(data):
            problems.append("winmail.dat is truncated inside an attribute")
            break
        value = data[start:end]
        (checksum,) = struct.unpack_from("<H", data, end)
        if checksum != sum(value) & 0xFFFF:
            problems.append(f"winmail.dat attribute 0x{att_id:04x} has a bad checksum")
        offset = end + 2

        if level == LVL_MESSAGE:
            if att_id == ATT_OEM_CODEPAGE and len(value) >= 4:
                codepage = _codec_for(struct.unpack_from("<I", value, 0)[0])
            continue
        if level != LVL_ATTACHMENT:
            problems.append(f"winmail.dat has an attribute of unknown level {level}; stopped reading")
            break
        if att_id == ATT_ATTACH_REND_DATA or current is None:
            if len(done) >= max_files:
                problems.append(f"winmail.dat holds more than {max_files} attachments; the rest were not read")
                break
            current = _Building()
            done.append(current)
        if att_id == ATT_ATTACH_TITLE:
            current.title = _decode8(value, codepage)
        elif att_id == ATT_ATTACH_DATA:
            current.data = value
        elif att_id == ATT_ATTACHMENT:
            props = _read_props(value, codepage, problems)
            current.long_name = props.strings.get(PR_ATTACH_LONG_FILENAME, "") or current.long_name
            current.display_name = props.strings.get(PR_DISPLAY_NAME, "") or current.display_name
            if not current.title:
                current.title = props.strings.get(PR_ATTACH_FILENAME, "")
            if current.data is None and PR_ATTACH_DATA in props.binary:
                current.data = props.binary[PR_ATTACH_DATA]
            obj = props.objects.get(PR_ATTACH_DATA)
            if obj is not None and obj.startswith(IID_IMESSAGE):
                if depth + 1 > _MAX_DEPTH:
                    problems.append("winmail.dat nests attached Outlook items too deeply; the inner ones were skipped")
                else:
                    current.embedded = _extract(obj[len(IID_IMESSAGE):], max_files, problems, depth + 1)
    return _finish(done, max_files, problems)


def _finish(done: list[_Building], max_files: int, problems: list[str]) -> list[TnefFile]:
    files: list[TnefFile] = []
    for b in done:
        name = (b.long_name or b.title or b.display_name).strip("\x00").strip()
        if b.data is not None:
            files.append(TnefFile(name, b.data))
        elif not b.embedded:
            problems.append(f"winmail.dat attachment {name or '(unnamed)'!r} has no file data; skipped")
        files.extend(b.embedded)
    if len(files) > max_files:
        problems.append(f"winmail.dat holds more than {max_files} attachments; the rest were not read")
        del files[max_files:]
    return files


def _read_props(data: bytes, codepage: str, problems: list[str]) -> _Props:
    """The string, binary and object properties of a MAPI property list.

    Stops quietly-with-a-problem at the first thing it cannot walk past (an
    unknown property type, a length beyond the end); what came before is kept.
    """
    props = _Props()
    n = len(data)
    if n < 4:
        return props
    (count,) = struct.unpack_from("<I", data, 0)
    off = 4
    for _ in range(count):
        if off + 4 > n:
            problems.append("winmail.dat property list is truncated")
            break
        ptype, pid = struct.unpack_from("<HH", data, off)
        off += 4
        if pid >= 0x8000:  # a named property: GUID, kind, then an id or a name
            if off + 20 > n:
                problems.append("winmail.dat property list is truncated")
                break
            (kind,) = struct.unpack_from("<I", data, off + 16)
            off += 20
            if kind == 0:
                off += 4
            else:
                if off + 4 > n:
                    problems.append("winmail.dat property list is truncated")
                    break
                (name_len,) = struct.unpack_from("<I", data, off)
                off += 4 + _pad4(name_len)
        multi = bool(ptype & MV_FLAG)
        base = ptype & ~MV_FLAG
        values = 1
        if multi:
            if off + 4 > n:
                problems.append("winmail.dat property list is truncated")
                break
            (values,) = struct.unpack_from("<I", data, off)
            off += 4
        if base in _FIXED_SIZE:
            off += _FIXED_SIZE[base] * values
            continue
        if base not in _VARIABLE:
            problems.append(f"winmail.dat has a property of unknown type 0x{base:04x}; the rest were skipped")
            break
        if not multi:
            if off + 4 > n:
                problems.append("winmail.dat property list is truncated")
                break
            (values,) = struct.unpack_from("<I", data, off)
            off += 4
        items: list[bytes] = []
        for _ in range(values):
            if off + 4 > n:
                break
            (size,) = struct.unpack_from("<I", data, off)
            off += 4
            if off + size > n:
                problems.append("winmail.dat property value runs past the end")
                off = n + 1
                break
            items.append(data[off:off + size])
            off += _pad4(size)
        if off > n:
            break
        if not items or multi:
            continue
        item = items[0]
        if base == PT_UNICODE:
            props.strings[pid] = item.decode("utf-16-le", "replace").split("\x00", 1)[0]
        elif base == PT_STRING8:
            props.strings[pid] = _decode8(item, codepage)
        elif base == PT_BINARY:
            props.binary[pid] = item
        else:
            props.objects[pid] = item
    return props


def _pad4(size: int) -> int:
    return size + (-size % 4)


def _codec_for(codepage: int) -> str:
    name = {65001: "utf-8", 28591: "latin-1", 20127: "ascii"}.get(codepage, f"cp{codepage}")
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name


def _decode8(value: bytes, codepage: str) -> str:
    """An 8-bit string as Outlook wrote it (NUL-terminated, in the OEM code page)."""
    value = value.split(b"\x00", 1)[0]
    try:
        return value.decode(codepage)
    except UnicodeDecodeError:
        return value.decode("latin-1")
