"""Mentoring's pages (docs/mentoring.md §1, §2, §5, §6): programs (create, approve with the local act), pairs and
groups created by POST with the people lookup's ids, the refusals in Russian with the input kept, the personal plan
(the mentor's tasks, each side's marks), closing by the curator, the mentor's workspace with its counts, the
mentee's «Мой наставник», and 404 for everyone outside the pair by GET and POST."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from profrost.accounts.roles import RoleCode
from profrost.diagnostics.models import Campaign, Competence, CompetenceResult, Instrument, Result
from profrost.mentoring import actions
from profrost.mentoring.models import (
    MemberRole,
    MentoringProgram,
    Mentorship,
    MentorshipStatus,
    PlanTask,
    ProgramStatus,
    TaskMark,
)
from profrost.routes.models import Route
from tests.factories import make_person, make_user

TODAY = datetime.date.today()
MONTH_START = TODAY.replace(day=1)
NEXT_MONTH = (MONTH_START + datetime.timedelta(days=32)).replace(day=1)
MONTH_END = NEXT_MONTH - datetime.timedelta(days=1)
START = MONTH_START - datetime.timedelta(days=40)


def content(response):
    return response.content.decode()


@pytest.fixture
def w(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    school = world["schools"][0]
    d = dict(world)
    d["school"] = school
    d["coordinator"] = world["users"]["school_coordinator_in"]
    d["mentor"] = make_person(
        school, last_name="Наставникова", first_name="Ольга", birth_date=datetime.date(1975, 1, 1)
    )
    d["young"] = make_person(
        school,
        last_name="Молодцова",
        first_name="Ирина",
        birth_date=datetime.date(TODAY.year - 24, 1, 10),
        pedagogical_start=datetime.date(TODAY.year - 1, 9, 1),
    )
    d["curator"] = make_person(school, last_name="Кураторова", first_name="Вера")
    d["mentor_user"] = make_user("olga", RoleCode.TEACHER, person=d["mentor"])
    d["young_user"] = make_user("irina", RoleCode.TEACHER, person=d["young"])
    d["curator_user"] = make_user("vera", RoleCode.TEACHER, person=d["curator"])
    d["competences"] = list(Competence.objects.filter(is_active=True).order_by("code")[:2])
    return d


def approved_program(w, **kw):
    kw.setdefault("title", "Программа наставничества СОШ № 111")
    program = actions.save_program(
        w["coordinator"],
        organization=w["school"],
        start=START - datetime.timedelta(days=30),
        end=TODAY + datetime.timedelta(days=365),
        forms=["teacher_teacher", "group"],
        curator=w["curator"],
        act_number="15-о",
        act_date=START - datetime.timedelta(days=31),
        **kw,
    )
    return actions.approve_program(w["coordinator"], program)


def make_pair(w, **kw):
    kw.setdefault("form", "teacher_teacher")
    kw.setdefault("start", START)
    kw.setdefault("mentors", [w["mentor"]])
    kw.setdefault("mentees", [w["young"]])
    return actions.create_mentorship(w["coordinator"], **kw)


def pair_post(w, **kw):
    data = {
        "form": "teacher_teacher",
        "mentors": [str(w["mentor"].pk)],
        "mentees": [str(w["young"].pk)],
        "start": START.isoformat(),
        "directions": "проектирование урока",
        "competences": [str(c.pk) for c in w["competences"]],
        "order_number": "",
        "order_date": "",
    }
    data.update(kw)
    return data


# --- programs ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_program_is_created_refused_approval_without_the_act_then_approved(w, client):
    client.force_login(w["coordinator"])
    assert client.get(reverse("mentoring:program_create")).status_code == 200
    data = {
        "organization": str(w["school"].pk),
        "title": "Целевая модель наставничества",
        "start": "2025-09-01",
        "end": "2026-08-31",
        "curator": str(w["curator"].pk),
        "forms": ["teacher_teacher", "group"],
        "act_number": "",
        "act_date": "",
    }
    response = client.post(reverse("mentoring:program_create"), data)
    program = MentoringProgram.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "mentoring:program", args=[program.pk]
    )
    assert program.status == ProgramStatus.DRAFT and program.curator == w["curator"]
    assert program.forms == ["teacher_teacher", "group"] and program.organization == w["school"]

    # approval without the local act's number and date is refused, in Russian
    response = client.post(reverse("mentoring:program_approve", args=[program.pk]), follow=True)
    assert "Укажите номер и дату локального акта" in content(response)
    program.refresh_from_db()
    assert program.status == ProgramStatus.DRAFT

    # the act's file: PDF or DOCX only, and it must be one
    edit = reverse("mentoring:program_edit", args=[program.pk])
    fake = io.BytesIO(b"MZ\x90\x00 not a pdf")
    fake.name = "приказ.pdf"
    response = client.post(edit, {**data, "act_number": "15-о", "act_date": "2025-08-28", "act_file": fake})
    assert response.status_code == 200 and "Файл не похож на PDF" in content(response)
    exe = io.BytesIO(b"MZ")
    exe.name = "приказ.exe"
    response = client.post(edit, {**data, "act_number": "15-о", "act_date": "2025-08-28", "act_file": exe})
    assert "Допустимы только файлы PDF и DOCX" in content(response)
    # a number without a date: the action's message, the typed title kept
    response = client.post(edit, {**data, "title": "Новое имя", "act_number": "15-о"})
    assert "Укажите и номер, и дату локального акта" in content(response)
    assert 'value="Новое имя"' in content(response)
    pdf = io.BytesIO(b"%PDF-1.4\n%\xe2\xe3\n")
    pdf.name = "приказ.pdf"
    response = client.post(edit, {**data, "act_number": "15-о", "act_date": "2025-08-28", "act_file": pdf})
    assert response.status_code == 302
    response = client.post(reverse("mentoring:program_approve", args=[program.pk]), follow=True)
    program.refresh_from_db()
    assert program.status == ProgramStatus.APPROVED and program.act_number == "15-о"
    assert "Программа утверждена" in content(response)
    act = client.get(reverse("mentoring:program_act", args=[program.pk]))
    assert act.status_code == 200 and b"".join(act.streaming_content).startswith(b"%PDF")
    # an approved program is not edited any more
    response = client.post(edit, {**data, "title": "Ещё имя"})
    assert (
        response.status_code == 302
        and MentoringProgram.objects.get().title == "Целевая модель наставничества"
    )

    # the list: the program, its filters; someone else's school sees nothing of it
    listing = content(client.get(reverse("mentoring:programs") + "?status=approved&q=целевая"))
    assert "Целевая модель наставничества" in listing
    assert "Целевая модель" not in content(client.get(reverse("mentoring:programs") + "?status=draft"))
    client.force_login(w["users"]["school_coordinator_out"])
    assert "Целевая модель" not in content(client.get(reverse("mentoring:programs")))
    assert client.get(reverse("mentoring:program", args=[program.pk])).status_code == 404
    assert client.get(reverse("mentoring:program_act", args=[program.pk])).status_code == 404
    assert client.post(reverse("mentoring:program_close", args=[program.pk])).status_code == 404
    # a teacher manages no programs
    client.force_login(w["users"]["teacher_in"])
    assert client.get(reverse("mentoring:programs")).status_code == 403
    assert client.get(reverse("mentoring:program_create")).status_code == 403


@pytest.mark.django_db
def test_a_program_outside_the_scope_or_without_an_owner_is_refused(w, client):
    client.force_login(w["coordinator"])
    data = {"title": "П", "start": "2025-09-01", "end": "2026-08-31", "forms": ["group"]}
    response = client.post(
        reverse("mentoring:program_create"), {**data, "organization": str(w["schools"][7].pk)}
    )
    assert "Организация не найдена в вашей области доступа" in content(response)
    response = client.post(reverse("mentoring:program_create"), data)
    assert "Программа принадлежит организации или муниципалитету" in content(response)
    response = client.post(
        reverse("mentoring:program_create"),
        {**data, "organization": str(w["school"].pk), "end": "2025-08-01", "forms": ["nonsense"]},
    )
    page = content(response)
    assert "Окончание раньше начала" in page and "Выберите корректный вариант" in page
    assert not MentoringProgram.objects.exists()


# --- pairs and groups -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_school_coordinator_creates_a_pair_by_post(w, client):
    program = approved_program(w)
    client.force_login(w["coordinator"])
    page = content(client.get(reverse("mentoring:mentorship_create") + f"?program={program.pk}"))
    assert f'<option value="{program.pk}" selected>' in page
    response = client.post(
        reverse("mentoring:mentorship_create"),
        pair_post(w, program=str(program.pk), order_number="42-к", order_date=START.isoformat()),
    )
    m = Mentorship.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "mentoring:mentorship", args=[m.pk]
    )
    assert m.organization == w["school"] and m.program == program and m.order_number == "42-к"
    assert {(x.person_id, x.role) for x in m.members.all()} == {
        (w["mentor"].pk, MemberRole.MENTOR),
        (w["young"].pk, MemberRole.MENTEE),
    }
    assert set(m.competences.all()) == set(w["competences"])
    page = content(client.get(reverse("mentoring:mentorship", args=[m.pk])))
    assert "Наставникова Ольга Петровна" in page and "Молодцова Ирина Петровна" in page
    assert "учитель, МБОУ СОШ № 111" in page
    assert w["young"].snils not in page and w["mentor"].snils not in page
    # the list and its export
    listing = content(client.get(reverse("mentoring:mentorships") + "?q=Молодцова&status=active"))
    assert f'data-pair="{m.pk}"' in listing and "Наставникова О. П." in listing
    assert f'data-pair="{m.pk}"' not in content(client.get(reverse("mentoring:mentorships") + "?form=group"))
    xlsx = client.get(reverse("mentoring:mentorships") + "?format=xlsx")
    rows = list(load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.values)
    assert rows[0][:5] == ("Форма", "Организация", "Организация-наставник", "Наставники", "Наставляемые")
    assert rows[1][3:5] == ("Наставникова О. П.", "Молодцова И. П.") and len(rows) == 2
    assert not any(w["young"].snils in str(cell) for row in rows for cell in row)
    # the program's page: the pair with its plan's counts
    assert f'data-pair="{m.pk}"' in content(client.get(reverse("mentoring:program", args=[program.pk])))


@pytest.mark.django_db
def test_a_group_of_two_mentees(w, client):
    client.force_login(w["coordinator"])
    second = w["teachers"][1]
    response = client.post(
        reverse("mentoring:mentorship_create"),
        pair_post(w, form="group", mentees=[str(w["young"].pk), str(second.pk)]),
    )
    assert response.status_code == 302
    m = Mentorship.objects.get()
    assert m.form == "group"
    assert sorted(m.members.filter(role=MemberRole.MENTEE).values_list("person_id", flat=True)) == sorted(
        [w["young"].pk, second.pk]
    )
    # two mentees in a pair of one form are refused
    response = client.post(
        reverse("mentoring:mentorship_create"),
        pair_post(w, form="manager_teacher", mentees=[str(w["young"].pk), str(second.pk)]),
    )
    assert "В паре один наставляемый" in content(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, message",
    [
        ("self", "не может быть наставником самому себе"),
        ("busy", "уже в активной паре этой формы"),
        ("outside", "Педагог не найден в вашей области доступа"),
        ("end_before_start", "Окончание раньше начала"),
        ("long", "не более 500 символов (сейчас 5000)"),
        ("nul", "ноль-байт"),
        ("bad_date", "Неверная дата: укажите её как 01.09.2025"),
        ("no_mentee", "Укажите наставляемого"),
        ("future_order", "Дата приказа не может быть в будущем"),
        ("bad_id", "Педагог не найден в вашей области доступа"),
    ],
)
def test_bad_pairs_are_refused_in_russian_with_the_input_kept(w, client, change, message):
    if change == "busy":
        make_pair(w, mentors=[w["teachers"][1]])
    before = Mentorship.objects.count()
    data = pair_post(w)
    if change == "self":
        data["mentees"] = [str(w["mentor"].pk)]
    elif change == "outside":
        data["mentees"] = [str(w["teachers"][15].pk)]
    elif change == "end_before_start":
        data["end"] = (START - datetime.timedelta(days=1)).isoformat()
    elif change == "long":
        data["directions"] = "д" * 5000
    elif change == "nul":
        data["directions"] = "урок\x00"
    elif change == "bad_date":
        data["start"] = "31.02.2026"
    elif change == "no_mentee":
        data["mentees"] = []
    elif change == "future_order":
        data.update(order_number="1", order_date=(TODAY + datetime.timedelta(days=3)).isoformat())
    elif change == "bad_id":
        data["mentees"] = ["-1"]
    client.force_login(w["coordinator"])
    response = client.post(reverse("mentoring:mentorship_create"), data)
    assert response.status_code == 200
    page = content(response)
    assert message in page
    assert Mentorship.objects.count() == before
    # the choices are kept: the mentor is shown chosen again
    if change != "self":
        assert f'<option value="{w["mentor"].pk}" selected>' in page


@pytest.mark.django_db
def test_a_pair_outside_the_coordinators_scope_is_refused(w, client):
    """Both people of another school: the lookup refuses them (a crafted POST of their ids)."""
    client.force_login(w["coordinator"])
    other = w["teachers"][14:16]
    response = client.post(
        reverse("mentoring:mentorship_create"),
        pair_post(w, mentors=[str(other[0].pk)], mentees=[str(other[1].pk)]),
    )
    assert response.status_code == 200 and "Педагог не найден в вашей области доступа" in content(response)
    assert not Mentorship.objects.exists()
    # and a program of another organization
    client.force_login(w["users"]["municipal_coordinator_in"])  # municipality 1.1: schools 0 and 1
    program = approved_program(w)
    second_school_teacher = w["teachers"][2]  # school 1
    response = client.post(
        reverse("mentoring:mentorship_create"),
        pair_post(w, mentees=[str(second_school_teacher.pk)], program=str(program.pk)),
    )
    assert "не программа организации «МБОУ СОШ № 112»" in content(response)
    assert not Mentorship.objects.exists()


# --- the personal plan ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_mentor_plans_and_marks_the_mentee_marks_only_their_side(w, client):
    m = make_pair(w, end=TODAY + datetime.timedelta(days=200))
    page_url = reverse("mentoring:mentorship", args=[m.pk])
    add = reverse("mentoring:task_add", args=[m.pk])
    client.force_login(w["mentor_user"])
    page = content(client.get(page_url))
    assert 'id="task-form"' in page
    competence = w["competences"][0]
    response = client.post(
        add,
        {
            "title": "Посетить 3 урока наставника",
            "due": (TODAY + datetime.timedelta(days=10)).isoformat(),
            "start": TODAY.isoformat(),
            "competence": str(competence.pk),
            "expected_result": "Конспект урока",
        },
    )
    assert response.status_code == 302
    task = PlanTask.objects.get()
    assert task.competence == competence and task.mentorship == m

    # refusals, with the typed title kept
    for data, message in (
        (
            {"title": "Вне периода", "due": (START - datetime.timedelta(days=1)).isoformat()},
            "вне периода наставничества",
        ),
        (
            {
                "title": "Т",
                "due": TODAY.isoformat(),
                "start": (TODAY + datetime.timedelta(days=1)).isoformat(),
            },
            "Срок задачи раньше её начала",
        ),
        ({"title": "з" * 5000, "due": TODAY.isoformat()}, "не более 500 символов (сейчас 5000)"),
        ({"title": "задача\x00", "due": TODAY.isoformat()}, "ноль-байт"),
        ({"title": "Без срока", "due": ""}, "Обязательное поле"),
        ({"title": "Т", "due": "2026-13-01"}, "Неверная дата"),
        ({"title": "Т", "due": "9999-01-01"}, "Дата вне допустимого диапазона"),
        ({"title": "Т", "due": TODAY.isoformat(), "competence": "999999999"}, "Неизвестная компетенция"),
    ):
        response = client.post(add, data)
        assert response.status_code == 200 and message in content(response), message
    response = client.post(
        add, {"title": "Вне периода", "due": (START - datetime.timedelta(days=1)).isoformat()}
    )
    assert 'value="Вне периода"' in content(response)
    assert PlanTask.objects.count() == 1

    # the task is edited through its page
    edit = reverse("mentoring:task_edit", args=[m.pk, task.pk])
    assert 'value="Посетить 3 урока наставника"' in content(client.get(edit))
    response = client.post(
        edit, {"title": "Посетить 4 урока", "due": (TODAY + datetime.timedelta(days=12)).isoformat()}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "Посетить 4 урока" and task.competence is None

    mark = reverse("mentoring:task_mark", args=[m.pk, task.pk])
    # the mentee marks their side; the mentor's stays
    client.force_login(w["young_user"])
    page = content(client.get(page_url))
    assert "Моя отметка (наставляемый)" in page and 'id="task-form"' not in page
    assert client.post(add, {"title": "Сама себе задача", "due": TODAY.isoformat()}).status_code == 403
    response = client.post(mark, {"side": "mentee", "mark": "done", "comment": "Посетила"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.mentee_mark == TaskMark.DONE and task.mentee_comment == "Посетила"
    assert task.mentor_mark == TaskMark.PLANNED and not task.is_done
    # the mentor's side is not hers
    response = client.post(mark, {"side": "mentor", "mark": "done", "comment": "Принято"})
    assert response.status_code == 200 and "Отметить можно только свою сторону" in content(response)
    assert "Принято" in content(response)  # the typed comment is kept
    task.refresh_from_db()
    assert task.mentor_mark == TaskMark.PLANNED and task.mentor_comment == ""
    assert "Неизвестная сторона" in content(client.post(mark, {"side": "x", "mark": "done"}))
    response = client.post(mark, {"side": "mentee", "mark": "finished"})
    assert "Неизвестная отметка" in content(response) or "Выберите корректный вариант" in content(response)
    # the reflection
    response = client.post(reverse("mentoring:summary", args=[m.pk]), {"text": "Научилась планировать урок."})
    assert response.status_code == 302
    # a mentee does not close the pair nor delete tasks
    assert (
        client.post(reverse("mentoring:mentorship_close", args=[m.pk]), {"outcome": "done"}).status_code
        == 403
    )
    assert client.post(reverse("mentoring:task_delete", args=[m.pk, task.pk])).status_code == 403

    # the mentor confirms: the task is done
    client.force_login(w["mentor_user"])
    assert "Моя отметка (наставник)" in content(client.get(page_url))
    response = client.post(mark, {"side": "mentor", "mark": "done", "comment": "Принято"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.is_done and task.mentee_mark == TaskMark.DONE
    response = client.post(reverse("mentoring:summary", args=[m.pk]), {"text": "  "})
    assert "Напишите текст" in content(response) or "Обязательное поле" in content(response)
    client.post(reverse("mentoring:summary", args=[m.pk]), {"text": "Освоила проектирование урока."})
    m.refresh_from_db()
    assert (
        m.final_assessment == "Освоила проектирование урока."
        and m.reflection == "Научилась планировать урок."
    )
    # a marked task is not deleted; an unmarked one is
    response = client.post(reverse("mentoring:task_delete", args=[m.pk, task.pk]), follow=True)
    assert "уже есть отметки" in content(response) and PlanTask.objects.filter(pk=task.pk).exists()
    fresh = actions.save_task(w["mentor_user"], m, title="Лишняя", due=TODAY)
    assert client.post(reverse("mentoring:task_delete", args=[m.pk, fresh.pk])).status_code == 302
    assert not PlanTask.objects.filter(pk=fresh.pk).exists()


@pytest.mark.django_db
def test_the_curator_closes_early_only_with_a_reason(w, client):
    program = approved_program(w)
    m = make_pair(w, program=program)
    close = reverse("mentoring:mentorship_close", args=[m.pk])
    client.force_login(w["curator_user"])  # a teacher, the program's curator: no coordinator role
    assert client.get(reverse("mentoring:program", args=[program.pk])).status_code == 200
    page = content(client.get(reverse("mentoring:mentorship", args=[m.pk])))
    assert 'id="close-form"' in page
    response = client.post(close, {"outcome": "early", "reason": ""})
    assert response.status_code == 200 and "Укажите причину досрочного завершения" in content(response)
    response = client.post(close, {"outcome": "early", "reason": "д" * 501})
    assert "не более 500 символов" in content(response)
    response = client.post(close, {"outcome": "nonsense"})
    assert "Выберите итог" in content(response)
    response = client.post(
        close,
        {"outcome": "early", "reason": "", "closed_on": (TODAY + datetime.timedelta(days=2)).isoformat()},
    )
    assert "Укажите причину досрочного завершения" in content(response)
    m.refresh_from_db()
    assert m.status == MentorshipStatus.ACTIVE
    response = client.post(close, {"outcome": "early", "reason": "переезд наставляемой"})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == MentorshipStatus.ENDED_EARLY and m.end_reason == "переезд наставляемой"
    assert m.closed_on == TODAY
    # closed: no more plan changes through the page
    client.force_login(w["mentor_user"])
    page = content(client.get(reverse("mentoring:mentorship", args=[m.pk])))
    assert 'id="task-form"' not in page and "Завершена досрочно" in page
    assert (
        client.post(
            reverse("mentoring:task_add", args=[m.pk]), {"title": "Т", "due": TODAY.isoformat()}
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_the_curators_program_page_lists_pairs_with_overdue_tasks(w, client):
    program = approved_program(w)
    late = make_pair(w, program=program)
    on_time = make_pair(w, program=program, mentors=[w["teachers"][1]], mentees=[w["teachers"][0]])
    PlanTask.objects.create(mentorship=late, title="Просроченная", due=START + datetime.timedelta(days=1))
    PlanTask.objects.create(
        mentorship=late, title="Вторая просроченная", due=START + datetime.timedelta(days=2)
    )
    PlanTask.objects.create(
        mentorship=on_time,
        title="Выполненная",
        due=START + datetime.timedelta(days=1),
        mentor_mark=TaskMark.DONE,
    )
    client.force_login(w["curator_user"])
    page = content(client.get(reverse("mentoring:program", args=[program.pk])))
    assert page.index(f'data-pair="{late.pk}"') < page.index(f'data-pair="{on_time.pk}"')  # overdue first
    assert f'data-pair="{late.pk}" class="table-warning"' in page
    assert f'data-pair="{on_time.pk}" class="table-warning"' not in page
    assert 'id="pairs-with-overdue">1<' in page
    assert "реализуется: пар, работавших в период программы, — 2" in page


# --- the workspace and the mentee's page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_workspace_lists_mentees_deficits_routes_and_the_tasks_due_this_month(w, client):
    m = make_pair(w)
    closed = make_pair(w, form="manager_teacher", mentees=[w["teachers"][1]])
    actions.close_mentorship(w["coordinator"], closed, success=True)
    # A: first day of this month, not done; B: last day, done; C: last day, not done; D: next month;
    # E: last month, not done (overdue)
    PlanTask.objects.create(mentorship=m, title="Задача А", due=MONTH_START)
    PlanTask.objects.create(mentorship=m, title="Задача Б", due=MONTH_END, mentor_mark=TaskMark.DONE)
    PlanTask.objects.create(mentorship=m, title="Задача В", due=MONTH_END, mentee_mark=TaskMark.DONE)
    PlanTask.objects.create(mentorship=m, title="Задача Г", due=NEXT_MONTH)
    PlanTask.objects.create(mentorship=m, title="Задача Д", due=MONTH_START - datetime.timedelta(days=1))
    result = Result.objects.create(
        campaign=Campaign.objects.create(
            instrument=Instrument.objects.create(name="И"), name="К", kind="regional"
        ),
        person=w["young"],
        status="scored",
        taken_on=TODAY,
    )
    c1, c2 = w["competences"]
    CompetenceResult.objects.create(result=result, competence=c1, percent=40, is_deficit=True)
    CompetenceResult.objects.create(result=result, competence=c2, percent=90, is_deficit=False)
    route = Route.objects.create(person=w["young"], start=TODAY, end=TODAY + datetime.timedelta(days=300))

    client.force_login(w["mentor_user"])
    response = client.get(reverse("mentoring:workspace"))
    assert response.status_code == 200
    page = content(response)
    ctx = response.context
    overdue = 1 + (1 if MONTH_START < TODAY else 0)  # Д, and А unless today is the 1st
    assert ctx["totals"] == {"pairs": 1, "mentees": 1, "tasks": 5, "done": 1, "overdue": overdue, "due": 2}
    assert [d["task"].title for d in ctx["due"]] == ["Задача А", "Задача В"]
    assert 'id="total-due">2<' in page and 'id="total-tasks">5<' in page
    (row,) = ctx["active"]
    (mentee,) = row["mentees"]
    assert mentee["visible"] and mentee["deficit_codes"] == c1.code
    assert mentee["route_id"] == route.pk and f"/routes/{route.pk}/" in page
    assert [r["pair"].pk for r in ctx["closed"]] == [closed.pk]
    assert "Молодцова Ирина Петровна" in page and "Учитель0001" in page  # the closed pair's mentee by name
    # no SNILS, no birth date
    for person in (w["young"], w["teachers"][1]):
        assert person.snils not in page and f"{person.birth_date:%d.%m.%Y}" not in page
    # the navigation
    assert reverse("mentoring:workspace") in page

    # the mentee's page: the mentor, the plan with both marks
    client.force_login(w["young_user"])
    assert client.get(reverse("mentoring:workspace")).status_code == 403  # not a mentor
    response = client.get(reverse("mentoring:my_mentor"))
    page = content(response)
    assert "Наставникова Ольга Петровна" in page and "Задача В" in page
    assert reverse("mentoring:my_mentor") in page  # «Мой наставник» in the bar
    assert w["mentor"].snils not in page
    # someone mentoring nobody and mentored by nobody
    client.force_login(w["users"]["teacher_out"])
    assert "Вы не состоите в наставнической паре" in content(client.get(reverse("mentoring:my_mentor")))


# --- access -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "outsider",
    ["teacher_out", "school_coordinator_out", "municipal_coordinator_out", "teacher_in", "methodologist"],
)
def test_outsiders_get_404_on_the_pair_by_get_and_post(w, client, outsider):
    m = make_pair(w)
    task = PlanTask.objects.create(mentorship=m, title="Задача", due=TODAY)
    client.force_login(w["users"][outsider])
    assert client.get(reverse("mentoring:mentorship", args=[m.pk])).status_code == 404
    assert client.get(reverse("mentoring:task_edit", args=[m.pk, task.pk])).status_code == 404
    for name, args, data in (
        ("task_add", [m.pk], {"title": "Т", "due": TODAY.isoformat()}),
        ("task_edit", [m.pk, task.pk], {"title": "Т", "due": TODAY.isoformat()}),
        ("task_delete", [m.pk, task.pk], {}),
        ("task_mark", [m.pk, task.pk], {"side": "mentee", "mark": "done"}),
        ("summary", [m.pk], {"text": "Т"}),
        ("mentorship_close", [m.pk], {"outcome": "done"}),
    ):
        assert client.post(reverse(f"mentoring:{name}", args=args), data).status_code == 404, name
    task.refresh_from_db()
    m.refresh_from_db()
    assert task.title == "Задача" and task.mentee_mark == TaskMark.PLANNED and m.is_active
    # a task of another pair through this pair's address is a 404 too, for a member
    other = make_pair(w, mentors=[w["teachers"][1]], mentees=[w["teachers"][0]])
    client.force_login(w["young_user"])
    assert client.get(reverse("mentoring:mentorship", args=[m.pk])).status_code == 200
    assert client.get(reverse("mentoring:mentorship", args=[other.pk])).status_code == 404
    foreign = PlanTask.objects.create(mentorship=other, title="Чужая", due=TODAY)
    assert (
        client.post(
            reverse("mentoring:task_mark", args=[m.pk, foreign.pk]), {"side": "mentee", "mark": "done"}
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_the_lists_need_a_managing_role_or_a_curatorship(w, client):
    client.force_login(w["users"]["teacher_in"])
    assert client.get(reverse("mentoring:mentorships")).status_code == 403
    assert client.get(reverse("mentoring:mentorship_create")).status_code == 403
    assert client.get(reverse("mentoring:workspace")).status_code == 403
    approved_program(w)
    client.force_login(w["curator_user"])
    assert client.get(reverse("mentoring:programs")).status_code == 200
    client.force_login(w["coordinator"])
    page = content(client.get("/"))
    assert reverse("mentoring:mentorships") in page and reverse("mentoring:programs") in page
    for query in (
        "?page=-1",
        "?organization=abc",
        "?status=x&form=y",
        "?q=%00" + "я" * 5000,
        "?program=99999999999999999999",
    ):
        assert client.get(reverse("mentoring:mentorships") + query).status_code == 200, query
        assert client.get(reverse("mentoring:programs") + query).status_code == 200, query
    assert client.get(reverse("mentoring:mentorship_create") + "?program=abc").status_code == 200


@pytest.mark.django_db
def test_school_school_mentoring_picks_two_organizations(w, client):
    client.force_login(w["users"]["municipal_coordinator_in"])  # municipality 1.1: schools 0 and 1
    mentee_school, mentor_school = w["schools"][0], w["schools"][1]
    data = pair_post(w, form="school_school", mentors=[], mentees=[], organization=str(mentee_school.pk))
    response = client.post(reverse("mentoring:mentorship_create"), data)
    assert "Укажите организацию-наставника и наставляемую организацию" in content(response)
    data["mentor_organization"] = str(mentee_school.pk)
    assert "не может быть наставником самой себе" in content(
        client.post(reverse("mentoring:mentorship_create"), data)
    )
    data["mentor_organization"] = str(w["schools"][7].pk)  # another municipality: not in the lookup
    assert "Организация не найдена в вашей области доступа" in content(
        client.post(reverse("mentoring:mentorship_create"), data)
    )
    data["mentor_organization"] = str(mentor_school.pk)
    response = client.post(reverse("mentoring:mentorship_create"), data)
    m = Mentorship.objects.get()
    assert (
        response.status_code == 302
        and m.organization == mentee_school
        and m.mentor_organization == mentor_school
    )
    page = content(client.get(reverse("mentoring:mentorship", args=[m.pk])))
    assert "Организация-наставник" in page and "МБОУ СОШ № 112" in page
