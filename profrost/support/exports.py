"""The register of the methodological asset as a spreadsheet (the rows the viewer sees, with the filters of the
page). SNILS only for the region's staff, who see every person in it (docs/security.md, "Sensitive fields").
The register as an order's appendix, DOCX and PDF (as routes/document.py makes a route's)."""

import io

from django.template.loader import render_to_string
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from profrost.people.models import Employment

REGISTER_HEADERS = [
    "ФИО",
    "Направления",
    "Предметные области",
    "Зона",
    "Форма привлечения",
    "Статус",
    "В активе с",
    "В активе по",
    "Приказ",
    "Дата приказа",
    "Закреплено педагогов",
    "Обоснование включения",
    "Причина исключения",
]


def register_rows(members, with_snils=False):
    """members: AssetMember rows annotated with `load` (with_load), person, order, zone and subjects fetched."""
    for m in members:
        row = [
            m.person.full_name,
            "; ".join(m.direction_labels),
            "; ".join(s.name for s in m.subjects.all()),
            "; ".join(z.name for z in m.zone.all()),
            m.get_engagement_display(),
            m.get_status_display(),
            m.start,
            m.end,
            m.order.number if m.order else "",
            m.order.date if m.order else None,
            m.load,
            m.justification,
            m.exclusion_reason,
        ]
        yield ([m.person.snils_display] if with_snils else []) + row


def register_headers(with_snils=False):
    return (["СНИЛС"] if with_snils else []) + REGISTER_HEADERS


# --- the register as the order's appendix (docs/support.md §15) -------------------------------------------------

APPENDIX_HEADERS = ["№", "ФИО", "Должность", "Организация", "Направления", "Зона"]


def appendix_title(order):
    return f"Приложение к приказу № {order.number} от {order.date:%d.%m.%Y}"


def appendix_rows(members):
    """[№, ФИО, должность, организация, направления, зона] of the order's members, by name; the position and the
    organization of each member's current main job (the first current one)."""
    jobs = {}
    for job in (
        Employment.objects.current()
        .filter(person_id__in=[m.person_id for m in members])
        .select_related("organization", "position")
        .order_by("person_id", "-is_main", "pk")
    ):
        jobs.setdefault(job.person_id, job)
    ordered = sorted(members, key=lambda m: (m.person.full_name, m.pk))
    rows = []
    for n, m in enumerate(ordered, 1):
        job = jobs.get(m.person_id)
        rows.append(
            [
                str(n),
                m.person.full_name,
                job.position.name if job else "",
                str(job.organization) if job else "",
                "; ".join(m.direction_labels),
                "; ".join(sorted(z.name for z in m.zone.all())),
            ]
        )
    return rows


def appendix_docx(order, members):
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    head = doc.add_paragraph(appendix_title(order))
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("Состав регионального методического актива").bold = True
    table = doc.add_table(rows=1, cols=len(APPENDIX_HEADERS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, APPENDIX_HEADERS, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in appendix_rows(members):
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def appendix_pdf(order, members):
    import weasyprint  # ~1 s to import: loaded by the PDF export only, as routes/document.py does

    html = render_to_string(
        "support/appendix_pdf.html",
        {"title": appendix_title(order), "headers": APPENDIX_HEADERS, "rows": appendix_rows(members)},
    )
    return weasyprint.HTML(string=html).write_pdf()
