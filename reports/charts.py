"""Charts as PNG: approved stories per department and per month (matplotlib, Agg, DejaVu Sans).

The object API (Figure + FigureCanvasAgg), never pyplot nor rcParams changes: no global state, so
it is safe in the worker threads the bot runs it in. Every text names DejaVu Sans, which ships
with matplotlib and has every Vietnamese diacritic, so the chart looks the same on any machine.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from reports.model import DepartmentCount, LabelCount

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT = "DejaVu Sans"
BAR = "#2E75B6"


def chart_png(
    departments: Sequence[DepartmentCount], months: Sequence[LabelCount], **texts: str
) -> bytes:
    """The chart of `chart_figure` as PNG bytes."""
    out = io.BytesIO()
    chart_figure(departments, months, **texts).savefig(out, format="png")
    return out.getvalue()


def chart_figure(
    departments: Sequence[DepartmentCount],
    months: Sequence[LabelCount],
    *,
    title: str,
    by_department: str = "Câu chuyện đã duyệt theo tổ",
    by_month: str = "Câu chuyện đã duyệt theo tháng",
    per_head: str = "bình quân/người",
    decimal: str = ",",
    stories: str = "Số câu chuyện",
    month: str = "Tháng",
    department: str = "Tổ",
) -> Figure:
    """Two panels: per department (bars, with per head as a second axis) and per month."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = max(len(departments), 1)
    height = 3.2 + 0.28 * rows + 3.0
    figure = Figure(figsize=(9, height), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(
        2, 1, height_ratios=[max(1.0, 0.28 * rows + 0.8), 2.6], squeeze=True
    )
    figure.suptitle(title, fontsize=13, fontweight="bold", family=FONT)

    names = [d.name for d in departments][::-1]
    positions = list(range(len(names)))
    top.barh(positions, [d.approved for d in departments][::-1], color=BAR)
    top.set_yticks(positions, names, family=FONT, fontsize=9)
    top.set_title(by_department, family=FONT, fontsize=11)
    top.set_xlabel(stories, family=FONT, fontsize=9)
    top.set_ylabel(department, family=FONT, fontsize=9)
    for y, d in zip(positions, list(departments)[::-1], strict=True):
        label = str(d.approved)
        if d.per_head is not None:
            label += f" ({f'{d.per_head:.2f}'.replace('.', decimal)} {per_head})"
        top.text(d.approved, y, " " + label, va="center", fontsize=8, family=FONT)
    top.margins(x=0.25)
    top.xaxis.get_major_locator().set_params(integer=True)

    labels = [m.label for m in months]
    values = [m.count for m in months]
    bottom.bar(range(len(labels)), values, color=BAR)
    bottom.set_xticks(
        range(len(labels)), labels, rotation=45 if len(labels) > 8 else 0, family=FONT, fontsize=9
    )
    bottom.set_title(by_month, family=FONT, fontsize=11)
    bottom.set_xlabel(month, family=FONT, fontsize=9)
    bottom.set_ylabel(stories, family=FONT, fontsize=9)
    bottom.yaxis.get_major_locator().set_params(integer=True)
    for x, value in enumerate(values):
        bottom.text(x, value, str(value), ha="center", va="bottom", fontsize=8, family=FONT)
    return figure
