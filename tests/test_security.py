import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from profrost.accounts.models import User
from profrost.core.journal import journal
from profrost.core.models import JournalEntry

ROOT = Path(__file__).resolve().parent.parent


def test_lockout_after_five_failures_with_429(world, client):
    for _ in range(5):
        response = client.post(
            "/accounts/login/", {"username": "center_staff", "password": "wrong-password-123"}
        )
    response = client.post(
        "/accounts/login/", {"username": "center_staff", "password": "Пароль-для-теста-2024"}
    )
    assert response.status_code == 429
    assert "Вход временно заблокирован" in response.content.decode()
    # Five wrong passwords, then the right one refused while locked: six failures journaled.
    assert JournalEntry.objects.filter(action="login_failed", username="center_staff").count() == 6
    assert JournalEntry.objects.filter(action="lockout").exists()


def test_journal_has_no_passwords_and_no_full_snils(world, client):
    client.post("/accounts/login/", {"username": "center_staff", "password": "Секретный-пароль-999"})
    client.force_login(world["users"]["region_admin"])
    person = world["inside"]["teacher"]
    client.get(f"/people/{person.pk}/")
    client.post("/people/", {"q": person.snils_display})
    dump = " ".join(str(e.details) + e.object_repr + e.username for e in JournalEntry.objects.all())
    assert "Секретный-пароль-999" not in dump
    assert person.snils not in dump and person.snils_display not in dump


def test_journal_is_append_only(world):
    entry = journal("export", user=world["users"]["region_admin"], rows=1)
    for statement in (
        f"UPDATE core_journalentry SET result = 'x' WHERE id = {entry.pk}",
        f"DELETE FROM core_journalentry WHERE id = {entry.pk}",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    with pytest.raises(DatabaseError), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).delete()
    assert JournalEntry.objects.get(pk=entry.pk).result == "success"


def test_security_headers_on_a_personal_data_page(world, client):
    client.force_login(world["users"]["region_admin"])
    response = client.get(f"/people/{world['inside']['teacher'].pk}/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "no-store" in response["Cache-Control"]


def test_500_page_shows_no_traceback(world, client, monkeypatch):
    from profrost.people import views

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "filtered_people", boom)
    client.raise_request_exception = False
    client.force_login(world["users"]["region_admin"])
    response = client.get("/people/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Ошибка сервера" in body and "secret internals" not in body and "Traceback" not in body


def test_check_deploy_passes_with_production_settings():
    from django.conf import settings

    db = settings.DATABASES["default"]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PROFROST_TESTING", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="k" * 20 + "Zq8#vT2!mP9@xL4$wR7&nB1*cF6^hJ3(gD5)sA0",
        ALLOWED_HOSTS="profrost.example.ru",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    )
    result = subprocess.run(
        [sys.executable, "-m", "profrost.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_no_default_accounts_after_migrate():
    assert User.objects.count() == 0


def test_production_without_secret_key_refuses_to_serve_and_fails_the_deploy_check():
    from django.conf import settings

    db = settings.DATABASES["default"]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PROFROST_TESTING", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY")
    }
    env.update(
        DEBUG="false",
        ALLOWED_HOSTS="profrost.example.ru",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    )
    serve = subprocess.run(
        [sys.executable, "-c", "import profrost.wsgi"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert serve.returncode != 0 and "SECRET_KEY must be set" in serve.stderr
    check = subprocess.run(
        [sys.executable, "-m", "profrost.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode != 0 and "security.W009" in check.stdout + check.stderr
    # Everyday commands still work without it.
    migrations = subprocess.run(
        [sys.executable, "-m", "profrost.cli", "makemigrations", "--check", "--dry-run"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrations.returncode == 0, migrations.stderr
