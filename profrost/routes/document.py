"""The route as a document in the template's structure (seed 002_…, «Индивидуальный образовательный
маршрут»): header fields, goal, period, the roadmap table by sections, signature lines — as DOCX
(python-docx) and PDF (WeasyPrint, DejaVu fonts for Cyrillic)."""

import io
import zipfile

from profrost.routes.models import Section

COLUMNS = [
    "Содержание работы (мероприятие)",
    "Дополнительная информация (форма обучения, трудоёмкость (кол-во часов) и пр.)",
    "Сроки",
    "Рефлексивный отчёт",
]
PARTS = [
    (
        "1. Мероприятия, направленные на получение знаний и формирование или совершенствование умений для решения "
        "профессиональных задач",
        [Section.PROGRAMS, Section.INTERNSHIP, Section.EVENTS, Section.COMMUNITIES],
    ),
    (
        "2. Мероприятия, направленные на трансляцию / презентацию личного опыта",
        [Section.EXPERIENCE, Section.MATERIALS],
    ),
    ("3. Наставничество", [Section.MENTORING]),
]


def _date(d):
    return d.strftime("%d.%m.%Y") if d else ""


def document_data(route):
    """Everything the document shows, computed once for both formats."""
    from django.db.models import Q

    from profrost.people.models import Employment

    person = route.person
    jobs = list(
        Employment.objects.filter(person=person)
        .filter(Q(end__isnull=True) | Q(end__gte=route.start))
        .select_related("organization__municipality", "position")
        .prefetch_related("subjects")
        .order_by("-is_main", "pk")
    )
    job = jobs[0] if jobs else None
    result = route.result
    deficits = list(route.deficits.order_by("code").values_list("code", "name"))
    header = [
        ("ФИО педагога", person.full_name),
        (
            "Муниципальное образование",
            job.organization.municipality.name if job and job.organization.municipality else "",
        ),
        ("Образовательная организация", job.organization.name if job else ""),
        ("Должность", job.position.name if job else ""),
        (
            "Преподаваемый предмет (для должности «учитель»)",
            ", ".join(s.name for s in job.subjects.all()) if job else "",
        ),
        ("Дата прохождения теста", _date(result.taken_on) if result else ""),
        (
            "Уровень профессиональных дефицитов",
            (f"{result.level}; дефициты: " if result and result.level else "")
            + "; ".join(f"{c} {n}" for c, n in deficits),
        ),
    ]
    items = list(route.items.order_by("section", "position", "pk"))
    parts = []
    for title, sections in PARTS:
        rows = []
        for section in sections:
            rows.append(("section", Section(section).label, None))
            for item in items:
                if item.section == section:
                    extra = ", ".join(x for x in [item.form, f"{item.hours} ч" if item.hours else ""] if x)
                    terms = " — ".join(x for x in [_date(item.start), _date(item.end)] if x)
                    rows.append(("item", [item.content, extra, terms, item.report], item))
        parts.append((title, rows))
    return {"route": route, "person": person, "header": header, "parts": parts}


def route_docx(route):
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    data = document_data(route)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    approve = doc.add_paragraph(
        "Утверждаю\nРуководитель ЦНППМ\n_______________ / _______________ /\n«___» ____________ 20___ г."
    )
    approve.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("Индивидуальный образовательный маршрут").bold = True
    doc.add_paragraph("1. Общие сведения о педагоге / руководителе:")
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in data["header"]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.add_paragraph()
    doc.add_paragraph(f"2. Цель реализации ИОМ – {route.goal}")
    doc.add_paragraph("3. Дорожная карта реализации ИОМ")
    doc.add_paragraph("Продолжительность прохождения ИОМ")
    doc.add_paragraph(f"Начало {_date(route.start)}")
    doc.add_paragraph(f"Окончание {_date(route.end)}")
    for title, rows in data["parts"]:
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, COLUMNS, strict=True):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
        merged = table.add_row().cells
        merged[0].merge(merged[3]).text = title
        for kind, value, _ in rows:
            cells = table.add_row().cells
            if kind == "section":
                cell = cells[0].merge(cells[3])
                cell.text = value
                cell.paragraphs[0].runs[0].italic = True
            else:
                for cell, text in zip(cells, value, strict=True):
                    cell.text = text or ""
        doc.add_paragraph()
    doc.add_paragraph("Педагог: _______________ / " + route.person.full_name + " /")
    doc.add_paragraph("Уполномоченный ОО: _______________ / _______________ /")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def route_pdf(route, request=None):
    import weasyprint
    from django.template.loader import render_to_string

    html = render_to_string(
        "routes/route_pdf.html", {**document_data(route), "columns": COLUMNS}, request=request
    )
    return weasyprint.HTML(string=html).write_pdf()


def routes_zip(routes, fmt):
    """Many routes as one ZIP, a file per route named by the person."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for route in routes:
            body = route_docx(route) if fmt == "docx" else route_pdf(route)
            z.writestr(f"ИОМ-{route.person.last_name}-{route.pk}.{fmt}", body)
    return out.getvalue()
