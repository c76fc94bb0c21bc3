import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from profrost.diagnostics import taking
from profrost.diagnostics.models import Campaign, Instrument, Item, Result
from profrost.diagnostics.models import Competence as C
from tests.factories import make_user


@pytest.fixture
def regional(world):
    instrument = Instrument.objects.create(name="Региональный тест")
    items = [
        Item.objects.create(
            instrument=instrument,
            number="1",
            position=1,
            type="single",
            key="2",
            max_score=1,
            options=["а", "б", "в"],
        ),
        Item.objects.create(
            instrument=instrument, number="2", position=2, type="short", key="Ёлка", max_score=2
        ),
        Item.objects.create(instrument=instrument, number="3", position=3, type="open", key="", max_score=3),
    ]
    items[0].competences.add(C.objects.get(code="МТ1"))
    items[1].competences.add(C.objects.get(code="МТ1"))
    items[2].competences.add(C.objects.get(code="КМ2"))
    campaign = Campaign.objects.create(
        instrument=instrument, name="Региональная ДПК", kind="regional", time_limit=30
    )
    campaign.municipalities.add(world["municipalities"][0])
    return campaign, items


def test_invite_by_scope_is_idempotent(world, regional):
    campaign, _ = regional
    assert taking.invite_participants(campaign) == 4  # municipality 1.1 has four teachers
    assert taking.invite_participants(campaign) == 0
    assert set(Result.objects.values_list("person_id", flat=True)) == {t.pk for t in world["teachers"][:4]}


def test_take_resume_submit_through_the_pages(world, regional, client):
    campaign, items = regional
    taking.invite_participants(campaign)
    client.force_login(world["users"]["teacher_in"])
    result = Result.objects.get(person=world["inside"]["teacher"])
    assert "Начать" in client.get("/diagnostics/my/").content.decode()
    assert client.get(f"/diagnostics/my/{result.pk}/").status_code == 200
    assert (
        client.post(f"/diagnostics/my/{result.pk}/answer/", {"item": items[0].pk, "answer": "2"}).status_code
        == 200
    )
    client.post(f"/diagnostics/my/{result.pk}/answer/", {"item": items[1].pk, "answer": " ЕЛКА "})
    # The tab closes; the answers are there when the teacher comes back.
    page = client.get(f"/diagnostics/my/{result.pk}/").content.decode()
    assert 'value="2" id=' in page and "checked" in page and 'value=" ЕЛКА "' in page
    client.post(f"/diagnostics/my/{result.pk}/answer/", {"item": items[2].pk, "answer": "Развёрнутый ответ"})
    client.post(f"/diagnostics/my/{result.pk}/submit/")
    result.refresh_from_db()
    # The open answer waits for an expert: the result is submitted, not scored.
    assert result.status == "submitted"
    scores = {s.item.number: s.score for s in result.item_scores.select_related("item")}
    assert scores == {"1": Decimal("1.00"), "2": Decimal("2.00"), "3": None}
    # After submission nothing more is accepted.
    assert (
        client.post(f"/diagnostics/my/{result.pk}/answer/", {"item": items[0].pk, "answer": "1"}).status_code
        == 409
    )
    # Another teacher's attempt is not reachable.
    other = Result.objects.get(person=world["teachers"][1])
    assert client.get(f"/diagnostics/my/{other.pk}/").status_code == 404


def test_time_limit_is_enforced_on_the_server(world, regional, client):
    campaign, items = regional
    taking.invite_participants(campaign)
    result = taking.start(Result.objects.get(person=world["inside"]["teacher"]))
    taking.save_answer(result, items[0], "2")
    Result.objects.filter(pk=result.pk).update(started_at=timezone.now() - datetime.timedelta(minutes=31))
    with pytest.raises(taking.TestClosed, match="Время на выполнение теста истекло"):
        taking.save_answer(result, items[1], "ёлка")
    result.refresh_from_db()
    # Saved answers were submitted automatically: item 1 right (1 point), item 2 unanswered, item 3 empty open → 0.
    assert (
        result.status == "scored"
        and result.total_score == Decimal("1.00")
        and result.max_score == Decimal("6.00")
    )
    assert result.total_percent == Decimal("16.67") and result.level == "низкий"


