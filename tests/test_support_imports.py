"""Issue 12 point 7: the asset register and the assignments from XLSX through the one import pipeline
(`profrost import asset|assignments FILE`, the import pages): good files write the rows the support actions
write; unknown directions, municipalities and SNILS, unmet criteria and an over-limit load are row errors in
Russian and nothing is written."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from profrost.accounts.models import Role, RoleCode
from profrost.core.imports import run_import
from profrost.core.models import ImportJob
from profrost.support.models import AssetMember, Assignment, Direction, MemberStatus, Order
from tests.factories import make_user
from tests.test_support import approved_member, good_candidate

TODAY = datetime.date.today()
ASSET_HEADERS = [
    "СНИЛС",
    "ФИО",
    "Направления",
    "Предметы",
    "Зона",
    "Форма привлечения",
    "Приказ",
    "Дата приказа",
    "Срок по",
    "Обоснование",
]
ASSIGNMENT_HEADERS = ["СНИЛС педагога", "СНИЛС методиста", "Направление"]


def xlsx(path, headers, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    wb.save(path)
    return path


def asset_row(person, **kw):
    row = {
        "СНИЛС": person.snils_display,
        "ФИО": person.full_name,
        "Направления": "Выявление профессиональных дефицитов; Построение и сопровождение ИОМ",
        "Зона": "Муниципалитет 1.1; Муниципалитет 1.2",
        "Форма привлечения": "Договор гражданско-правового характера",
        "Приказ": "12-од",
        "Дата приказа": TODAY.strftime("%d.%m.%Y"),
    }
    row.update(kw)
    return row


def run(kind, tmp_path, headers, rows, user=None, dry_run=False):
    path = xlsx(tmp_path / f"{kind}.xlsx", headers, rows)
    return run_import(kind, str(path), user=user, dry_run=dry_run)


def roles_of(user):
    return set(Role.objects.filter(user=user, is_active=True).values_list("role", flat=True))


# --- the asset register --------------------------------------------------------------------------------------------


def test_a_good_asset_file_approves_members_by_order_and_nominates_candidates(world, tmp_path):
    center = world["users"]["center_staff"]
    good = good_candidate(world)  # meets every criterion
    login = make_user("good_login", "teacher", person=good)
    weak = world["teachers"][4]  # meets no criterion: approved only with a justification
    candidate = world["teachers"][8]
    end = TODAY + datetime.timedelta(days=365)
    rows = [
        asset_row(
            good,
            **{"Предметы": "Математика; информатика", "Срок по": end.strftime("%d.%m.%Y")},
        ),
        asset_row(
            weak,
            **{
                "Направления": "ШНОР",
                "Зона": "Муниципалитет 1.2",
                "Форма привлечения": "Штатный сотрудник ЦНППМ",
                "Обоснование": "Руководитель районного методического объединения",
            },
        ),
        asset_row(
            candidate,
            **{
                "Направления": "Консультативная помощь и поддержка",
                "Зона": "Муниципалитет 2.1",
                "Приказ": None,
                "Дата приказа": None,
                "ФИО": None,
            },
        ),
    ]
    preview = run("asset", tmp_path, ASSET_HEADERS, rows, user=center, dry_run=True)
    assert preview.ok and (preview.new, preview.changed, preview.unchanged) == (3, 0, 0), (
        preview.error_lines()
    )
    assert not AssetMember.objects.exists() and not Order.objects.exists()  # the preview writes nothing

    result = run("asset", tmp_path, ASSET_HEADERS, rows, user=center)
    assert result.written and result.new == 3
    order = Order.objects.get()
    assert (order.number, order.date) == ("12-од", TODAY)
    m1 = AssetMember.objects.get(person=good)
    assert m1.status == MemberStatus.APPROVED and m1.order == order and m1.start == TODAY and m1.end == end
    assert m1.directions == [Direction.DEFICITS, Direction.ROUTES]
    assert sorted(m1.zone.values_list("name", flat=True)) == ["Муниципалитет 1.1", "Муниципалитет 1.2"]
    assert set(m1.subjects.values_list("name", flat=True)) == {"математика", "информатика"}
    assert m1.engagement == "contract" and m1.nominated_by == center and m1.approved_by == center
    # The role comes with the approval, as on the approval page.
    assert RoleCode.METHODOLOGIST in roles_of(login)
    m2 = AssetMember.objects.get(person=weak)
    assert m2.status == MemberStatus.APPROVED and m2.directions == [Direction.LOW_RESULTS]
    assert m2.engagement == "staff" and m2.justification == "Руководитель районного методического объединения"
    # The criteria not met are recorded with the justification (make_person: no category, no higher pedagogical
    # education, no assessment, no course).
    assert len(m2.unmet_at_approval) == 4 and "Высшее педагогическое образование" in m2.unmet_at_approval
    m3 = AssetMember.objects.get(person=candidate)
    assert m3.status == MemberStatus.NOMINATED and m3.order is None and m3.start is None
    assert list(m3.zone.values_list("name", flat=True)) == ["Муниципалитет 2.1"]

    # The same file again changes nothing.
    again = run("asset", tmp_path, ASSET_HEADERS, rows, user=center)
    assert again.ok and (again.new, again.changed, again.unchanged) == (0, 0, 3)
    assert AssetMember.objects.count() == 3 and Order.objects.count() == 1

    # The candidate approved by a later order's file: the existing candidacy is approved («changed»).
    rows[2].update({"Приказ": "15-од", "Дата приказа": TODAY.strftime("%d.%m.%Y"), "Обоснование": "Тьютор"})
    later = run("asset", tmp_path, ASSET_HEADERS, rows, user=center)
    assert later.written and (later.new, later.changed, later.unchanged) == (0, 1, 2), later.error_lines()
    m3.refresh_from_db()
    assert m3.status == MemberStatus.APPROVED and m3.order.number == "15-од"
    assert AssetMember.objects.count() == 3


def test_bad_asset_rows_are_reported_in_russian_and_nothing_is_written(world, tmp_path):
    center = world["users"]["center_staff"]
    t = world["teachers"]
    rows = [
        asset_row(t[0], **{"Направления": "Выявление дефицитов; Астрология", "Обоснование": "x"}),
        asset_row(t[1], **{"Зона": "Муниципалитет 1.1; Нигдеград", "Обоснование": "x"}),
        asset_row(t[2], **{"СНИЛС": "112-233-445 95"}),
        asset_row(t[3]),  # no criterion met, no justification
        asset_row(t[4], **{"ФИО": "Петров Пётр Петрович", "Обоснование": "x"}),
        asset_row(t[5], **{"Дата приказа": None, "Обоснование": "x"}),
        asset_row(t[6], **{"Дата приказа": "01.01.2099", "Обоснование": "x"}),
        asset_row(t[7], **{"Форма привлечения": "по дружбе", "Обоснование": "x"}),
    ]
    result = run("asset", tmp_path, ASSET_HEADERS, rows, user=center)
    assert not result.written and result.error_rows == 8
    lines = result.error_lines()
    assert any(
        line.startswith("строка 2, «Направления»: неизвестные направления: «Астрология»: допустимо")
        for line in lines
    ), lines
    assert "строка 3, «Зона»: муниципалитет не найден: «Нигдеград»" in lines
    assert "строка 4, «СНИЛС»: педагог со СНИЛС 112-233-445 95 не найден в реестре" in lines
    assert (
        "строка 5: не выполнены критерии включения (категория, образование, обучение, оценка компетенций) — "
        "заполните «Обоснование» или уберите приказ (тогда педагог станет кандидатом)"
    ) in lines, lines
    assert f"строка 6, «ФИО»: не совпадает с реестром: по СНИЛС найден педагог {t[4].full_name}" in lines
    assert any(line.startswith("строка 7, «Дата приказа»: укажите дату приказа") for line in lines), lines
    assert "строка 8: Дата приказа не может быть в будущем" in lines
    assert any(
        line.startswith("строка 9, «Форма привлечения»: неизвестная форма привлечения «по дружбе»")
        for line in lines
    )
    # The trials of the rows that reached the actions left nothing behind.
    assert not AssetMember.objects.exists() and not Order.objects.exists()
    assert (
        not Role.objects.filter(role=RoleCode.METHODOLOGIST).exclude(user__username="methodologist").exists()
    )


def test_an_already_approved_member_under_another_order_is_a_row_error(world, tmp_path):
    member = approved_member(world)
    row = asset_row(member.person, **{"Приказ": "99-од", "Направления": "ИОМ", "Зона": "Муниципалитет 1.1"})
    result = run("asset", tmp_path, ASSET_HEADERS, [row], user=world["users"]["center_staff"])
    assert not result.written
    assert result.error_lines() == [
        f"строка 2: {member.person.full_name} уже в активе (утверждён приказом № 12-од от {TODAY:%d.%m.%Y})"
    ]


# --- assignments -----------------------------------------------------------------------------------------------


def assignment_row(teacher, member, direction="Построение и сопровождение ИОМ"):
    return {
        "СНИЛС педагога": teacher.snils_display,
        "СНИЛС методиста": member.person.snils_display,
        "Направление": direction,
    }


def test_a_good_assignments_file_assigns_in_the_zone(world, tmp_path):
    center = world["users"]["center_staff"]
    member = approved_member(world)  # zone: Муниципалитет 1.1, direction ИОМ
    t = world["teachers"]
    rows = [assignment_row(t[0], member), assignment_row(t[2], member, "иом")]
    result = run("assignments", tmp_path, ASSIGNMENT_HEADERS, rows, user=center)
    assert result.written and result.new == 2, result.error_lines()
    got = Assignment.objects.filter(member=member, active=True).order_by("person_id")
    assert [(a.person, a.direction, a.municipality.name, a.since, a.assigned_by) for a in got] == [
        (t[0], Direction.ROUTES, "Муниципалитет 1.1", TODAY, center),
        (t[2], Direction.ROUTES, "Муниципалитет 1.1", TODAY, center),
    ]
    again = run("assignments", tmp_path, ASSIGNMENT_HEADERS, rows, user=center)
    assert again.ok and (again.new, again.unchanged) == (0, 2)
    assert Assignment.objects.count() == 2


@override_settings(SUPPORT_LOAD_LIMIT=2)
def test_bad_assignment_rows_over_the_limit_out_of_zone_unknown_nothing_written(world, tmp_path):
    center = world["users"]["center_staff"]
    member = approved_member(world)
    # A second member, written directly (the approval's own rules are tested in tests/test_support.py).
    full = AssetMember.objects.create(
        person=world["teachers"][12],
        directions=[Direction.ROUTES],
        status=MemberStatus.APPROVED,
        order=Order.objects.create(number="13-од", date=TODAY),
        start=TODAY,
    )
    full.zone.set([world["municipalities"][0]])
    t = world["teachers"]
    for teacher in (t[0], t[1]):  # `full` is at its limit of 2
        Assignment.objects.create(
            member=full,
            person=teacher,
            direction=Direction.ROUTES,
            municipality=world["municipalities"][0],
            since=TODAY,
        )
    candidate = AssetMember.objects.create(person=t[13], directions=[Direction.ROUTES])
    candidate.zone.set([world["municipalities"][0]])
    rows = [
        assignment_row(t[15], member),  # 2: Муниципалитет 2.2 — outside the zone
        assignment_row(t[2], member),  # 3: fine — load 1 of 2
        assignment_row(t[3], member),  # 4: fine — load 2 of 2
        assignment_row(t[1], member),  # 5: over the limit, counting the file's rows
        assignment_row(t[3], full),  # 6: over the limit stored
        assignment_row(t[2], member, "Астрология"),  # 7: unknown direction
        {**assignment_row(t[2], member), "СНИЛС педагога": "112-233-445 95"},  # 8: unknown SNILS
        assignment_row(t[2], candidate),  # 9: a candidate, not approved
        {**assignment_row(t[2], member), "СНИЛС методиста": t[9].snils_display},  # 10: not in the asset
    ]
    result = run("assignments", tmp_path, ASSIGNMENT_HEADERS, rows, user=center)
    assert not result.written and result.error_rows == 7
    lines = result.error_lines()
    assert not any(line.startswith(("строка 3", "строка 4")) for line in lines), lines
    assert any(
        line.startswith(f"строка 2: {t[15].full_name} не работает в зоне методиста (Муниципалитет 1.1)")
        for line in lines
    ), lines
    assert (
        "строка 5: Закреплено 2 из 2 (с учётом предыдущих строк файла: 2) — назначение превысит лимит"
        in lines
    ), lines
    assert "строка 6: Закреплено 2 из 2 — назначение превысит лимит" in lines, lines
    assert any(
        line.startswith("строка 7, «Направление»: неизвестное направление «Астрология»") for line in lines
    )
    assert "строка 8, «СНИЛС педагога»: педагог со СНИЛС 112-233-445 95 не найден в реестре" in lines
    assert "строка 9: Закреплять педагогов можно только за утверждённым членом методического актива" in lines
    assert (
        f"строка 10, «СНИЛС методиста»: {t[9].full_name} не входит в региональный методический актив" in lines
    )
    # Only the two stored assignments: the trials left nothing.
    assert Assignment.objects.count() == 2


# --- the command line ----------------------------------------------------------------------------------------------


def test_the_command_line_prints_a_russian_summary(world, tmp_path):
    member = approved_member(world)
    good = xlsx(tmp_path / "a.xlsx", ASSIGNMENT_HEADERS, [assignment_row(world["teachers"][0], member)])
    out = io.StringIO()
    call_command("import", "assignments", str(good), stdout=out)
    text = out.getvalue()
    assert (
        "Строк: 1; новых: 1; изменённых: 0; без изменений: 0; с ошибками: 0" in text and "Записано." in text
    )
    assignment = Assignment.objects.get()
    assert assignment.person == world["teachers"][0] and assignment.assigned_by.username == "region_admin"

    bad = xlsx(
        tmp_path / "b.xlsx",
        ASSET_HEADERS,
        [asset_row(world["teachers"][5], **{"Направления": "Астрология"})],
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "asset", str(bad), stdout=out, stderr=err)
    assert exit_.value.code == 1
    assert "с ошибками: 1" in out.getvalue()
    assert "строка 2, «Направления»: неизвестные направления: «Астрология»" in out.getvalue()
    assert "ничего не записано" in err.getvalue()
    assert AssetMember.objects.count() == 1  # only the member made above

    candidate = xlsx(
        tmp_path / "c.xlsx",
        ASSET_HEADERS,
        [asset_row(world["teachers"][5], **{"Приказ": None, "Дата приказа": None})],
    )
    out = io.StringIO()
    call_command("import", "asset", str(candidate), "--user", "center_staff", stdout=out)
    assert "новых: 1" in out.getvalue()
    nominated = AssetMember.objects.get(person=world["teachers"][5])
    assert nominated.status == MemberStatus.NOMINATED and nominated.nominated_by.username == "center_staff"


# --- the pages -----------------------------------------------------------------------------------------------------


def test_the_upload_pages_and_templates_for_the_center_refused_for_a_school(
    world, client, tmp_path, settings
):
    settings.UPLOAD_DIR = str(tmp_path / "uploads")
    client.force_login(world["users"]["center_staff"])
    listing = client.get("/imports/").content.decode()
    assert "Загрузить: региональный методический актив" in listing
    assert "Загрузить: закрепление педагогов за методистами" in listing
    for kind, headers in (("asset", ASSET_HEADERS), ("assignments", ASSIGNMENT_HEADERS)):
        page = client.get(f"/imports/{kind}/upload/")
        assert page.status_code == 200 and "«Направлени" in page.content.decode()
        template = client.get(f"/imports/{kind}/template.xlsx")
        assert template.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(template.streaming_content))).worksheets[0]
        assert [c.value for c in sheet[1]] == headers
    # A file through the page: previewed, then committed.
    member = approved_member(world)
    path = xlsx(tmp_path / "a.xlsx", ASSIGNMENT_HEADERS, [assignment_row(world["teachers"][1], member)])
    with open(path, "rb") as fh:
        assert client.post("/imports/assignments/upload/", {"file": fh}).status_code == 302
    job = ImportJob.objects.get()
    assert job.counts["new"] == 1 and not job.errors and not Assignment.objects.exists()
    client.post(f"/imports/job/{job.pk}/commit/")
    assert Assignment.objects.get().person == world["teachers"][1]
    candidate = world["teachers"][2]
    path = xlsx(
        tmp_path / "b.xlsx", ASSET_HEADERS, [asset_row(candidate, **{"Приказ": None, "Дата приказа": None})]
    )
    with open(path, "rb") as fh:
        client.post("/imports/asset/upload/", {"file": fh})
    job = ImportJob.objects.get(kind="asset")
    client.post(f"/imports/job/{job.pk}/commit/")
    assert AssetMember.objects.get(person=candidate).status == MemberStatus.NOMINATED

    client.force_login(world["users"]["school_coordinator_in"])
    for kind in ("asset", "assignments"):
        assert client.get(f"/imports/{kind}/upload/").status_code == 403
        assert client.get(f"/imports/{kind}/template.xlsx").status_code == 403


def test_a_file_loaded_on_behalf_of_a_school_coordinator_is_rejected(world, tmp_path):
    result = run(
        "asset",
        tmp_path,
        ASSET_HEADERS,
        [asset_row(world["teachers"][0])],
        user=world["users"]["school_coordinator_in"],
    )
    assert (
        result.file_error
        == "загрузку «Региональный методический актив» выполняют только администратор региона и центр"
    )
    assert not AssetMember.objects.exists()
