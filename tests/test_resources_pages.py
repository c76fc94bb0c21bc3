"""Resources through the pages: the catalog, a cohort's whole path, events, sites, communities, the growth
record, and what each role may see and do."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from profrost.diagnostics.models import Competence
from profrost.people.models import Employment
from profrost.resources.models import Application, Enrollment, Event, Participation, Program, Quota
from tests.test_resources import LATER, make_cohort, make_program


def _xlsx(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_catalog_search_filters_sorting_and_export(world, client):
    make_program(world, "Формирующее оценивание", ("МТ1",), federal=True, hours=72)
    make_program(world, "Цифровая среда урока", ("ПП1",), hours=16)
    make_program(world, "Черновик центра", ("МТ1",)).__class__.objects.filter(title="Черновик центра").update(
        status="draft"
    )
    client.force_login(world["users"]["teacher_in"])
    page = client.get("/resources/programs/").content.decode()
    assert "Найдено программ: 2" in page and "Черновик центра" not in page  # teachers see active ones
    assert page.index("Формирующее оценивание") < page.index("Цифровая среда урока")  # federal first
    mt1 = Competence.objects.get(code="МТ1").pk
    assert "Найдено программ: 1" in client.get(f"/resources/programs/?competence={mt1}").content.decode()
    assert "Цифровая" in client.get("/resources/programs/?hours_max=20").content.decode()
    assert "Найдено программ: 0" in client.get("/resources/programs/?q=несуществующая").content.decode()
    assert "Найдено программ: 1" in client.get("/resources/programs/?federal=no").content.decode()
    # The htmx request gets the rows only.
    rows = client.get("/resources/programs/?q=цифр", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in rows and "Цифровая среда урока" in rows
    sheet = _xlsx(client.get("/resources/programs/?sort=hours&format=xlsx"))["Программы"]
    assert [sheet["A2"].value, sheet["C2"].value, sheet["F3"].value] == ["Цифровая среда урока", 16, "да"]
    # The center sees drafts and may create; bad input keeps the form with messages.
    client.force_login(world["users"]["center_staff"])
    assert "Черновик центра" in client.get("/resources/programs/").content.decode()
    page = client.post(
        "/resources/programs/new/",
        {
            "title": "Новая",
            "kind": "pk",
            "hours": "-5",
            "form": "mixed",
            "provider": world["center"].pk,
            "in_federal_registry": "on",
            "competences": [mt1],
            "status": "active",
        },
    ).content.decode()
    assert (
        "Укажите номер в федеральном реестре" in page and not Program.objects.filter(title="Новая").exists()
    )
    assert "больше или равно 1" in page or "Объём — не меньше 1 часа" in page


def test_a_cohort_from_application_to_certificate_through_the_pages(world, client):
    mun = world["municipalities"][0]
    cohort = make_cohort(world, capacity=3, quotas={mun: 1})
    teacher, other = world["teachers"][0], world["teachers"][1]
    school = world["schools"][0]
    url = f"/resources/cohorts/{cohort.pk}/"
    # The school coordinator applies for one teacher; the second is over quota and goes to the waiting list
    # only when asked.
    client.force_login(world["users"]["school_coordinator_in"])
    page = client.get(url).content.decode()
    assert 'id="id_people"' in page and world["teachers"][15].full_name not in page
    labels = [r["label"] for r in client.post("/lookup/applicants/", {"q": "Учитель"}).json()["results"]]
    assert labels == [f"{t.full_name} — {school.name}" for t in (teacher, other)]  # own staff only
    job, other_job = (Employment.objects.get(person=p, organization=school).pk for p in (teacher, other))
    client.post(url + "apply/", {"people": job})
    page = client.post(url + "apply/", {"people": other_job}, follow=True).content.decode()
    assert "Квота исчерпана: занято 1 из 1 мест муниципалитета" in page
    client.post(url + "apply/", {"people": other_job, "waitlist": "on"})
    assert dict(Application.objects.values_list("person_id", "status")) == {
        teacher.pk: "submitted",
        other.pk: "waiting",
    }
    # A coordinator of another municipality neither sees nor confirms it.
    application = Application.objects.get(person=teacher)
    client.force_login(world["users"]["municipal_coordinator_out"])
    assert teacher.full_name not in client.get(url).content.decode()
    assert client.post(f"/resources/applications/{application.pk}/confirm/").status_code == 404
    # The municipal coordinator confirms; the center enrolls; the teacher studies and completes.
    client.force_login(world["users"]["municipal_coordinator_in"])
    client.post(f"/resources/applications/{application.pk}/confirm/")
    client.force_login(world["users"]["center_staff"])
    client.post(f"/resources/applications/{application.pk}/enroll/")
    enrollment = Enrollment.objects.get(person=teacher)
    client.post(f"/resources/enrollments/{enrollment.pk}/", {"status": "studying"})
    page = client.post(
        f"/resources/enrollments/{enrollment.pk}/", {"status": "completed", "attestation": "yes"}, follow=True
    ).content.decode()
    assert "нужны номер и дата удостоверения" in page
    client.post(
        f"/resources/enrollments/{enrollment.pk}/",
        {
            "status": "completed",
            "attestation": "yes",
            "certificate_number": "342412345678",
            "certificate_date": "20.12.2026",
        },
    )
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.certificate_number) == ("completed", "342412345678")
    # The cohort's list for the center.
    sheet = _xlsx(client.get(f"/resources/cohorts/{cohort.pk}/export.xlsx")).active
    assert teacher.snils_display in [c.value for c in sheet["A"]]
    # The teacher's card and exported growth record show the certificate.
    client.force_login(world["users"]["teacher_in"])
    card = client.get(f"/people/{teacher.pk}/").content.decode()
    assert "№ 342412345678 от 20.12.2026" in card
    programs = _xlsx(client.get(f"/resources/growth/{teacher.pk}.xlsx"))["Программы"]
    assert [programs["H2"].value, programs["J2"].value, programs["K2"].value] == [
        "завершил обучение",
        "342412345678",
        "20.12.2026",
    ]
    pdf = client.get(f"/resources/growth/{teacher.pk}.pdf")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "342412345678" in text and "Профессиональное развитие педагога" in text
    # Someone else's growth record is not reachable for a teacher.
    assert client.get(f"/resources/growth/{world['teachers'][15].pk}.xlsx").status_code == 404


def test_quota_pages_center_gives_municipality_gives_back(world, client):
    mun = world["municipalities"][0]
    cohort = make_cohort(world, capacity=10)
    client.force_login(world["users"]["center_staff"])
    client.post(f"/resources/cohorts/{cohort.pk}/quota/", {"municipality": mun.pk, "places": "4"})
    page = client.post(
        f"/resources/cohorts/{cohort.pk}/quota/",
        {"municipality": world["municipalities"][1].pk, "places": "7"},
        follow=True,
    ).content.decode()
    assert "можно не более 6" in page
    client.force_login(world["users"]["municipal_coordinator_in"])
    client.post(
        f"/resources/cohorts/{cohort.pk}/quota/", {"municipality": mun.pk, "places": "3"}
    )  # gives one back
    page = client.post(
        f"/resources/cohorts/{cohort.pk}/quota/", {"municipality": mun.pk, "places": "5"}, follow=True
    ).content.decode()
    assert "Увеличить квоту муниципалитета может только центр" in page
    page = client.post(
        f"/resources/cohorts/{cohort.pk}/quota/", {"municipality": mun.pk, "places": "-1"}, follow=True
    ).content.decode()
    assert "не меньше 0" in page
    # Another municipality's quota is not theirs to touch.
    page = client.post(
        f"/resources/cohorts/{cohort.pk}/quota/",
        {"municipality": world["municipalities"][3].pk, "places": "0"},
        follow=True,
    ).content.decode()
    assert "Увеличить квоту муниципалитета может только центр" in page
    assert dict(Quota.objects.values_list("municipality_id", "places")) == {mun.pk: 3}
    page = client.get(f"/resources/cohorts/{cohort.pk}/").content.decode()
    assert "Закрепить часть квоты" in page


def test_events_register_attend_and_plan(world, client):
    event = Event.objects.create(
        title="Конкурс «Учитель года»",
        kind="contest",
        level="regional",
        organizer=world["center"],
        start=LATER,
        end=LATER + datetime.timedelta(days=2),
        in_annual_plan=True,
        capacity=10,
    )
    teacher = world["teachers"][0]
    client.force_login(world["users"]["teacher_in"])
    client.post(f"/resources/events/{event.pk}/register/", {"person": teacher.pk, "role": "participant"})
    page = client.post(
        f"/resources/events/{event.pk}/register/", {"person": teacher.pk, "role": "participant"}, follow=True
    ).content.decode()
    assert "уже зарегистрирован" in page
    # A teacher cannot register somebody else (not in their choices).
    page = client.post(
        f"/resources/events/{event.pk}/register/",
        {"person": world["teachers"][1].pk, "role": "participant"},
        follow=True,
    ).content.decode()
    assert "Выберите педагога из списка" in page
    # The organizer marks attendance and the contest result; someone not registered is refused.
    client.force_login(world["users"]["center_staff"])
    client.post(
        f"/resources/events/{event.pk}/attendance/",
        {"person": teacher.pk, "attended": "yes", "role": "winner"},
    )
    # Someone not registered for the event: 404 (the id names nobody), nothing marked.
    response = client.post(
        f"/resources/events/{event.pk}/attendance/",
        {"person": world["teachers"][1].pk, "attended": "yes"},
    )
    assert response.status_code == 404
    assert not Participation.objects.filter(event=event, person=world["teachers"][1]).exists()
    assert Participation.objects.get(person=teacher).role == "winner"
    # The annual plan as a calendar and as an export; bad dates in the form are refused.
    calendar = client.get("/resources/events/?plan=yes&view=calendar").content.decode()
    assert "Конкурс «Учитель года»" in calendar
    sheet = _xlsx(client.get("/resources/events/?plan=yes&format=xlsx"))["Мероприятия"]
    assert sheet["A2"].value == "Конкурс «Учитель года»" and sheet["J2"].value == 1
    page = client.post(
        "/resources/events/new/",
        {
            "title": "Семинар",
            "kind": "seminar",
            "level": "regional",
            "organizer": world["center"].pk,
            "start": "10.03.2027",
            "end": "01.03.2027",
            "format": "in_person",
            "capacity": "-3",
        },
    ).content.decode()
    assert "Окончание раньше начала" in page and not Event.objects.filter(title="Семинар").exists()
    # The teacher's card lists the win.
    client.force_login(world["users"]["teacher_in"])
    assert "победитель" in client.get(f"/people/{teacher.pk}/").content.decode()


def test_site_reports_and_communities(world, client, settings, tmp_path):
    from profrost.structure.models import OrganizationStatus

    settings.MEDIA_ROOT = tmp_path
    school = world["schools"][0]
    OrganizationStatus.objects.create(
        organization=school, kind="internship_site", start=datetime.date(2026, 1, 1)
    )
    client.force_login(world["users"]["school_coordinator_in"])
    url = f"/resources/sites/{school.pk}/"
    client.post(
        url,
        {
            "month": "15.10.2026",
            "text": "Провели 3 стажировки",
            "file": SimpleUploadedFile("отчёт.pdf", b"%PDF-1.4"),
        },
    )
    page = client.post(url, {"month": "01.10.2026", "text": "ещё раз"}).content.decode()
    assert "Отчёт за 10.2026 уже есть" in page
    bad = client.post(
        url, {"month": "01.11.2026", "text": "x", "file": SimpleUploadedFile("a.exe", b"MZ")}
    ).content.decode()
    assert "Допустимы PDF, DOCX, XLSX, JPG, PNG" in bad
    client.force_login(world["users"]["center_staff"])
    page = client.get(url).content.decode()
    assert "Провели 3 стажировки" in page
    from profrost.resources.models import SiteReport

    report = SiteReport.objects.get()
    # Stored under a generated name; downloaded under the original one.
    assert "отчёт" not in report.file.name and report.file.name.startswith("site-reports/")
    download = client.get(f"/resources/site-reports/{report.pk}/file/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4"
    assert "filename*=utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.pdf" in download["Content-Disposition"]
    client.force_login(world["users"]["school_coordinator_out"])
    assert client.get(url).status_code == 404  # another municipality's site is outside the scope
    # Communities: the center creates one, a teacher joins, the leader adds a meeting.
    client.force_login(world["users"]["center_staff"])
    client.post(
        "/resources/communities/new/",
        {"name": "РУМО учителей математики", "kind": "rumo", "level": "regional"},
    )
    from profrost.resources.models import Community

    community = Community.objects.get(name="РУМО учителей математики")
    client.post(
        f"/resources/communities/{community.pk}/join/",
        {"person": world["teachers"][1].pk, "status": "leader"},
    )
    client.post(
        f"/resources/communities/{community.pk}/meetings/", {"date": "01.12.2026", "topic": "Итоги ГИА"}
    )
    client.force_login(world["users"]["teacher_in"])
    client.post(f"/resources/communities/{community.pk}/join/")
    page = client.get(f"/resources/communities/{community.pk}/").content.decode()
    assert "Итоги ГИА" in page and world["teachers"][0].full_name in page
    # The leader works elsewhere: a teacher sees how many others there are, not who (docs/security.md).
    members = page.split('id="members"', 1)[1].split("</table>", 1)[0]
    assert (
        world["teachers"][1].full_name not in members and "И ещё участников из других организаций: 1" in page
    )
    assert (
        client.post(
            f"/resources/communities/{community.pk}/meetings/", {"date": "x", "topic": "y"}
        ).status_code
        == 403
    )
    assert "РУМО учителей математики" in client.get(f"/people/{world['teachers'][0].pk}/").content.decode()
    client.force_login(world["users"]["center_staff"])
    page = client.get(f"/resources/communities/{community.pk}/").content.decode()
    assert world["teachers"][1].full_name in page and "руководитель" in page


def test_person_matches_page(world, client, tmp_path):
    from profrost.core.imports import run_import
    from tests.test_imports import write_csv
    from tests.test_results_import import MAP

    mun = world["municipalities"][0]
    make_cohort(world, make_program(world, "Урок по ФГОС", ("МТ1",), federal=True), quotas={mun: 2})
    teacher = world["teachers"][0]
    client.force_login(world["users"]["teacher_in"])
    assert "нет оценённых результатов" in client.get(f"/resources/match/{teacher.pk}/").content.decode()
    instrument = run_import(
        "instrument", write_csv(tmp_path / "m.csv", MAP, headers=list(MAP[0])), options={"name": "ДПК"}
    ).created_id
    from profrost.diagnostics.models import Campaign

    campaign = Campaign.objects.create(instrument_id=instrument, name="ДПК-2026", kind="federal")
    run_import(
        "results",
        write_csv(
            tmp_path / "r.csv",
            [{"СНИЛС": teacher.snils, "Дата": "15.10.2026", "1": "0", "2": "0", "3": "5", "4": "1"}],
            headers=["СНИЛС", "Дата", "1", "2", "3", "4"],
        ),
        options={"campaign": campaign.pk},
    )
    page = client.get(f"/resources/match/{teacher.pk}/").content.decode()
    # Deficit МТ1 (0 of 5) only: МТ4 is 5/8 = 62.5 %, ПП1 100 %.
    assert "<strong>МТ1</strong>" in page and "Урок по ФГОС" in page and "развивает МТ1; ФР ДПП; 36 ч" in page
    assert client.get(f"/resources/match/{world['teachers'][15].pk}/").status_code == 404


def test_internship_mentors_interns_and_capacity(world, client):
    from profrost.resources.models import Internship
    from profrost.structure.models import OrganizationStatus

    site = world["schools"][2]
    OrganizationStatus.objects.create(
        organization=site, kind="internship_site", start=datetime.date(2026, 1, 1)
    )
    client.force_login(world["users"]["center_staff"])
    page = client.post(
        "/resources/internships/new/",
        {
            "title": "Стажировка по ФГ",
            "site": world["schools"][0].pk,
            "start": "01.02.2027",
            "end": "05.02.2027",
            "capacity": "1",
        },
    ).content.decode()
    assert "Выберите корректный вариант" in page  # not an internship site
    client.post(
        "/resources/internships/new/",
        {
            "title": "Стажировка по ФГ",
            "site": site.pk,
            "start": "01.02.2027",
            "end": "05.02.2027",
            "capacity": "1",
        },
    )
    internship = Internship.objects.get()
    url = f"/resources/internships/{internship.pk}/"
    page = client.post(url + "mentors/", {"person": world["teachers"][0].pk}, follow=True).content.decode()
    assert f"не работает на площадке «{site.name}»" in page  # teacher 0 works elsewhere
    client.post(url + "mentors/", {"person": world["teachers"][4].pk})  # teacher 4 works at the site
    assert list(internship.mentors.all()) == [world["teachers"][4]]
    client.force_login(world["users"]["school_coordinator_in"])
    client.post(url + "add/", {"person": world["teachers"][0].pk})
    page = client.post(url + "add/", {"person": world["teachers"][1].pk}, follow=True).content.decode()
    assert "Мест нет: все 1 заняты" in page
    assert client.post(url + "mentors/", {"person": world["teachers"][5].pk}).status_code == 403


def test_a_second_site_report_for_the_month_is_refused_even_in_a_race(world, client, settings, tmp_path):
    """actions.add_site_report lets the unique constraint decide: the second report for a month — also one
    inserted by another request between a check and the insert — is the same Russian message, never a 500,
    and its uploaded file is not left behind."""
    import pytest
    from django.db import transaction

    from profrost.resources import actions
    from profrost.resources.actions import ResourceError
    from profrost.resources.models import SiteReport
    from profrost.structure.models import OrganizationStatus

    settings.MEDIA_ROOT = tmp_path
    school = world["schools"][0]
    OrganizationStatus.objects.create(
        organization=school, kind="internship_site", start=datetime.date(2026, 1, 1)
    )
    coordinator = world["users"]["school_coordinator_in"]
    first = actions.add_site_report(school, coordinator, datetime.date(2026, 10, 15), "Первый")
    assert first.month == datetime.date(2026, 10, 1)
    # The race: the other request's row is there when this one inserts (no check in between helps).
    with transaction.atomic():
        with pytest.raises(ResourceError, match=r"^Отчёт за 10\.2026 уже есть$"):
            actions.add_site_report(
                school,
                coordinator,
                datetime.date(2026, 10, 3),
                "Второй",
                SimpleUploadedFile("второй.pdf", b"%PDF-1.4"),
            )
        # Only a savepoint was rolled back: the caller's transaction goes on.
        assert SiteReport.objects.filter(site=school).count() == 1
    assert list(SiteReport.objects.values_list("text", flat=True)) == ["Первый"]
    assert [f for f in tmp_path.rglob("*") if f.is_file()] == []  # the refused report's file was removed
    # The same through the page: the form shows the message.
    client.force_login(coordinator)
    page = client.post(
        f"/resources/sites/{school.pk}/", {"month": "20.10.2026", "text": "ещё"}
    ).content.decode()
    assert "Отчёт за 10.2026 уже есть" in page
    # Someone who may not report for the site is refused by the action itself.
    with pytest.raises(ResourceError):
        actions.add_site_report(
            school, world["users"]["school_coordinator_out"], datetime.date(2026, 11, 1), "x"
        )


def test_internship_mentors_and_completion_are_actions(world):
    import pytest

    from profrost.resources import actions
    from profrost.resources.actions import ResourceError
    from profrost.resources.models import Internship, InternshipParticipant

    site = world["schools"][2]
    internship = Internship.objects.create(
        title="Стажировка",
        site=site,
        start=datetime.date(2027, 2, 1),
        end=datetime.date(2027, 2, 5),
        capacity=2,
    )
    center = world["users"]["center_staff"]
    assert actions.add_mentor(internship, center, world["teachers"][4]) == world["teachers"][4]
    with pytest.raises(ResourceError, match="не работает на площадке"):
        actions.add_mentor(internship, center, world["teachers"][0])  # works elsewhere
    with pytest.raises(ResourceError):
        actions.add_mentor(internship, world["users"]["school_coordinator_in"], world["teachers"][5])
    actions.remove_mentor(internship, center, world["teachers"][4].pk)
    assert list(internship.mentors.all()) == []
    intern = InternshipParticipant.objects.create(internship=internship, person=world["teachers"][0])
    assert actions.set_intern_completed(internship, center, intern.pk, True) == 1
    intern.refresh_from_db()
    assert intern.completed is True
    with pytest.raises(ResourceError):
        actions.set_intern_completed(internship, world["users"]["school_coordinator_in"], intern.pk, False)