def test_multiple_choice_boxes_come_back_ticked(world, regional, client):
    campaign, items = regional
    multiple = Item.objects.create(
        instrument=campaign.instrument,
        number="4",
        position=4,
        type="multiple",
        key="1;3",
        max_score=1,
        options=["а", "б", "в"],
    )
    taking.invite_participants(campaign)
    client.force_login(world["users"]["teacher_in"])
    result = Result.objects.get(person=world["inside"]["teacher"])
    client.get(f"/diagnostics/my/{result.pk}/")
    client.post(f"/diagnostics/my/{result.pk}/answer/", {"item": multiple.pk, "answer": ["1", "3"]})
    page = client.get(f"/diagnostics/my/{result.pk}/").content.decode()
    assert f'value="1" id="i{multiple.pk}o1" checked' in page
    assert f'value="2" id="i{multiple.pk}o2">' in page
    assert f'value="3" id="i{multiple.pk}o3" checked' in page


def test_expert_scores_open_answer_and_completes_the_result(world, regional, client):
    campaign, items = regional
    campaign.experts.add(world["users"]["expert"])
    taking.invite_participants(campaign)
    result = taking.start(Result.objects.get(person=world["inside"]["teacher"]))
    taking.save_answer(result, items[0], "2")
    taking.save_answer(result, items[2], "Разбор конфликта по шагам")
    result = taking.submit(result)
    assert result.status == "submitted" and result.level == ""
    client.force_login(world["users"]["expert"])
    queue = client.get("/diagnostics/review/").content.decode()
    assert "№ 3" in queue and world["inside"]["teacher"].last_name not in queue
    pending = taking.expert_queue().get()
    page = client.get(f"/diagnostics/review/{pending.pk}/").content.decode()
    assert "Разбор конфликта по шагам" in page and world["inside"]["teacher"].last_name not in page
    bad = client.post(f"/diagnostics/review/{pending.pk}/", {"score": "4"}).content.decode()
    assert "балл должен быть от 0 до 3" in bad
    client.post(f"/diagnostics/review/{pending.pk}/", {"score": "1,5", "comment": "Неполно"})
    result.refresh_from_db()
    # 1 (item 1) + 0 (item 2 unanswered) + 1.5 (item 3) = 2.5 of 6 = 41.67 % → низкий; КМ2 1.5/3 = 50 % (no deficit).
    assert (result.status, result.total_score, result.total_percent, result.level) == (
        "scored",
        Decimal("2.50"),
        Decimal("41.67"),
        "низкий",
    )
    km2 = result.competence_results.get(competence__code="КМ2")
    assert (km2.percent, km2.is_deficit) == (Decimal("50.00"), False)
    assert client.get(f"/diagnostics/review/{pending.pk}/").status_code == 404  # no longer in the queue
    client.force_login(world["users"]["teacher_in"])
    assert client.get("/diagnostics/review/").status_code == 403


def test_center_staff_creates_a_campaign_from_the_page(world, regional, client):
    campaign, _ = regional
    client.force_login(world["users"]["center_staff"])
    assert "Региональный тест" in client.get("/diagnostics/instruments/").content.decode()
    bad = client.post(
        "/diagnostics/campaigns/new/",
        {
            "instrument": campaign.instrument_id,
            "name": "X",
            "kind": "regional",
            "start": "10.10.2026",
            "end": "01.10.2026",
        },
    )
    assert "Окончание раньше начала" in bad.content.decode()
    response = client.post(
        "/diagnostics/campaigns/new/",
        {
            "instrument": campaign.instrument_id,
            "name": "ДПК весна",
            "kind": "regional",
            "start": "01.03.2027",
            "end": "31.03.2027",
            "time_limit": "45",
            "municipalities": [world["municipalities"][1].pk],
        },
    )
    created = Campaign.objects.get(name="ДПК весна")
    assert response["Location"] == f"/diagnostics/campaigns/{created.pk}/"
    assert (created.time_limit, list(created.municipalities.all())) == (45, [world["municipalities"][1]])
    client.post(f"/diagnostics/campaigns/{created.pk}/invite/")
    assert created.results.count() == 4


