"""The configuration reference in README.md, generated from config.example.toml.

`python -m lagesbild.docs` prints the Markdown; a test checks that README.md
holds exactly that between its markers, so the two never disagree.
"""

from __future__ import annotations

import re
import sys

from lagesbild.config import default_config_text

START = "<!-- config-reference:start -->"
END = "<!-- config-reference:end -->"


def config_reference(text: str | None = None) -> str:
    """One table per configuration table: key, built-in default, and what it means."""
    text = text if text is not None else default_config_text()
    out: list[str] = []
    comments: list[str] = []
    table_notes: list[str] = []
    seen_tables: set[str] = set()
    current = ""
    repeat = False
    skip_array = 0
    for line in text.splitlines():
        stripped = line.strip()
        if skip_array:
            skip_array += stripped.count("[") - stripped.count("]")
            continue
        if stripped.startswith("#"):
            comments.append(stripped.lstrip("#").strip())
            continue
        if not stripped:
            if not current:
                comments = []
            continue
        header = re.match(r"^\[\[?([^\]]+)\]\]?$", stripped)
        if header:
            current = header.group(1)
            repeat = current in seen_tables
            if repeat:  # the second [[municipalities]] and on: one example is enough
                comments = []
                continue
            seen_tables.add(current)
            array = stripped.startswith("[[")
            out.append(f"\n### `[{'[' if array else ''}{current}{']' if array else ''}]`\n")
            table_notes = [c for c in comments if c]
            if table_notes:
                out.append(" ".join(table_notes) + "\n")
            out.append("| key | default | meaning |\n|---|---|---|")
            comments = []
            continue
        key = re.match(r"^([A-Za-z_][\w-]*)\s*=\s*(.*)$", stripped)
        if key and not current:  # top-level keys (e.g. `signals = []`) are not in the example
            comments = []
            continue
        if key and current and not repeat:
            value = key.group(2)
            if value.startswith("[") and value.count("[") > value.count("]"):
                skip_array = value.count("[") - value.count("]")
                value = "[…]"
            meaning = " ".join(c for c in comments if c).replace("|", "\\|")
            shown = value.replace("|", "\\|")
            if len(shown) > 60:
                shown = shown[:57] + "…"
            out.append(f"| `{key.group(1)}` | `{shown}` | {meaning} |")
            comments = []
    return "\n".join(out).strip() + "\n"


def main() -> None:
    sys.stdout.write(config_reference())


if __name__ == "__main__":
    main()
