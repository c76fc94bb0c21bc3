from profrost.core.journal import journal
from profrost.core.models import JournalEntry


def test_journal_page_only_for_region_admin(world, client):
    journal("export", user=world["users"]["center_staff"], rows=3)
    client.force_login(world["users"]["region_admin"])
    response = client.get("/journal/?action=export")
    assert response.status_code == 200
    assert "center_staff" in response.content.decode()
    client.force_login(world["users"]["center_staff"])
    assert client.get("/journal/").status_code == 403
    # The refusal itself is journaled.
    assert JournalEntry.objects.filter(action="access_denied", username="center_staff").exists()


def _failed_sign_in(client, **headers):
    client.post("/accounts/login/", {"username": "region_admin", "password": "wrong"}, **headers)
    return JournalEntry.objects.filter(action="login_failed").latest("pk").ip


def test_the_client_address_directly_and_behind_the_proxy(world, client, settings):
    # Directly: the connection's address; a header the client made up is ignored.
    assert _failed_sign_in(client, REMOTE_ADDR="203.0.113.7", HTTP_X_REAL_IP="198.51.100.1") == "203.0.113.7"
    # Behind nginx (BEHIND_PROXY): the X-Real-IP header nginx sets; a malformed one falls back to the connection.
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_REAL_IP", "REMOTE_ADDR"]
    assert _failed_sign_in(client, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.1") == "198.51.100.1"
    assert _failed_sign_in(client, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="не адрес\x00") == "127.0.0.1"


def test_the_journal_filters_by_person_dates_event_and_result_and_speaks_russian(world, client):
    import datetime

    from django.utils import timezone

    admin, center = world["users"]["region_admin"], world["users"]["center_staff"]
    journal("export", user=center, rows=3)
    journal("login_failed", user=None, result="failure", username="intruder")
    # An entry of 40 days ago (the journal is append-only: written with its time, not moved back).
    JournalEntry.objects.create(
        action="export",
        user_id=admin.pk,
        username=admin.username,
        at=timezone.now() - datetime.timedelta(days=40),
    )
    client.force_login(admin)

    def rows(**params):
        page = client.get("/journal/", params).content.decode()
        body = page.split("<tbody>")[1].split("</tbody>")[0]
        return body.count("<tr>"), page

    count, page = rows(user="center")
    assert count == 1 and "Сотрудник ЦНППМ" in page and "center_staff," not in page and "успешно" in page
    assert rows(user=center.last_name)[0] == 1  # by surname as well as by login
    count, page = rows(result="failure")
    assert count == 1 and "intruder" in page and "неудача" in page and "Неудачный вход" in page
    today = timezone.localdate()
    assert rows(action="export", start=(today - datetime.timedelta(days=1)).isoformat())[0] == 1
    assert rows(action="export", end=(today - datetime.timedelta(days=30)).strftime("%d.%m.%Y"))[0] == 1
    # Hostile dates are a message, not an error page.
    for bad in ("31.02.2026", "0001-01-01", "x\x00", "9" * 5000):
        response = client.get("/journal/", {"start": bad})
        assert (
            response.status_code == 200 and "Неверное значение фильтра «С даты»" in response.content.decode()
        )


def test_history_shows_moments_and_user_fields_in_words(db, settings):
    from profrost.accounts.models import User
    from profrost.core.history import _label, _show

    settings.TIME_ZONE = "Europe/Moscow"
    assert _show("2026-12-01T21:15:20.512984+00:00") == "02.12.2026 00:15"
    assert _show("2026-12-01") == "01.12.2026" and _show("2026-12-01Tx") == "2026-12-01Tx"
    assert _label(User, "is_superuser") == "полный доступ ко всему (суперпользователь)"
    assert _label(User, "middle_name") == "отчество"