def test_one_question_per_screen(world, regional, client):
    campaign, items = regional
    Campaign.objects.filter(pk=campaign.pk).update(one_per_screen=True)
    taking.invite_participants(campaign)
    client.force_login(world["users"]["teacher_in"])
    result = Result.objects.get(person=world["inside"]["teacher"])
    first = client.get(f"/diagnostics/my/{result.pk}/").content.decode()
    assert "Задание 1 из 3" in first and "Задание № 1" in first and "Задание № 2" not in first
    assert "?q=2" in first and "Завершить тест" not in first
    last = client.get(f"/diagnostics/my/{result.pk}/?q=3").content.decode()
    assert "Задание № 3" in last and "?q=2" in last and "Завершить тест" in last
    assert "Задание 3 из 3" in client.get(f"/diagnostics/my/{result.pk}/?q=99").content.decode()


def test_invite_by_list_of_snils(world, regional, client):
    campaign, _ = regional
    inside, far = world["teachers"][0], world["teachers"][15]
    client.force_login(world["users"]["center_staff"])
    url = f"/diagnostics/campaigns/{campaign.pk}/invite/"
    # One bad line (a wrong check number) invites nobody and says which line.
    bad = f"{inside.snils_display}\n{far.snils[:9]}00\n"
    page = client.post(url, {"snils": bad}, follow=True).content.decode()
    assert "Никто не приглашён" in page and "строка 2" in page
    assert campaign.results.count() == 0
    unknown = "\n".join([inside.snils, "112-233-445 95"])
    page = client.post(url, {"snils": unknown}, follow=True).content.decode()
    assert "строка 2: педагог со СНИЛС 112-233-445 95 не найден" in page
    assert campaign.results.count() == 0
    # A good list (blank lines, both spellings, a repeat) invites each person once; re-sending adds nobody.
    good = f"{inside.snils_display}\n\n{far.snils}\n{inside.snils}\n"
    page = client.post(url, {"snils": good}, follow=True).content.decode()
    assert "Приглашено участников: 2; уже были приглашены: 0." in page
    page = client.post(url, {"snils": good}, follow=True).content.decode()
    assert "Приглашено участников: 0; уже были приглашены: 2." in page
    assert sorted(campaign.results.values_list("person_id", flat=True)) == sorted([inside.pk, far.pk])
    # The invited teacher sees the test among their tests.
    client.force_login(world["users"]["teacher_in"])
    assert "Региональная ДПК" in client.get("/diagnostics/my/").content.decode()


