"""Issue 14, point 1: the region chooses its set, makes its own (a copy of a shipped one, or empty), adds
indicators composed of two measures of the catalogue and sets targets per period (docs/monitoring.md §1); the bad
inputs get a Russian message and write nothing."""

import pytest
from django.urls import reverse

from profrost.monitoring.models import Indicator, IndicatorSet, Target


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.mark.django_db
def test_the_region_makes_its_own_set_adds_an_indicator_and_targets(world, client):
    client.force_login(world["users"]["region_admin"])
    shipped = IndicatorSet.objects.get(code="004")
    response = client.post(
        reverse("monitoring:set_create"),
        {"code": "рег-1", "name": "Показатели региона", "copy_from": shipped.pk},
    )
    own = IndicatorSet.objects.get(code="рег-1")
    assert response.status_code == 302 and not own.is_shipped
    assert own.indicators.count() == shipped.indicators.count()
    assert Target.objects.get(indicator__indicator_set=own, indicator__code="4", period="").value == 60
    # measures of different kinds: refused with the reason, nothing written
    add = reverse("monitoring:indicator_add", args=[own.pk])
    data = {
        "code": "13",
        "name": "Доля ОО на педагога",
        "numerator": "organizations",
        "denominator": "staff",
        "unit": "percent",
        "direction": "ge",
        "levels": ["region", "municipality"],
        "target": "50",
    }
    response = client.post(add, data, follow=True)
    assert any("меры разного рода" in m for m in messages_of(response))
    assert not own.indicators.filter(code="13").exists()
    # a share's target above 100 %: refused
    response = client.post(
        add,
        {**data, "numerator": "young_in_support", "denominator": "young_specialists", "target": "120"},
        follow=True,
    )
    assert any("от 0 до 100" in m for m in messages_of(response))
    assert not own.indicators.filter(code="13").exists()
    client.post(
        add, {**data, "numerator": "young_in_support", "denominator": "young_specialists", "target": "75"}
    )
    new = own.indicators.get(code="13")
    assert (new.numerator, new.denominator, new.levels) == (
        "young_in_support",
        "young_specialists",
        ["region", "municipality"],
    )
    # a target for a half-year, then a bad period and a bad number
    target = reverse("monitoring:set_target", args=[own.pk])
    client.post(target, {"indicator": new.pk, "period": "2027-H1", "value": "80,5"})
    assert str(Target.objects.get(indicator=new, period="2027-H1").value) == "80.50"
    for period, value, message in (
        ("2027-H3", "1", "Неверный период"),
        ("", "abc", "число"),
        ("", "-1", "отрицательным"),
        ("a\x00b", "1", "Неверный период"),
    ):
        response = client.post(target, {"indicator": new.pk, "period": period, "value": value}, follow=True)
        assert any(message in m for m in messages_of(response)), (period, value, messages_of(response))
    # the shipped sets keep the seeds' words: no indicator is added to them
    response = client.post(reverse("monitoring:indicator_add", args=[shipped.pk]), data, follow=True)
    assert any("не меняются" in m for m in messages_of(response))
    # choosing: exactly one chosen set
    client.post(reverse("monitoring:set_choose", args=[own.pk]))
    assert list(IndicatorSet.objects.filter(is_chosen=True).values_list("code", flat=True)) == ["рег-1"]
    page = client.get(reverse("monitoring:set", args=[own.pk])).content.decode()
    assert "Доля ОО на педагога" in page and "2027-H1" in page


@pytest.mark.django_db
def test_coordinators_read_the_sets_and_change_nothing_teachers_are_refused(world, client):
    shipped = IndicatorSet.objects.get(code="004")
    client.force_login(world["users"]["municipal_coordinator_in"])
    assert client.get(reverse("monitoring:sets")).status_code == 200
    assert client.get(reverse("monitoring:set", args=[shipped.pk])).status_code == 200
    assert client.post(reverse("monitoring:set_choose", args=[shipped.pk])).status_code == 403
    ind = Indicator.objects.get(indicator_set=shipped, code="1")
    assert (
        client.post(
            reverse("monitoring:set_target", args=[shipped.pk]), {"indicator": ind.pk, "value": "1"}
        ).status_code
        == 403
    )
    assert Target.objects.get(indicator=ind, period="").value == 40
    client.force_login(world["users"]["teacher_in"])
    assert client.get(reverse("monitoring:sets")).status_code == 403
