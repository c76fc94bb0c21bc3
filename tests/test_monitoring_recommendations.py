"""Addressed recommendations (docs/monitoring.md §9), end to end: drafted from a published municipal snapshot for
the municipalities below target (from the indicator's template), edited and sent by the center (the
municipality's coordinators notified), invisible to another municipality's coordinator (404 by GET and POST),
acknowledged and answered by the right coordinator (measures required, a deadline not in the past; the sender
notified), the next period's live value and whether it moved, overdue answers highlighted and reminded once;
the monitoring report as DOCX and PDF made by the worker."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from docx import Document

from profrost.core.models import Notification, TaskProgress
from profrost.core.periods import last_half_year
from profrost.monitoring import actions
from profrost.monitoring import rating as ratings
from profrost.monitoring.models import (
    Indicator,
    IndicatorSet,
    Level,
    Recommendation,
    RecommendationStatus,
    Target,
)

TODAY = datetime.date.today()
PERIOD = last_half_year(TODAY)
NEXT = ratings.next_period(PERIOD)
TEMPLATE = "За {period} показатель «{indicator}» в «{municipality}»: {value} при цели {target}. Ответ до {due}. {other}"


@pytest.fixture
def setup(world):
    users = world["users"]
    s = IndicatorSet.objects.create(code="RC", name="Набор для рекомендаций", order=97)
    ind = Indicator.objects.create(
        indicator_set=s,
        code="K",
        name="Доля участников",
        unit="percent",
        levels=["municipality"],
        recommendation_template=TEMPLATE,
    )
    Target.objects.create(indicator=ind, period="", value=50)
    staff = users["center_staff"]
    mun = world["municipalities"]  # 1.1 (mc_in's), 1.2, 2.1, 2.2 (mc_out's)
    for m, value in zip(mun, (30, 60, 50, 12.5), strict=True):
        actions.save_manual_value(staff, ind, PERIOD, Level.MUNICIPALITY, m.pk, value, "по данным отчёта")
    snapshot = actions.publish_snapshot(staff, s, PERIOD, Level.MUNICIPALITY)
    return {"set": s, "indicator": ind, "staff": staff, "mun": mun, "snapshot": snapshot, "users": users}


def url(rec):
    return f"/monitoring/recommendations/{rec.pk}/"


def test_workflow_end_to_end(setup, client):
    staff, users, mun = setup["staff"], setup["users"], setup["mun"]
    mc_in, mc_out = users["municipal_coordinator_in"], users["municipal_coordinator_out"]
    with pytest.raises(PermissionDenied):
        actions.draft_recommendations(mc_in, setup["snapshot"])

    # the center drafts from the snapshot page: 1.1 (30 < 50) and 2.2 (12.5 < 50); 1.2 (60) and 2.1 (50) are met
    client.force_login(staff)
    client.post("/monitoring/recommendations/draft/", {"snapshot": setup["snapshot"].pk})
    recs = {r.municipality_id: r for r in Recommendation.objects.all()}
    assert set(recs) == {mun[0].pk, mun[3].pk}
    rec = recs[mun[0].pk]
    due = TODAY + datetime.timedelta(days=actions.ANSWER_DAYS)
    assert rec.status == RecommendationStatus.DRAFT and rec.answer_due == due
    assert rec.text == (
        f"За {PERIOD.label} показатель «Доля участников» в «Муниципалитет 1.1»: 30,0\u00a0% при цели "
        f"50,0\u00a0%. Ответ до {due:%d.%m.%Y}. {{other}}"
    )
    assert actions.draft_recommendations(staff, setup["snapshot"]) == 0  # not twice

    # the draft is not shown to the coordinator yet
    client.force_login(mc_in)
    assert client.get(url(rec)).status_code == 404

    # the center edits (the deadline in the text follows) and sends
    client.force_login(staff)
    new_due = TODAY + datetime.timedelta(days=14)
    page = client.post(
        url(rec),
        {
            "action": "save",
            "text": rec.text + " Исправлено.",
            "answer_due": new_due.isoformat(),
            "version": 1,
        },
    )
    assert page.status_code == 302
    rec.refresh_from_db()
    assert (
        rec.text.endswith("Исправлено.") and f"Ответ до {new_due:%d.%m.%Y}" in rec.text and rec.version == 2
    )
    stale = client.post(
        url(rec), {"action": "send", "text": "x", "answer_due": new_due.isoformat(), "version": 1}
    )
    assert stale.status_code == 400 and "изменил другой пользователь" in stale.content.decode()
    past = client.post(
        url(rec), {"action": "send", "text": rec.text, "answer_due": "2001-01-01", "version": 2}
    )
    assert past.status_code == 400 and "не может быть в прошлом" in past.content.decode()
    client.post(
        url(rec), {"action": "send", "text": rec.text, "answer_due": new_due.isoformat(), "version": 2}
    )
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.SENT and rec.sent_by == staff
    assert Notification.objects.filter(user=mc_in, url=url(rec)).count() == 1
    assert not Notification.objects.filter(user=mc_out).exists()

    # another municipality's coordinator: 404 by GET and POST, nothing changes
    client.force_login(mc_out)
    assert client.get(url(rec)).status_code == 404
    for data in ({"action": "acknowledge"}, {"action": "answer", "measures": "м", "measures_due": new_due}):
        assert client.post(url(rec), data).status_code == 404
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.SENT
    with pytest.raises(PermissionDenied):
        actions.answer(mc_out, rec, "меры", new_due)
    # the center sees it but may not answer for the municipality
    with pytest.raises(PermissionDenied):
        actions.acknowledge(staff, rec)

    # the right coordinator acknowledges, then answers
    client.force_login(mc_in)
    page = client.get(url(rec)).content.decode()
    assert "Подтвердить получение" in page and "Исправлено." in page
    client.post(url(rec), {"action": "acknowledge"})
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.ACKNOWLEDGED and rec.acknowledged_at
    empty = client.post(url(rec), {"action": "answer", "measures": "  ", "measures_due": new_due.isoformat()})
    assert empty.status_code == 400 and "Укажите принятые меры" in empty.content.decode()
    typed = client.post(url(rec), {"action": "answer", "measures": "План мер", "measures_due": "2001-01-01"})
    assert typed.status_code == 400 and "не может быть в прошлом" in typed.content.decode()
    assert "План мер" in typed.content.decode()  # what was typed is kept
    bad = client.post(url(rec), {"action": "answer", "measures": "План мер", "measures_due": "31.02.2027"})
    assert bad.status_code == 400 and "Срок исполнения мер" in bad.content.decode()
    measures_due = TODAY + datetime.timedelta(days=60)
    client.post(
        url(rec),
        {"action": "answer", "measures": "Организованы курсы", "measures_due": measures_due.isoformat()},
    )
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.ANSWERED and rec.measures == "Организованы курсы"
    assert rec.measures_due == measures_due and rec.answered_by == mc_in
    assert Notification.objects.filter(
        user=staff, url=url(rec), text__startswith="Ответ на рекомендацию"
    ).exists()

    # the center sees the answer and the list, the coordinator only their own recommendation
    client.force_login(staff)
    assert "Организованы курсы" in client.get(url(rec)).content.decode()
    client.force_login(mc_in)
    listing = client.get("/monitoring/recommendations/").content.decode()
    assert f'data-recommendation="{rec.pk}"' in listing
    assert f'data-recommendation="{recs[mun[3].pk].pk}"' not in listing


def test_next_period_value_shows_movement(setup, client):
    staff, mun = setup["staff"], setup["mun"]
    actions.draft_recommendations(staff, setup["snapshot"])
    rec = Recommendation.objects.get(municipality=mun[0])
    actions.send_recommendation(staff, rec, rec.text, TODAY + datetime.timedelta(days=10))
    client.force_login(setup["users"]["municipal_coordinator_in"])
    assert "нет данных" in client.get(url(rec)).content.decode()
    actions.save_manual_value(staff, setup["indicator"], NEXT, Level.MUNICIPALITY, mun[0].pk, 45, "")
    page = client.get(url(rec)).content.decode()
    assert f"Следующий период — {NEXT.label}" in page
    assert "45,0\u00a0%" in page and "значение улучшилось" in page
    actions.save_manual_value(staff, setup["indicator"], NEXT, Level.MUNICIPALITY, mun[0].pk, 55, "")
    assert "цель достигнута" in client.get(url(rec)).content.decode()
    assert ratings.movement(setup["indicator"], 30, 20, 50) == "worse"
    assert ratings.movement(setup["indicator"], 30, 30, 50) == "same"


def test_overdue_highlighted_and_reminded_once(setup, client):
    staff, mun, users = setup["staff"], setup["mun"], setup["users"]
    actions.draft_recommendations(staff, setup["snapshot"])
    late = Recommendation.objects.get(municipality=mun[3])
    on_time = Recommendation.objects.get(municipality=mun[0])
    # sent ten days ago with five days to answer: overdue now
    actions.send_recommendation(
        staff, late, late.text, TODAY - datetime.timedelta(days=5), today=TODAY - datetime.timedelta(days=10)
    )
    actions.send_recommendation(staff, on_time, on_time.text, TODAY + datetime.timedelta(days=5))
    client.force_login(staff)
    listing = client.get("/monitoring/recommendations/").content.decode()
    assert f'data-recommendation="{late.pk}" class="table-danger overdue"' in listing
    assert f'data-recommendation="{on_time.pk}" class=' not in listing
    assert "Просрочен ответ: 1" in listing
    only = client.get("/monitoring/recommendations/", {"overdue": "1"}).content.decode()
    assert f'data-recommendation="{on_time.pk}"' not in only
    assert actions.remind_overdue() == 1
    assert Notification.objects.filter(
        user=users["municipal_coordinator_out"], text__startswith="Просрочен"
    ).exists()
    assert Notification.objects.filter(user=staff, text__startswith="Просрочен").exists()
    assert actions.remind_overdue() == 0  # once
    call_command("monitoring", "remind")
    # answered: no longer overdue
    actions.answer(
        users["municipal_coordinator_out"], late, "Меры приняты", TODAY + datetime.timedelta(days=30)
    )
    assert not actions.overdue(Recommendation.objects.all()).exists()
    # bad filter values: a message, not an error
    for bad in (
        {"status": "x"},
        {"municipality": "-5"},
        {"indicator": "9" * 30},
        {"q": "\x00" * 10},
        {"page": "z"},
    ):
        assert client.get("/monitoring/recommendations/", bad).status_code == 200
    xlsx = client.get("/monitoring/recommendations/", {"format": "xlsx"})
    assert xlsx.status_code == 200


def test_draft_only_from_a_municipal_snapshot_and_manual_value_rules(setup):
    staff = setup["staff"]
    regional = Indicator.objects.create(
        indicator_set=setup["set"], code="RG", name="Региональный", unit="yesno", levels=["region"]
    )
    world_region = setup["mun"][0].region
    with pytest.raises(actions.MonitoringError, match="«да / нет»"):
        actions.save_manual_value(staff, regional, PERIOD, Level.REGION, world_region.pk, 2, "")
    with pytest.raises(actions.MonitoringError, match="на этом уровне"):
        actions.save_manual_value(staff, regional, PERIOD, Level.MUNICIPALITY, setup["mun"][0].pk, 1, "")
    with pytest.raises(actions.MonitoringError, match="Неверный период"):
        actions.save_manual_value(staff, regional, "2026-13", Level.REGION, world_region.pk, 1, "")
    actions.save_manual_value(staff, regional, PERIOD, Level.REGION, world_region.pk, 1, "Приказ № 5")
    snapshot = actions.publish_snapshot(staff, setup["set"], PERIOD, Level.REGION)
    with pytest.raises(actions.MonitoringError, match="муниципального уровня"):
        actions.draft_recommendations(staff, snapshot)
    computed = Indicator.objects.create(
        indicator_set=setup["set"], code="C", name="Вычисляемый", numerator="staff", levels=["region"]
    )
    with pytest.raises(actions.MonitoringError, match="вычисляется"):
        actions.save_manual_value(staff, computed, PERIOD, Level.REGION, world_region.pk, 1, "")


def test_report_docx_and_pdf(setup, client):
    staff = setup["staff"]
    actions.draft_recommendations(staff, setup["snapshot"])
    client.force_login(setup["users"]["municipal_coordinator_in"])
    assert (
        client.get("/monitoring/report/", {"set": setup["set"].pk, "period": PERIOD.code}).status_code == 200
    )
    for fmt, magic in (("docx", b"PK"), ("pdf", b"%PDF")):
        response = client.get(
            "/monitoring/report/", {"set": setup["set"].pk, "period": PERIOD.code, "format": fmt}
        )
        assert response.status_code == 302
        progress = TaskProgress.objects.filter(user=setup["users"]["municipal_coordinator_in"]).latest("pk")
        assert progress.state == TaskProgress.State.DONE, progress.message
        with progress.file.open("rb") as fh:
            content = fh.read()
        assert content[: len(magic)] == magic
        if fmt == "docx":
            text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
            assert "Показатели муниципалитетов" in text and "Адресные рекомендации" in text
            assert "черновик — 0" in text  # the coordinator sees no drafts
    for bad in ({"period": "2026-99"}, {"set": "0"}, {"format": "exe"}):
        assert client.get("/monitoring/report/", bad).status_code == 200