def test_campaign_dates_second_submission_and_foreign_attempts(world, regional, client):
    campaign, items = regional
    taking.invite_participants(campaign)
    client.force_login(world["users"]["teacher_in"])
    result = Result.objects.get(person=world["inside"]["teacher"])
    today = timezone.localdate()
    # Not open yet: the clock does not start.
    Campaign.objects.filter(pk=campaign.pk).update(start=today + datetime.timedelta(days=3))
    page = client.get(f"/diagnostics/my/{result.pk}/", follow=True).content.decode()
    assert f"Диагностика начнётся {(today + datetime.timedelta(days=3)):%d.%m.%Y}" in page
    result.refresh_from_db()
    assert (result.status, result.started_at) == ("invited", None)
    # Open: an answer is saved; answers to another person's attempt or of another test are refused.
    Campaign.objects.filter(pk=campaign.pk).update(start=today, end=today)
    assert client.get(f"/diagnostics/my/{result.pk}/").status_code == 200
    url = f"/diagnostics/my/{result.pk}/answer/"
    assert client.post(url, {"item": items[0].pk, "answer": "2"}).status_code == 200
    other = Result.objects.get(person=world["teachers"][1])
    assert (
        client.post(f"/diagnostics/my/{other.pk}/answer/", {"item": items[0].pk, "answer": "1"}).status_code
        == 404
    )
    assert not other.item_scores.exists()
    alien = Item.objects.create(
        instrument=Instrument.objects.create(name="Чужой"), number="1", type="short", max_score=1
    )
    response = client.post(url, {"item": alien.pk, "answer": "x"})
    assert response.status_code == 409 and "не относится к этому тесту" in response.content.decode()
    # The campaign closed yesterday: the next answer is refused, the saved one is submitted and scored.
    Campaign.objects.filter(pk=campaign.pk).update(end=today - datetime.timedelta(days=1))
    response = client.post(url, {"item": items[1].pk, "answer": "ёлка"})
    assert (
        response.status_code == 409
        and "приём ответов закрыт, сохранённые ответы отправлены" in response.content.decode()
    )
    result.refresh_from_db()
    # The open item was left empty (0, nothing to review): scored at once, 1 of 6 points.
    assert (result.status, result.total_score) == ("scored", Decimal("1.00"))
    assert result.item_scores.get(item=items[0]).score == Decimal("1.00")
    # A second submission changes nothing and says so.
    before = (result.total_score, result.submitted_at)
    page = client.post(f"/diagnostics/my/{result.pk}/submit/", follow=True).content.decode()
    assert "повторная отправка не принимается" in page
    result.refresh_from_db()
    assert (result.total_score, result.submitted_at) == before
    # Someone invited who never started finds the campaign closed, and nothing is started.
    late = Result.objects.get(campaign=campaign, person=world["teachers"][2])
    from profrost.accounts.models import User

    User.objects.filter(pk=world["users"]["teacher_in"].pk).update(person=world["teachers"][2])
    page = client.get(f"/diagnostics/my/{late.pk}/", follow=True).content.decode()
    assert "приём ответов закрыт." in page
    late.refresh_from_db()
    assert (late.status, late.started_at) == ("invited", None)


def test_open_answers_go_to_the_campaigns_experts_only(world, regional, client):
    from profrost.accounts.models import Role

    campaign, items = regional
    first = world["users"]["expert"]
    second = make_user("expert2", "expert")
    outsider = make_user("expert3", "expert")
    client.force_login(world["users"]["center_staff"])
    # The experts are set on the campaign's settings page.
    response = client.post(
        f"/diagnostics/campaigns/{campaign.pk}/edit/",
        {
            "instrument": campaign.instrument_id,
            "name": campaign.name,
            "kind": "regional",
            "time_limit": "30",
            "municipalities": [world["municipalities"][0].pk],
            "experts": [first.pk, second.pk],
        },
    )
    assert response.status_code == 302
    assert set(campaign.experts.all()) == {first, second}
    taking.invite_participants(campaign)
    teachers = [world["teachers"][i] for i in (0, 1, 2)]
    for t in teachers:
        result = taking.start(Result.objects.get(person=t))
        taking.save_answer(result, items[2], f"Развёрнутый ответ педагога № {t.pk}")
        taking.submit(result)
    # Three open answers, two experts: 2 + 1, the least loaded first.
    counts = sorted(taking.expert_queue(u).count() for u in (first, second))
    assert counts == [1, 2]
    assert taking.expert_queue(outsider).count() == 0
    assert taking.expert_queue(world["users"]["center_staff"]).count() == 3
    # An expert cannot open an answer assigned to someone else.
    theirs = taking.expert_queue(second).first()
    client.force_login(first)
    assert client.get(f"/diagnostics/review/{theirs.pk}/").status_code == 404
    page = client.get("/diagnostics/review/").content.decode()
    assert "№ 3" in page and all(t.last_name not in page for t in teachers)  # blind: no names
    assert Role.objects.filter(user=outsider, role="expert").exists()
    # The center hands one answer over to the third expert; an expert may not.
    assert (
        client.post(
            f"/diagnostics/review/{taking.expert_queue(first).first().pk}/", {"assign": outsider.pk}
        ).status_code
        == 403
    )
    client.force_login(world["users"]["center_staff"])
    moved = taking.expert_queue(first).first()
    client.post(f"/diagnostics/review/{moved.pk}/", {"assign": outsider.pk})
    assert list(taking.expert_queue(outsider)) == [moved]


