"""Reading a file never runs code from it, never touches the network and never writes to disk.

Two kinds of evidence. A static one: the modules a received file passes
through (the MIME reader, the format readers, the sandbox) import nothing
that starts programs or loads code, and call nothing that writes files. A
dynamic one: every attachment of the hostile corpus (macro-enabled files,
external entities pointing at a live URL, bombs, lying names ...) is read in a
separate process under a Python audit hook (PEP 578), which records any
attempt to start a process, open a socket, resolve a name, or open a file
for writing while the parsers run.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every module a received file's bytes pass through before they are stored.
FILE_PATH_MODULES = sorted({*ROOT.glob("parsers/*.py"), ROOT / "ingest/message.py", ROOT / "ingest/headers.py",
                            ROOT / "ingest/header_fields.py", ROOT / "ingest/parts.py", ROOT / "ingest/attachments.py",
                            ROOT / "ingest/html_text.py", ROOT / "ingest/tnef.py", ROOT / "ingest/classify.py",
                            ROOT / "ingest/route.py", ROOT / "flow/sandbox.py", ROOT / "flow/decide.py"})
FORBIDDEN_IMPORTS = {"subprocess", "pty", "ctypes", "cffi", "pickle", "marshal", "shelve", "yaml", "tempfile",
                     "shutil", "socket", "urllib.request", "http.client", "requests", "httpx", "code", "runpy"}
FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__", "breakpoint"}
FORBIDDEN_METHODS = {"system", "popen", "execv", "execve", "execvp", "spawnv", "posix_spawn", "startfile", "extract",
                     "extractall", "write_bytes", "write_text", "mkdir", "makedirs", "rename", "remove", "unlink",
                     "rmtree", "symlink_to", "touch", "import_module"}


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return names


def _calls(tree: ast.AST) -> set[str]:
    """Builtins called by name, and methods called by attribute (re.compile is not compile)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_BUILTINS:
                out.add(func.id)
            elif isinstance(func, ast.Attribute) and func.attr in FORBIDDEN_METHODS:
                if func.attr == "extract" and isinstance(func.value, ast.Name) and func.value.id == "text":
                    continue  # parsers.text.extract: reading answers out of a Document, not unzipping
                out.add(f".{func.attr}")
    return out


def _opens_for_writing(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
            modes = [a for a in node.args[1:2]] + [k.value for k in node.keywords if k.arg == "mode"]
            if any(isinstance(m, ast.Constant) and set(str(m.value)) & set("wax+") for m in modes):
                lines.append(node.lineno)
    return lines


# The PDF page reader hands pdfium's raw functions (which pypdfium2 calls through
# ctypes) value buffers to fill: ctypes there may only make numbers and pointers
# to them, never load a library, cast memory or call anything itself.
ALLOWED_IMPORTS = {"parsers/pdf_page.py": {"ctypes"}}
CTYPES_VALUES = {"c_float", "c_double", "c_int", "c_uint", "c_ushort", "c_char", "byref", "sizeof"}


def _ctypes_uses(tree: ast.AST) -> set[str]:
    return {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "ctypes"}


def test_the_modules_a_file_passes_through_cannot_start_programs_load_code_or_write_files() -> None:
    assert len(FILE_PATH_MODULES) >= 20
    problems = []
    for path in FILE_PATH_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(ROOT)
        allowed = ALLOWED_IMPORTS.get(rel.as_posix(), set())
        if bad := {n for n in _imports(tree) if n not in allowed and (
                n in FORBIDDEN_IMPORTS or n.split(".")[0] in FORBIDDEN_IMPORTS)}:
            problems.append(f"{rel} imports {sorted(bad)}")
        if "ctypes" in allowed and (beyond := _ctypes_uses(tree) - CTYPES_VALUES):
            problems.append(f"{rel} uses ctypes beyond value buffers: {sorted(beyond)}")
        if calls := _calls(tree):
            problems.append(f"{rel} calls {sorted(calls)}")
        if lines := _opens_for_writing(tree):
            problems.append(f"{rel} opens a file for writing on line(s) {lines}")
    assert problems == []


_AUDITED_READ = r"""
import json, sys
from ingest.message import read_message
from parsers import parse_bytes, warm_up
from parsers.form import default_form
from parsers.limits import Limits
from tests.builders import hostile as H

files = []
for case in H.CASES:
    if case.slow:
        continue  # the slow PDF is stopped by the sandbox's clock, not in-process; read_message covers the rest
    raw = case.build(H.BuildContext(sys.argv[1]))
    files += [(case.id, a.filename, a.content) for a in read_message(raw).attachments]
form, limits = default_form(), Limits(seconds_per_file=5)
warm_up()
parse_bytes(H.form_docx(), "warm.docx", form, limits)  # imports everything a reader imports lazily

WATCHED = ("subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
           "socket.", "urllib.", "http.", "ctypes.", "os.rename", "os.remove", "os.rmdir", "os.mkdir",
           "shutil.", "os.symlink", "os.link", "os.truncate", "os.chmod", "os.chown", "os.unlink", "webbrowser.")
events = []

def hook(event, args):
    if event.startswith(WATCHED):
        events.append([event, repr(args)[:200]])
    elif event == "open":
        path, mode, flags = (list(args) + [None, None])[:3]
        writing = (isinstance(mode, str) and set(mode) & set("wax+")) or (isinstance(flags, int) and flags & 0o3)
        if writing and path not in ("/dev/null",):
            events.append([event, repr(args)[:200]])

sys.addaudithook(hook)
results = {}
for case_id, name, data in files:
    before = len(events)
    result = parse_bytes(data, name, form, limits)
    results.setdefault(case_id, []).append([result.format.value, result.unreadable, len(events) - before])
seen = list(events)
import socket
socket.socket().close()  # the probe: proves the hook sees what it watches
print(json.dumps({"events": seen, "probe": events[len(seen):], "files": len(files), "results": results}))
"""


def test_reading_every_hostile_attachment_starts_nothing_connects_nowhere_and_writes_nothing(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _AUDITED_READ, "http://127.0.0.1:9/xxe"], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["probe"] and report["probe"][0][0].startswith("socket.")  # the hook works ...
    assert report["events"] == []  # ... and saw nothing while the files were read
    assert report["files"] >= 45
    results = report["results"]
    # The macro-enabled files were read (as what they are), not refused and not run.
    assert results["docm_macros"] == [["docm", False, 0]]
    assert results["xlsm_macros"] == [["xlsm", False, 0]]
    assert all(unreadable for _, unreadable, _ in results["xlsx_xxe_http"] + results["docx_external_dtd_http"])
