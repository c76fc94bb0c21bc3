"""docs/security.md §22: the documented pg_dump / pg_restore round trip, performed on a copy."""

import shutil
import subprocess

import pytest
from django.db import connection

from profrost.core.journal import journal
from profrost.people.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


def _dsn(name):
    s = connection.settings_dict
    host = s.get("HOST") or connection.connection.info.host
    return f"host={host} port={s.get('PORT') or 5432} user={s.get('USER') or 'postgres'} dbname={name}"


def test_dump_and_restore_round_trip(world, tmp_path):
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    connection.ensure_connection()
    server = connection.connection.info.server_version // 10000
    client = int(
        subprocess.run(["pg_dump", "--version"], capture_output=True, text=True)
        .stdout.split()[-1]
        .split(".")[0]
    )
    if client < server:
        pytest.skip(f"pg_dump {client} is older than the server ({server})")
    journal("export", user=world["users"]["region_admin"], rows=16)
    source = connection.settings_dict["NAME"]
    copy = f"{source}_restore"
    dump = tmp_path / "profrost.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", _dsn(source)], check=True)
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        cur.execute(f'CREATE DATABASE "{copy}"')
    try:
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={_dsn(copy)}", str(dump)], check=True)
        import psycopg

        with psycopg.connect(_dsn(copy)) as restored:
            persons = restored.execute(
                "SELECT count(*), string_agg(snils, ',' ORDER BY snils) FROM people_person"
            ).fetchone()
            journal_rows = restored.execute("SELECT count(*) FROM core_journalentry").fetchone()[0]
            # The append-only trigger came back with the data.
            with pytest.raises(psycopg.errors.RaiseException):
                restored.execute("DELETE FROM core_journalentry")
        expected = sorted(Person.objects.values_list("snils", flat=True))
        assert persons == (16, ",".join(expected))
        assert journal_rows == 1
    finally:
        with connection.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
