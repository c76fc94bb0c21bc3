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


# --- a member's annual report (docs/support.md §16) -------------------------------------------------------------

SUMMARY_ROWS = (
    ("assigned_teachers", "Закреплено педагогов в течение года"),
    ("visits", "Посещено уроков"),
    ("low_results_visits", "из них в ШНОР"),
    ("visited_teachers", "Педагогов, чьи уроки посещены"),
    ("recommendations", "Рекомендаций по итогам посещений"),
    ("to_route", "из них включены в маршруты"),
    ("consultations", "Проведено консультаций"),
    ("individual", "индивидуальных"),
    ("group", "групповых"),
    ("in_person", "очно"),
    ("remote", "дистанционно"),
    ("minutes", "Продолжительность консультаций, минут"),
    ("consulted_teachers", "Педагогов на консультациях"),
    ("deficit_deficits", "Дефицитов у педагогов до сопровождения"),
    ("deficit_remeasured", "из них повторно продиагностировано"),
    ("deficit_closed", "из них закрыто по повторной диагностике"),
)
MONTH_HEADERS = ["Месяц", "Посещения уроков", "Консультации", "очно", "дистанционно"]
TEACHER_HEADERS = [
    "ФИО педагога",
    "Закреплён с",
    "Посещений",
    "Консультаций",
    "Дефицитов",
    "Продиагностировано повторно",
    "Закрыто",
    "Закрытые дефициты",
    "Незакрытые дефициты",
]


def report_title(report):
    return f"Отчёт методиста {report['member'].person.short_name} за {report['year']} год"


def report_summary(report):
    return [(label, report["totals"][key]) for key, label in SUMMARY_ROWS]


def report_months(report):
    return [
        [m["label"], m["visits"], m["consultations"], m["in_person"], m["remote"]] for m in report["months"]
    ]


def report_teachers(report):
    return [
        [
            t["full_name"],
            t["assigned_since"],
            t["visits"],
            t["consultations"],
            t["deficits"],
            t["remeasured"],
            t["closed"],
            t["closed_codes"],
            t["open_codes"],
        ]
        for t in report["teachers"]
    ]


def report_sheets(report):
    """The XLSX's sheets (core.exports.write_xlsx): the totals, by month, the teachers, the visits, the
    consultations."""
    visits = (
        [
            v.date,
            v.person.full_name,
            str(v.organization),
            v.subject.name if v.subject else "",
            v.topic,
            v.n_rec,
        ]
        for v in report["visits"]
    )
    consultations = (
        [c.date, c.topic, c.get_kind_display(), c.get_format_display(), c.duration, c.n_teachers]
        for c in report["consultations"]
    )
    return [
        ("Итоги", [report_title(report), "Значение"], report_summary(report)),
        ("По месяцам", MONTH_HEADERS, report_months(report)),
        ("Педагоги", TEACHER_HEADERS, report_teachers(report)),
        ("Посещения", ["Дата", "Педагог", "Организация", "Предмет", "Тема урока", "Рекомендаций"], visits),
        ("Консультации", ["Дата", "Тема", "Вид", "Формат", "Минут", "Педагогов"], consultations),
    ]


def _table(doc, headers, rows):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            if value is None:
                value = ""
            cell.text = value.strftime("%d.%m.%Y") if hasattr(value, "strftime") else str(value)
    return table


def report_docx(report):
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(f"Отчёт члена регионального методического актива за {report['year']} год").bold = True
    member = report["member"]
    doc.add_paragraph(f"{member.person.full_name}; направления: {'; '.join(member.direction_labels)}")
    doc.add_paragraph("Итоги", style="Heading 2")
    _table(doc, ["Показатель", "Значение"], report_summary(report))
    doc.add_paragraph("По месяцам", style="Heading 2")
    _table(doc, MONTH_HEADERS, report_months(report))
    doc.add_paragraph("Педагоги", style="Heading 2")
    _table(doc, TEACHER_HEADERS, report_teachers(report))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
