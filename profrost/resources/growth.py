"""A teacher's growth record («портфолио»): programs completed with certificates, events attended or spoken
at, internships, communities — shown on the person's card and exported to XLSX and PDF."""

from django.http import HttpResponse
from django.template.loader import render_to_string

from profrost.core.exports import attachment
from profrost.resources.models import Enrollment, InternshipParticipant, Membership, Participation


def growth_record(person):
    return {
        "programs": list(
            Enrollment.objects.filter(person=person)
            .select_related("cohort__program__provider")
            .order_by("-cohort__start")
        ),
        "events": list(
            Participation.objects.filter(person=person)
            .select_related("event__organizer")
            .order_by("-event__start")
        ),
        "internships": list(
            InternshipParticipant.objects.filter(person=person)
            .select_related("internship__site")
            .order_by("-internship__start")
        ),
        "communities": list(
            Membership.objects.filter(person=person).select_related("community").order_by("community__name")
        ),
    }


def _date(d):
    return d.strftime("%d.%m.%Y") if d else ""


def growth_sheets(record):
    programs = [
        [
            e.cohort.program.title,
            e.cohort.program.get_kind_display(),
            e.cohort.program.hours,
            e.cohort.program.provider.name,
            "да" if e.cohort.program.in_federal_registry else "нет",
            _date(e.cohort.start),
            _date(e.cohort.end),
            e.get_status_display(),
            {True: "пройдена", False: "не пройдена"}.get(e.attestation_passed, ""),
            e.certificate_number,
            _date(e.certificate_date),
        ]
        for e in record["programs"]
    ]
    events = [
        [
            p.event.title,
            p.event.get_kind_display(),
            p.event.get_level_display(),
            _date(p.event.start),
            p.get_role_display(),
            p.topic,
            {True: "да", False: "нет"}.get(p.attended, "не отмечено"),
        ]
        for p in record["events"]
    ]
    internships = [
        [
            i.internship.title,
            i.internship.site.name,
            _date(i.internship.start),
            _date(i.internship.end),
            "да" if i.completed else "нет",
        ]
        for i in record["internships"]
    ]
    communities = [
        [
            m.community.name,
            m.community.get_kind_display(),
            m.community.get_level_display(),
            m.get_status_display(),
            _date(m.since),
        ]
        for m in record["communities"]
    ]
    return [
        (
            "Программы",
            [
                "Программа",
                "Вид",
                "Часы",
                "Организация",
                "ФР ДПП",
                "Начало",
                "Окончание",
                "Статус",
                "Аттестация",
                "Удостоверение",
                "Дата удостоверения",
            ],
            programs,
        ),
        (
            "Мероприятия",
            ["Мероприятие", "Вид", "Уровень", "Дата", "Роль", "Тема выступления", "Присутствовал"],
            events,
        ),
        ("Стажировки", ["Стажировка", "Площадка", "Начало", "Окончание", "Завершена"], internships),
        ("Сообщества", ["Сообщество", "Вид", "Уровень", "Статус", "С"], communities),
    ]


def growth_pdf(request, person, record):
    import weasyprint  # ~1 s to import: loaded by the PDF exports only, not by every process that loads the URLs

    html = render_to_string(
        "resources/growth_pdf.html",
        {"person": person, "record": record, "sheets": growth_sheets(record)},
        request=request,
    )
    response = HttpResponse(weasyprint.HTML(string=html).write_pdf(), content_type="application/pdf")
    return attachment(response, f"Портфолио {person.short_name}", "pdf")