def test_the_command_line_creates_the_campaign_the_page_does(world, regional, client, capsys):
    """create-campaign goes through the page's form and action: the same scope (organizations by INN), the same
    experts, the same checks; --invite invites as the page's button does."""
    from django.core.management import CommandError, call_command

    campaign, _ = regional
    args = ["--instrument", str(campaign.instrument_id), "--kind", "regional"]
    call_command(
        "diagnostics",
        "create-campaign",
        *args,
        "--name",
        "ДПК из консоли",
        "--organization",
        world["schools"][1].inn,
        "--expert",
        "expert",
        "--time-limit",
        "20",
        "--start",
        "01.03.2027",
        "--end",
        "31.03.2027",
        "--invite",
    )
    out = capsys.readouterr().out.strip().splitlines()
    by_cli = Campaign.objects.get(pk=int(out[-1]))
    assert out[0] == "Приглашено участников: 2"
    # The page, with the same settings.
    client.force_login(world["users"]["center_staff"])
    client.post(
        "/diagnostics/campaigns/new/",
        {
            "instrument": campaign.instrument_id,
            "name": "ДПК со страницы",
            "kind": "regional",
            "organizations": [world["schools"][1].pk],
            "experts": [world["users"]["expert"].pk],
            "time_limit": "20",
            "start": "01.03.2027",
            "end": "31.03.2027",
        },
    )
    by_page = Campaign.objects.get(name="ДПК со страницы")
    client.post(f"/diagnostics/campaigns/{by_page.pk}/invite/")

    def described(c):
        return (
            c.kind,
            c.time_limit,
            c.start,
            c.end,
            list(c.organizations.all()),
            list(c.experts.all()),
            sorted(c.results.values_list("person_id", flat=True)),
        )

    assert described(by_cli) == described(by_page)
    assert sorted(by_cli.results.values_list("person_id", flat=True)) == [
        t.pk for t in world["teachers"][2:4]
    ]
    # The page's checks hold on the command line too; nothing is created then.
    with pytest.raises(CommandError, match="Не найдены организации с ИНН: 9999999999"):
        call_command(
            "diagnostics", "create-campaign", *args, "--name", "Плохая", "--organization", "9999999999"
        )
    with pytest.raises(CommandError, match="Окончание раньше начала"):
        call_command(
            "diagnostics",
            "create-campaign",
            *args,
            "--name",
            "Плохая",
            "--start",
            "10.10.2026",
            "--end",
            "01.10.2026",
        )
    with pytest.raises(CommandError, match="эксперт «nobody» не найден"):
        call_command("diagnostics", "create-campaign", *args, "--name", "Плохая", "--expert", "nobody")
    assert not Campaign.objects.filter(name="Плохая").exists()


def test_campaign_scope_by_picked_organizations(world, regional, client):
    campaign, _ = regional
    client.force_login(world["users"]["center_staff"])
    url = f"/diagnostics/campaigns/{campaign.pk}/edit/"
    base = {
        "instrument": campaign.instrument_id,
        "name": campaign.name,
        "kind": "regional",
        "time_limit": "30",
    }
    # An id naming no organization: refused, nothing saved, the valid choice kept on the page with its label.
    page = client.post(url, {**base, "organizations": [world["schools"][0].pk, 99999999]}).content.decode()
    assert "Выберите из списка" in page
    assert f'<option value="{world["schools"][0].pk}" selected>{world["schools"][0].name}' in page
    campaign.refresh_from_db()
    assert list(campaign.organizations.all()) == []
    client.post(url, {**base, "organizations": [world["schools"][1].pk]})
    campaign.refresh_from_db()
    assert list(campaign.organizations.all()) == [world["schools"][1]]
    assert list(campaign.municipalities.all()) == []
    # Only that school's two teachers are invited.
    assert taking.invite_participants(campaign) == 2
    # The settings page shows the chosen organization by name and INN.
    school = world["schools"][1]
    label = f"{school.name} — {school.municipality.name}, ИНН {school.inn}"
    assert f'<option value="{school.pk}" selected>{label}</option>' in client.get(url).content.decode()
