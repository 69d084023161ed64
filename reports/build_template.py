"""Build the default report template: `python -m reports.build_template` (bao_cao.docx).

The school may edit the .docx in Word (fonts, wording, the list of recipients): the {{ … }} and
{% … %} tags are docxtpl's Jinja and must stay whole. This script only rebuilds the default.
The layout follows Nghị định 30/2020/NĐ-CP (form of an administrative report): the parent body
above the issuing body, the national title and motto, the number left blank for the clerk, place
and date, the kind and title, the body, "Nơi nhận" and the signature block.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

TEMPLATE = Path(__file__).parent / "templates" / "bao_cao.docx"
FONT = "Times New Roman"
CENTER, RIGHT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)


def _para(
    where: DocumentObject | _Cell,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: float | None = None,
    align: int | None = None,
    space_after: float = 0,
    indent: bool = False,
) -> Paragraph:
    paragraph = where.add_paragraph()
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    if indent:
        fmt.first_line_indent = Mm(10)
    return paragraph


def _no_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _first(cell: _Cell) -> _Cell:
    """A new cell has one empty paragraph; drop it so _para() adds from the top."""
    for paragraph in list(cell.paragraphs):
        paragraph._element.getparent().remove(paragraph._element)
    return cell


def _grid(document: DocumentObject, headers: list[str], widths: list[float]) -> Table:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header, width in zip(table.rows[0].cells, headers, widths, strict=True):
        cell.width = Mm(width)
        _para(_first(cell), header, bold=True, align=CENTER, size=12)
    return table


def _row(table: Table, cells: list[str], widths: list[float]) -> None:
    row = table.add_row()
    for cell, text, width in zip(row.cells, cells, widths, strict=True):
        cell.width = Mm(width)
        _para(_first(cell), text, size=12)


def _loop_row(table: Table, tag: str, widths: list[float]) -> None:
    """A docxtpl row tag ({%tr …%}): the whole row is replaced by the loop's start or end."""
    _row(table, [tag] + [""] * (len(widths) - 1), widths)


def build(path: Path = TEMPLATE) -> Path:
    """Write the default template to `path`."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)

    # Header: issuing body on the left, national title on the right.
    head = document.add_table(rows=2, cols=2)
    _no_borders(head)
    left, right = _first(head.cell(0, 0)), _first(head.cell(0, 1))
    left.width, right.width = Mm(70), Mm(95)
    _para(left, "{{ parent_name|upper }}", align=CENTER, size=12)
    _para(left, "{{ org_name|upper }}", bold=True, align=CENTER, size=12)
    _para(left, "HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG", bold=True, align=CENTER, size=12)
    _para(left, "Số:        /BC-HĐTĐKT", align=CENTER, size=13)
    _para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align=CENTER, size=12)
    _para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, underline=True, align=CENTER)
    _first(head.cell(1, 0))
    _para(head.cell(1, 0), "")
    _para(_first(head.cell(1, 1)), "{{ place_date }}", italic=True, align=CENTER, space_after=12)

    # Kind and title.
    _para(document, "BÁO CÁO", bold=True, align=CENTER, size=14)
    _para(document, "Kết quả phong trào thi đua {{ subject }}", bold=True, align=CENTER, size=14)
    _para(document, "{{ scope_line }}", italic=True, align=CENTER, space_after=12)

    # Body: the figures.
    _para(document, "I. KẾT QUẢ THỰC HIỆN", bold=True, space_after=6)
    _para(
        document,
        "Trong {{ period_text }}, Hội đồng Thi đua – Khen thưởng đã tiếp nhận {{ total }} câu "
        "chuyện người tốt, việc tốt do cán bộ, giáo viên, nhân viên gửi về; đã duyệt {{ approved }}"
        ", không duyệt {{ rejected }}, đang chờ xét {{ pending }}, đề nghị bổ sung {{ changes }}"
        " câu chuyện.",
        align=JUSTIFY,
        indent=True,
        space_after=6,
    )
    _para(document, "Số câu chuyện đã duyệt theo tổ chuyên môn:", indent=True, space_after=6)
    widths = [10.0, 60.0, 30.0, 30.0, 35.0]
    table = _grid(
        document, ["STT", "Tổ chuyên môn", "Số người", "Đã duyệt", "Bình quân/người"], widths
    )
    _loop_row(table, "{%tr for d in departments %}", widths)
    _row(
        table,
        [
            "{{ loop.index }}",
            "{{ d.name }}",
            "{{ d.heads }}",
            "{{ d.approved }}",
            "{{ d.per_head }}",
        ],
        widths,
    )
    _loop_row(table, "{%tr endfor %}", widths)
    _para(document, "", space_after=6)
    _para(
        document,
        "{% if top_authors %}Cá nhân tích cực gửi câu chuyện: {{ top_authors }}.{% endif %}",
        align=JUSTIFY,
        indent=True,
    )
    _para(
        document,
        "{% if top_nominees %}Cá nhân được nêu gương nhiều nhất: {{ top_nominees }}.{% endif %}",
        align=JUSTIFY,
        indent=True,
    )
    _para(
        document,
        "{% if registrations %}Đăng ký danh hiệu thi đua: {{ registrations }}.{% endif %}",
        align=JUSTIFY,
        indent=True,
        space_after=6,
    )

    # Body: the commendations proposed and confirmed.
    _para(document, "II. ĐỀ NGHỊ KHEN THƯỞNG", bold=True, space_after=6)
    _para(
        document,
        "{% if proposals %}Hội đồng đề nghị khen thưởng {{ proposals|length }} cá nhân, tập thể "
        "sau đây (đã được Chủ tịch Hội đồng xác nhận):{% else %}Chưa có đề nghị khen thưởng nào "
        "được Chủ tịch Hội đồng xác nhận.{% endif %}",
        align=JUSTIFY,
        indent=True,
        space_after=6,
    )
    widths = [10.0, 45.0, 25.0, 40.0, 35.0, 20.0]
    table = _grid(
        document,
        ["STT", "Cá nhân, tập thể", "Đơn vị", "Thành tích", "Hình thức", "Cấp khen"],
        widths,
    )
    _loop_row(table, "{%tr for p in proposals %}", widths)
    _row(
        table,
        [
            "{{ p.number }}",
            "{{ p.nominee }}",
            "{{ p.department }}",
            "{{ p.achievement }}",
            "{{ p.form }}",
            "{{ p.level }}",
        ],
        widths,
    )
    _loop_row(table, "{%tr endfor %}", widths)
    _para(
        document,
        "{% if pending_proposals %}Ngoài ra còn {{ pending_proposals }} đề nghị đang chờ Chủ tịch "
        "Hội đồng xác nhận.{% endif %}",
        align=JUSTIFY,
        indent=True,
        space_after=12,
    )

    # Recipients and signature.
    foot = document.add_table(rows=1, cols=2)
    _no_borders(foot)
    left, right = _first(foot.cell(0, 0)), _first(foot.cell(0, 1))
    left.width, right.width = Mm(85), Mm(80)
    _para(left, "Nơi nhận:", bold=True, italic=True, size=12)
    _para(left, "{%p for r in recipients %}")
    _para(left, "- {{ r }};", size=11)
    _para(left, "{%p endfor %}")
    _para(left, "- Lưu: VT, HĐTĐKT.", size=11)
    _para(right, "TM. HỘI ĐỒNG", bold=True, align=CENTER)
    _para(right, "CHỦ TỊCH", bold=True, align=CENTER, space_after=60)
    _para(right, "{{ chair_name }}", bold=True, align=CENTER)

    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def main() -> int:
    """Rebuild the default template; print where it went."""
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
