"""The chart's own texts (issue 17, item 37): axis titles, and a title that names the school."""

from __future__ import annotations

from reports.charts import chart_figure
from reports.model import DepartmentCount, LabelCount


def test_the_chart_has_axis_titles_and_its_title_names_the_school() -> None:
    figure = chart_figure(
        [DepartmentCount("Tổ 1", 2, 3), DepartmentCount("Tổ 2", 2, 1)],
        [LabelCount("09/2026", 1), LabelCount("10/2026", 3)],
        title="Trường Tiểu học Thượng Thanh\nThi đua – năm học 2026–2027",
        stories="Số câu chuyện",
        month="Tháng",
        department="Tổ",
    )
    top, bottom = figure.axes[:2]
    assert figure.get_suptitle().startswith("Trường Tiểu học Thượng Thanh")
    assert (top.get_xlabel(), top.get_ylabel()) == ("Số câu chuyện", "Tổ")
    assert (bottom.get_xlabel(), bottom.get_ylabel()) == ("Tháng", "Số câu chuyện")
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["09/2026", "10/2026"]
