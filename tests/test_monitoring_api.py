"""The monitoring's read-only JSON API (docs/monitoring.md §12): token authentication with a token made by
`profrost monitoring token`, who is refused, the values of 004_… 1.2.4 row 1 computed by hand (the world of
tests/test_monitoring_cli.py), published snapshots with the rating's places, bad parameters → 400 in Russian,
the OpenAPI document."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from profrost.monitoring.models import Indicator, IndicatorSet, Snapshot, SnapshotValue
from tests.test_monitoring_cli import PERIOD, build_numbers

SETS = "/api/monitoring/sets/"
VALUES = "/api/monitoring/values/"
SNAPSHOTS = "/api/monitoring/snapshots/"
SCHEMA = "/api/schema/"


def make_token(user):
    out = io.StringIO()
    call_command("monitoring", "token", user.username, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def api(client):
    def get(url, token=None, **params):
        headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
        return client.get(url, params, **headers)

    return get


@pytest.fixture
def admin_token(world):
    return make_token(world["users"]["region_admin"])


def test_a_token_made_by_the_command_opens_the_api(world, api, admin_token):
    assert len(admin_token) == 40
    assert Token.objects.get(user=world["users"]["region_admin"]).key == admin_token
    assert make_token(world["users"]["region_admin"]) == admin_token  # the same token again
    response = api(SETS, admin_token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert [s["code"] for s in data["results"]] == ["004", "000", "003"]
    assert data["results"][0]["indicators_count"] == 14
    indicators = api(f"{SETS}004/indicators/", admin_token).json()["results"]
    first = indicators[0]
    assert (first["code"], first["numerator"], first["denominator"], first["unit"]) == (
        "1",
        "diagnosed_high",
        "staff",
        "percent",
    )
    assert first["targets"] == [{"period": "", "value": 40.0}]
    # a coordinator's token works too; --new replaces the old one
    mc = world["users"]["municipal_coordinator_in"]
    old = make_token(mc)
    out = io.StringIO()
    call_command("monitoring", "token", mc.username, "--new", stdout=out)
    new = out.getvalue().strip()
    assert new != old
    assert api(SETS, old).status_code == 401
    assert api(SETS, new).status_code == 200


def test_who_is_refused(world, api, admin_token, client):
    assert api(SETS).status_code == 401  # anonymous: not sent to the login page, a JSON answer
    assert "detail" in api(SETS).json()
    assert api(SETS, "0" * 40).status_code == 401  # an unknown token
    teacher = world["users"]["teacher_in"]
    with pytest.raises(CommandError, match="мониторинг недоступен"):
        make_token(teacher)
    teacher_token = Token.objects.create(user=teacher).key  # made some other way: still refused
    response = api(VALUES, teacher_token, set="004", period="2025")
    assert response.status_code == 403
    assert "Нет доступа к мониторингу" in response.json()["detail"]
    for url in (SETS, f"{SETS}004/indicators/", SNAPSHOTS, SCHEMA):
        assert api(url, teacher_token).status_code == 403, url
    # a region admin blocked: the token stops working
    admin = world["users"]["region_admin"]
    admin.is_active = False
    admin.save(update_fields=["is_active"])
    assert api(SETS, admin_token).status_code == 401
    with pytest.raises(CommandError, match="заблокирован"):
        make_token(admin)
    # the session of a coordinator works as well; read-only
    client.force_login(world["users"]["school_coordinator_in"])
    assert client.get(SETS).status_code == 200
    assert client.post(SETS, {}).status_code in (403, 405)


def test_revoke(world, api, admin_token):
    call_command("monitoring", "token", "region_admin", "--revoke", stdout=io.StringIO())
    assert api(SETS, admin_token).status_code == 401


def test_values_are_computed_by_hand(world, api, admin_token):
    build_numbers(world)
    response = api(VALUES, admin_token, set="004", period=PERIOD, level="municipality", indicator="1")
    assert response.status_code == 200
    data = response.json()
    assert (data["set"], data["period"], data["level"], data["count"]) == ("004", PERIOD, "municipality", 4)
    rows = {r["unit_name"]: r for r in data["results"]}
    mun = world["municipalities"]
    # Муниципалитет 1.1: high + elevated = 2 of 4 staff → 50.0 % ≥ 40; 1.2: 2 of 3 (a job ended) → 66.7 %
    assert rows["Муниципалитет 1.1"] == {
        "indicator": "1",
        "indicator_name": Indicator.objects.get(indicator_set__code="004", code="1").name,
        "value_unit": "percent",
        "unit_id": mun[0].pk,
        "unit_name": "Муниципалитет 1.1",
        "numerator": 2,
        "denominator": 4,
        "value": 50.0,
        "target": 40.0,
        "met": True,
    }
    assert (rows["Муниципалитет 1.2"]["numerator"], rows["Муниципалитет 1.2"]["value"]) == (2, 66.7)
    assert (rows["Муниципалитет 2.2"]["value"], rows["Муниципалитет 2.2"]["met"]) == (0.0, False)
    # one unit; the region: 4 of 15 → 26.7 %
    one = api(VALUES, admin_token, set="004", period=PERIOD, unit=mun[1].pk).json()
    assert {r["unit_id"] for r in one["results"]} == {mun[1].pk}
    assert {r["indicator"]: r["value"] for r in one["results"]}["2"] == 100.0  # 3 routes of 3 staff
    region = api(VALUES, admin_token, set="004", period="2024-2025", level="region", indicator="1").json()
    assert [(r["numerator"], r["denominator"], r["value"]) for r in region["results"]] == [(4, 15, 26.7)]
    # every indicator × every municipality, 100 a page
    everything = api(VALUES, admin_token, set="004", period=PERIOD).json()
    at_municipality = Indicator.objects.filter(indicator_set__code="004", levels__contains=["municipality"])
    assert everything["count"] == at_municipality.count() * 4
    manual = [r for r in everything["results"] if r["indicator"] == "9"]
    assert {(r["numerator"], r["value"], r["met"]) for r in manual} == {(None, None, None)}


BAD = [
    ({"period": "2025"}, "set", "Укажите параметр «set»"),
    ({"set": "999", "period": "2025"}, "set", "Набор показателей «999» не найден; есть: 004, 000, 003"),
    ({"set": "00\x004", "period": "2025"}, "set", "Неверное значение параметра «set»"),
    ({"set": "x" * 5000, "period": "2025"}, "set", "Неверное значение параметра «set»"),
    ({"set": "004"}, "period", "Укажите параметр «period»"),
    ({"set": "004", "period": "2025-2023"}, "period", "Учебный год — два соседних года"),
    ({"set": "004", "period": "2025-09-01..2024-01-01"}, "period", "заканчивается раньше"),
    ({"set": "004", "period": "2001-01-01..2020-01-01"}, "period", "длиннее 10 лет"),
    ({"set": "004", "period": "2025-02-30..2025-03-01"}, "period", "Неверная дата периода"),
    ({"set": "004", "period": "вчера"}, "period", "Неверный период"),
    ({"set": "004", "period": "2025", "level": "planet"}, "level", "Неверный уровень"),
    ({"set": "004", "period": "2025", "unit": "abc"}, "unit", "целым положительным числом"),
    ({"set": "004", "period": "2025", "unit": "-1"}, "unit", "целым положительным числом"),
    ({"set": "004", "period": "2025", "unit": "1\x00"}, "unit", "Неверное значение параметра «unit»"),
    ({"set": "004", "period": "2025", "unit": "9" * 30}, "unit", "целым положительным числом"),
    ({"set": "004", "period": "2025", "unit": "99999999"}, "unit", "не найдена"),
    ({"set": "004", "period": "2025", "indicator": "99"}, "indicator", "Показателя «99» нет в наборе «004»"),
]


@pytest.mark.parametrize("params, parameter, message", BAD)
def test_bad_parameters_are_400_in_russian(world, api, admin_token, params, parameter, message):
    response = api(VALUES, admin_token, **params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["parameter"] == parameter
    assert message in body["detail"]


def test_snapshots_with_places(world, api, admin_token):
    admin = world["users"]["region_admin"]
    chosen = IndicatorSet.objects.get(code="004")
    indicator = chosen.indicators.get(code="1")
    mun = world["municipalities"]
    rating = Snapshot.objects.create(
        kind="rating",
        indicator_set=chosen,
        level="municipality",
        period="2025-H1",
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2025, 6, 30),
        title="Рейтинг за I полугодие 2025 года",
        published_by=admin,
    )
    report = Snapshot.objects.create(
        kind="report",
        indicator_set=chosen,
        level="municipality",
        period="2024-2025",
        start=datetime.date(2024, 9, 1),
        end=datetime.date(2025, 8, 31),
        title="Отчёт 2024/2025",
        published_by=admin,
    )
    SnapshotValue.objects.bulk_create(
        [
            SnapshotValue(snapshot=rating, unit_id=mun[1].pk, unit_name=mun[1].name, score="0.7500", place=1),
            SnapshotValue(snapshot=rating, unit_id=mun[0].pk, unit_name=mun[0].name, score="0.5000", place=2),
            SnapshotValue(
                snapshot=rating,
                indicator=indicator,
                indicator_code="1",
                indicator_name=indicator.name,
                unit_id=mun[0].pk,
                unit_name=mun[0].name,
                numerator=2,
                denominator=3,
                value="66.6667",
                target=40,
                met=True,
            ),
        ]
    )
    listed = api(SNAPSHOTS, admin_token).json()
    assert [s["id"] for s in listed["results"]] == [report.pk, rating.pk]  # the newest period first
    assert [s["id"] for s in api(SNAPSHOTS, admin_token, kind="rating").json()["results"]] == [rating.pk]
    assert api(SNAPSHOTS, admin_token, period="2024-2025").json()["count"] == 1
    assert api(SNAPSHOTS, admin_token, kind="best").status_code == 400
    assert api(SNAPSHOTS, admin_token, set="zzz").status_code == 400
    detail = api(f"{SNAPSHOTS}{rating.pk}/", admin_token).json()
    assert detail["kind"] == "rating" and detail["set"] == "004"
    assert [(r["place"], r["unit_name"], r["score"]) for r in detail["rating"]] == [
        (1, "Муниципалитет 1.2", 0.75),
        (2, "Муниципалитет 1.1", 0.5),
    ]
    assert detail["values"]["count"] == 1
    value = detail["values"]["results"][0]
    assert (value["indicator"], value["numerator"], value["denominator"], value["value"], value["met"]) == (
        "1",
        2,
        3,
        66.7,
        True,
    )
    assert api(f"{SNAPSHOTS}{report.pk + 1000}/", admin_token).status_code == 404
    assert api(f"{SNAPSHOTS}{'9' * 30}/", admin_token).status_code == 404
    assert api(f"{SNAPSHOTS}{rating.pk}/", admin_token, page="abc").status_code == 404
    assert api(f"{SETS}999/indicators/", admin_token).status_code == 404
    assert api(f"{SETS}00%004/indicators/", admin_token).status_code == 404


def test_the_schema_is_an_openapi_document(world, api, admin_token):
    assert api(SCHEMA).status_code == 401
    response = api(SCHEMA, admin_token)
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "ПрофРост API мониторинга"
    assert {
        "/api/monitoring/sets/",
        "/api/monitoring/sets/{code}/indicators/",
        "/api/monitoring/values/",
        "/api/monitoring/snapshots/",
        "/api/monitoring/snapshots/{id}/",
    } <= set(schema["paths"])
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    assert api(SCHEMA, admin_token, format="yaml").content.startswith(b"openapi:")
