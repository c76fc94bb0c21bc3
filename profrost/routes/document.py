"""The route as a document in the template's structure (seed 002_…, «Индивидуальный образовательный
маршрут»): header fields, goal, period, the roadmap table by sections, signature lines — as DOCX
(python-docx) and PDF (WeasyPrint, DejaVu fonts for Cyrillic)."""

import io
import re
import zipfile

from django.template.loader import render_to_string
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from profrost.core.exports import file_name
from profrost.diagnostics.models import CompetenceResult
from profrost.people.models import Employment
from profrost.resources.models import Community, CommunityKind
from profrost.routes.models import Section
from profrost.routes.proposals import NOT_A_MEMBER, member_statuses

COLUMNS = [
    "Содержание работы (мероприятие)",
    "Дополнительная информация (форма обучения, трудоёмкость (кол-во часов) и пр.)",
    "Сроки",
    "Рефлексивный отчёт",
]
# The roadmap as the template lays it out: two tables (section 1; sections 2 and 3), each opening with the
# column headings; the template's own wording of every section, its italic sub-column rows (1.4, 2.1, 2.2)
# and the two fixed rows of section 3.
PART_1 = (
    "1. Мероприятия, направленные на получение знаний и формирование или совершенствование умений для решения "
    "профессиональных задач"
)
PART_2 = "2. Мероприятия, направленные на трансляцию / презентацию личного опыта"
PART_3 = "3. Наставничество"
SECTION_TITLES = {
    Section.PROGRAMS: "1.1. Обучение по дополнительным профессиональным программам повышения квалификации "
    "и/или профессиональной переподготовки",
    Section.INTERNSHIP: "1.2. Стажировка (индивидуальная или групповая)",
    Section.EVENTS: "1.3. Мероприятия, направленные на профессиональное развитие и обмен опытом (форум, "
    "конференция, семинар, вебинар, мастер-класс, конкурс, посещение урочных и внеурочных занятий "
    "учителей-методистов и пр.)",
    Section.COMMUNITIES: "1.4. Работа в профессиональных сообществах, методических объединениях",
    Section.EXPERIENCE: "2.1. Представление личного опыта",
    Section.MATERIALS: "2.2. Разработка собственных методических, учебно-методических материалов",
}
SUB_COMMUNITY = ("Наименование профессионального сообщества", "Содержание работы")
SUB_ASSOCIATION = ("Наименование методического объединения", "Статус педагога в методическом объединении")
SUB_EXPERIENCE = ("Тема", "Мероприятие, на котором представлен опыт")
SUB_MATERIALS = ("Наименование продукта (материалов)", "Где представлены, размещены, используются")
WITH_MENTOR = ("Работа с наставником", "Основные направления работы с наставником")
AS_MENTOR = (
    "Работа в качестве наставника",
    "Должность педагога, у которого является наставником, основные направления работы",
)
# Methodological associations (an МО, a section of the РУМО); the other kinds are professional communities.
ASSOCIATION_KINDS = (CommunityKind.ASSOCIATION, CommunityKind.RUMO)


def _date(d):
    return d.strftime("%d.%m.%Y") if d else ""


def _percent(value):
    return f"{value.normalize():f}".replace(".", ",")


def deficit_level(route):
    """«Уровень профессиональных дефицитов»: the route's deficits by severity, as the diagnosis measured them
    (the overall result level is not it: «низкий» would read as "few deficits")."""
    measured = {}
    if route.result_id:
        measured = {
            cr.competence_id: cr
            for cr in CompetenceResult.objects.filter(result_id=route.result_id, is_deficit=True)
        }
    severe, plain = [], []
    for competence in route.deficits.order_by("code"):
        cr = measured.get(competence.pk)
        text = f"{competence.code} {competence.name}" + (f" ({_percent(cr.percent)} %)" if cr else "")
        (severe if cr and cr.is_severe else plain).append(text)
    parts = []
    if severe:
        parts.append("выраженный дефицит: " + ", ".join(severe))
    if plain:
        parts.append("дефицит: " + ", ".join(plain))
    if parts:
        return "; ".join(parts)
    # A route made by hand may have no diagnosis behind it at all.
    return "дефициты не выявлены" if route.result_id else "диагностика не проводилась"


def _row(item, first=None, second=None):
    extra = ", ".join(x for x in [item.form, f"{item.hours} ч" if item.hours else ""] if x)
    terms = " — ".join(x for x in [_date(item.start), _date(item.end)] if x)
    return (
        "item",
        [item.content if first is None else first, extra if second is None else second, terms, item.report],
        item,
    )


