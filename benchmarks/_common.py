"""Shared set-up for the benchmarks: a scratch PostgreSQL database and Django."""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(db_name):
    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    os.environ["DATABASE_URL"] = f"{server}/{db_name}"
    os.environ.setdefault("PROFROST_TESTING", "true")  # no TLS redirect, tasks in-process
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "profrost.settings")
    import django

    django.setup()


def create_database(db_name, fresh):
    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{db_name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{db_name}"')
    env = dict(os.environ, DATABASE_URL=f"{server}/{db_name}", PROFROST_TESTING="true")
    subprocess.run([sys.executable, "-m", "profrost.cli", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    return not exists


def median_ms(fn, repeat=15, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
