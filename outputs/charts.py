"""Small, deterministic PNG charts for the leadership digest (matplotlib, Agg).

One chart per question: a stacked bar per month of how many municipalities
answered at each level, in the scale's own colours, so the chart reads like
the colour table above it (green is calm, orange and red stand out at once).

Deterministic bytes: the same counts give the same PNG. The figure is drawn
off-screen on an Agg canvas (no pyplot, no global figure state, no rcParams
changes), with a fixed size, dpi and font (DejaVu Sans ships with matplotlib,
so no system font can change the result), and without PNG metadata such as
the Software tag.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

# The Agg canvas is used directly: no pyplot and no process-wide backend
# switch, so importing this module changes nothing for anyone else.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# Shown at CSS size WIDTH_PX × HEIGHT_PX, drawn at twice that for sharp
# high-dpi screens; a chart stays well under 25 KB.
WIDTH_PX = 330
HEIGHT_PX = 140
# Shown smaller in the digest mail, two charts side by side in its 600 px (560 px inside the margins);
# the same aspect, and still drawn at more than twice the shown size.
SHOWN_WIDTH_PX = 275
SHOWN_HEIGHT_PX = round(HEIGHT_PX * SHOWN_WIDTH_PX / WIDTH_PX)
_DPI = 200
_SCALE = 2

_FONT = "DejaVu Sans"
_FONT_SIZE = 6.0
_LINE = 0.5


def level_chart(
    counts: Sequence[Sequence[int]],
    month_labels: Sequence[str],
    colours: Sequence[str],
    ymax: int,
) -> bytes:
    """A stacked bar chart as PNG bytes.

    `counts[m][k]` is how many municipalities answered at the k-th level of
    the scale in month m; `colours[k]` is that level's colour ("63BE7B");
    `month_labels[m]` labels the month under its bar; `ymax` (the county's
    number of municipalities) fixes the axis, so all charts share one scale.
    A month with no answers is an empty slot, not a gap in the axis.
    """
    if len(counts) != len(month_labels):
        raise ValueError("one label per month")
    if any(len(row) != len(colours) for row in counts):
        raise ValueError("one count per level and month")
    # Styles are set on the artists, not through rcParams (global state that
    # another thread, or a matplotlibrc, could change under us).
    fig = Figure(figsize=(WIDTH_PX * _SCALE / _DPI, HEIGHT_PX * _SCALE / _DPI), dpi=_DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.07, 0.16, 0.92, 0.8))
    xs = list(range(len(counts)))
    bottoms = [0] * len(counts)
    for k, colour in enumerate(colours):
        heights = [row[k] for row in counts]
        ax.bar(xs, heights, bottom=bottoms, width=0.78, color="#" + colour.lstrip("#"),
               edgecolor="white", linewidth=0.3)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    ax.set_xlim(-0.6, len(counts) - 0.4)
    ax.set_ylim(0, max(ymax, max(bottoms, default=0), 1))
    ax.set_xticks(xs, list(month_labels))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.tick_params(colors="#444444", pad=1.5, labelsize=_FONT_SIZE, labelfontfamily=_FONT, width=_LINE)
    ax.tick_params(axis="x", length=0)
    ax.tick_params(axis="y", length=2)
    if xs:
        # The digest's own month is the last bar: bold, so the eye finds it.
        ax.get_xticklabels()[-1].set_fontweight("bold")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#888888")
        ax.spines[side].set_linewidth(_LINE)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.4)
    ax.set_axisbelow(True)
    buffer = io.BytesIO()
    # metadata: drop the Software tag (matplotlib's version) so the bytes do
    # not change with an upgrade of the library alone; no time is written.
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None}, facecolor="white",
                pil_kwargs={"optimize": True})
    return buffer.getvalue()