def _community_rows(person, items):
    """1.4 under the template's two sub-column rows: communities (name, content of work) and methodological
    associations (name, the teacher's status); every line says the work and the real membership status."""
    ids = {i.community_id for i in items if i.community_id}
    kinds = dict(Community.objects.filter(pk__in=ids).values_list("pk", "kind"))
    statuses = member_statuses([person.pk], ids)
    communities, associations = [], []
    for item in items:
        if not item.community_id:
            communities.append(_row(item))
            continue
        # The stored text may carry a status written when the line was made; the membership decides.
        work = (
            re.sub(r"[,;]?\s*(статус:[^,;]*|не состоит[^,;]*)", "", item.form).strip(" ,;")
            or "участие в работе"
        )
        status = statuses.get((person.pk, item.community_id)) or NOT_A_MEMBER
        if kinds.get(item.community_id) in ASSOCIATION_KINDS:
            associations.append(_row(item, second=f"статус: {status}; {work}"))
        else:
            communities.append(_row(item, second=f"{work}; статус: {status}"))
    return [("subhead", SUB_COMMUNITY, None), *communities, ("subhead", SUB_ASSOCIATION, None), *associations]


def _mentoring_rows(items):
    """Section 3: the template's two fixed rows, each line under its own."""
    as_mentor = [i for i in items if "в качестве наставника" in i.content.lower()]
    with_mentor = [i for i in items if i not in as_mentor]
    return [
        ("subhead", WITH_MENTOR, None),
        *[_row(i) for i in with_mentor],
        ("subhead", AS_MENTOR, None),
        *[_row(i) for i in as_mentor],
    ]


def document_data(route):
    """Everything the document shows, computed once for both formats: the jobs are those held on the route's
    start."""
    person = route.person
    jobs = list(
        Employment.objects.filter(person=person)
        .active_on(route.start)
        .select_related("organization__municipality", "position")
        .prefetch_related("subjects")
        .order_by("-is_main", "pk")
    )
    job = jobs[0] if jobs else None
    result = route.result
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
        ("Уровень профессиональных дефицитов", deficit_level(route)),
    ]
    items = list(route.items.order_by("section", "position", "pk"))

    def of(section):
        return [i for i in items if i.section == section]

    first = [("part", PART_1, None)]
    for section in (Section.PROGRAMS, Section.INTERNSHIP, Section.EVENTS):
        first += [("section", SECTION_TITLES[section], None), *[_row(i) for i in of(section)]]
    first += [
        ("section", SECTION_TITLES[Section.COMMUNITIES], None),
        *_community_rows(person, of(Section.COMMUNITIES)),
    ]
    second = [
        ("part", PART_2, None),
        ("section", SECTION_TITLES[Section.EXPERIENCE], None),
        ("subhead", SUB_EXPERIENCE, None),
        *[_row(i) for i in of(Section.EXPERIENCE)],
        ("section", SECTION_TITLES[Section.MATERIALS], None),
        ("subhead", SUB_MATERIALS, None),
        *[_row(i) for i in of(Section.MATERIALS)],
        ("part", PART_3, None),
        *_mentoring_rows(of(Section.MENTORING)),
    ]
    return {"route": route, "person": person, "header": header, "tables": [first, second]}


def route_docx(route):
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
    if route.origin_text:  # «Маршрут составлен вручную: по итогам посещения урока методистом»
        origin = doc.add_paragraph(route.origin_text)
        origin.alignment = WD_ALIGN_PARAGRAPH.CENTER
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
    for rows in data["tables"]:
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, COLUMNS, strict=True):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
        for kind, value, _ in rows:
            cells = table.add_row().cells
            if kind in ("part", "section"):
                cell = cells[0].merge(cells[3])
                cell.text = value
                run = cell.paragraphs[0].runs[0]
                run.bold, run.italic = kind == "part", kind == "section"
            elif kind == "subhead":
                for cell, text in zip(cells, value, strict=False):
                    cell.text = text
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
    import weasyprint  # ~1 s to import: loaded by the PDF exports only, not by every process that loads the URLs

    html = render_to_string(
        "routes/route_pdf.html", {**document_data(route), "columns": COLUMNS}, request=request
    )
    return weasyprint.HTML(string=html).write_pdf()


def routes_zip(routes, fmt, out, report=None):
    """Many routes as one ZIP written to `out` (a path or a file), a file per route named by the person and the
    route's years («ИОМ Архипова Л. П. 2026-2027.pdf»); `report(done, total)` after each."""
    report = report or (lambda done, total: None)
    used = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, route in enumerate(routes, 1):
            body = route_docx(route) if fmt == "docx" else route_pdf(route)
            name = document_name(route, fmt)
            if name in used:  # namesakes: the route's number tells them apart
                name = name.replace(f".{fmt}", f" №{route.pk}.{fmt}")
            used.add(name)
            z.writestr(name, body)
            report(n, len(routes))


def document_name(route, fmt):
    """«ИОМ Архипова Л. П. 2026-2027.pdf»: whose, which years, in Russian."""
    years = (
        f"{route.start.year}-{route.end.year}"
        if route.end.year != route.start.year
        else f"{route.start.year}"
    )
    return file_name(f"ИОМ {route.person.short_name} {years}", fmt)
