"""The deployment of docs/deployment.md.

1. gunicorn, started with deploy/gunicorn.conf.py (the file the Docker image and the systemd unit use), serves the
   application with production settings (DEBUG off, SECRET_KEY, ALLOWED_HOSTS, BEHIND_PROXY as behind nginx)
   against the suite's test database: the Russian login page, WhiteNoise's static files, a real sign-in, the
   demo accounts refused, and no start at all without SECRET_KEY.
2. The container and service files hold what the guide says: Dockerfile, compose.yaml, deploy/scheduler.sh,
   the systemd units, and every environment variable of settings.py documented.

No container engine runs here: the image itself is not built by the suite.
"""

import gzip
import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
HOST = "127.0.0.1"

# profrost.settings as production has it, with one change for the test's speed: WhiteNoise compresses (gzip and
# brotli) only the project's own static files, not Bootstrap's, which would take most of a minute on two cores.
# Storage class, manifest (hashed names) and serving are production's.
SETTINGS_SHIM = """
from profrost.settings import *  # noqa: F403
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ProjectOnlyCompression(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs):
        compressor = super().create_compressor(**kwargs)
        should_compress = compressor.should_compress
        compressor.should_compress = lambda path: path.startswith("profrost/") and should_compress(path)
        return compressor


STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "deployment_settings.ProjectOnlyCompression"}}
"""


def _database_url():
    """The suite's test database (created by pytest-django) as a DATABASE_URL for another process."""
    from django.db import connection

    s = connection.settings_dict
    host = s.get("HOST") or s.get("OPTIONS", {}).get("host", "")
    user = quote(s.get("USER") or "", safe="")
    password = quote(str(s.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{quote(host, safe='')}{port}/{quote(s['NAME'], safe='')}"


def _production_env(data_dir, settings_dir, **extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PROFROST_TESTING", "TASKS_BACKEND", "TEST_DATABASE_NAME", "DATABASE_URL")
        and not k.startswith(("DJANGO_", "GUNICORN_", "WEB_CONCURRENCY"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="deployment_settings",
        PYTHONPATH=str(settings_dir),
        DATABASE_URL=_database_url(),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        BEHIND_PROXY="true",
        PROFROST_DATA_DIR=str(data_dir),
        # gunicorn keeps its control socket under $HOME: not the one of whoever runs the suite.
        HOME=str(data_dir),
        GUNICORN_BIND=f"{HOST}:0",
        WEB_CONCURRENCY="1",
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


class Gunicorn:
    """gunicorn --config deploy/gunicorn.conf.py in a subprocess, on a port the system picks."""

    def __init__(self, env):
        self.lines = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF)],
            cwd=env["PROFROST_DATA_DIR"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self):
        return "\n".join(self.lines)

    def wait_for_port(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
                if found:
                    return int(found.group(1))
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"gunicorn did not start:\n{self.output}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown (SIGTERM waits for the workers)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(5)


class Response:
    def __init__(self, raw, body):
        self.status = raw.status
        self.headers = raw.headers
        self.body = body
        self.text = body.decode("utf-8", "replace")
        self.cookies = SimpleCookie()
        for header in raw.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)


def fetch(port, method, path, headers=None, body=None, https=True):
    """A request as nginx passes it on: Host without the port and, for HTTPS, X-Forwarded-Proto."""
    sent = {"Host": HOST}
    if https:
        sent["X-Forwarded-Proto"] = "https"
    sent.update(headers or {})
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request(method, path, body=body, headers={k: v for k, v in sent.items() if v is not None})
        raw = conn.getresponse()
        return Response(raw, raw.read())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def production(django_db_setup, tmp_path_factory):
    """Production settings with static files collected as the image's build does."""
    data_dir = tmp_path_factory.mktemp("profrost-data")
    settings_dir = tmp_path_factory.mktemp("settings")
    (settings_dir / "deployment_settings.py").write_text(SETTINGS_SHIM)
    env = _production_env(data_dir, settings_dir)
    collected = subprocess.run(
        [sys.executable, "-m", "profrost.cli", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=data_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr
    assert (data_dir / "static" / "staticfiles.json").exists()
    return env


@pytest.fixture(scope="module")
def server(production):
    gunicorn = Gunicorn(production)
    try:
        gunicorn.port = gunicorn.wait_for_port()
        yield gunicorn
    finally:
        gunicorn.stop()


def test_gunicorn_serves_the_russian_login_page_with_production_settings(server):
    page = fetch(server.port, "GET", "/accounts/login/", {"X-Real-IP": "203.0.113.7"})
    assert page.status == 200, server.output
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="ru">' in page.text
    assert "Вход в ПрофРост" in page.text and 'name="csrfmiddlewaretoken"' in page.text
    # Production's headers (docs/security.md §8, §10), sent by the application, not by nginx.
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "no-store" in page.headers["Cache-Control"]
    assert page.cookies["csrftoken"]["secure"]
    # The access log names the client as nginx passed it (X-Real-IP), with the request.
    deadline = time.monotonic() + 5
    while not any("203.0.113.7" in line and "GET /accounts/login/" in line for line in server.lines):
        assert time.monotonic() < deadline, server.output
        time.sleep(0.05)


def test_plain_http_is_sent_to_https_and_unknown_hosts_are_refused(server):
    plain = fetch(server.port, "GET", "/accounts/login/", https=False)
    assert plain.status == 301
    assert plain.headers["Location"] == f"https://{HOST}/accounts/login/"
    assert fetch(server.port, "GET", "/accounts/login/", {"Host": "profrost.evil.example"}).status == 400


def test_static_files_are_served_by_whitenoise_under_hashed_names(server, production):
    page = fetch(server.port, "GET", "/accounts/login/")
    css = re.search(r'href="(/static/profrost/app\.[0-9a-f]{12}\.css)"', page.text)
    bootstrap = re.search(r'href="(/static/bootstrap/css/bootstrap\.min\.[0-9a-f]{12}\.css)"', page.text)
    assert css and bootstrap, page.text
    collected = Path(production["PROFROST_DATA_DIR"]) / css.group(1).lstrip("/")
    served = fetch(server.port, "GET", css.group(1), {"Accept-Encoding": "gzip"})
    assert served.status == 200
    assert served.headers["Content-Type"].startswith("text/css")
    assert served.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(served.body) == collected.read_bytes()
    assert "immutable" in served.headers["Cache-Control"]
    assert "max-age=315360000" in served.headers["Cache-Control"]
    framework = fetch(server.port, "GET", bootstrap.group(1))
    assert framework.status == 200 and b".btn" in framework.body


@pytest.mark.django_db(transaction=True)
def test_sign_in_through_gunicorn_and_demo_accounts_refused(server):
    from django.contrib.auth.hashers import make_password

    from profrost.accounts.models import User

    password = secrets.token_urlsafe(16)
    # The production settings verify Argon2 (the suite's own fast hasher is not among them).
    for username, demo in (("deploy_check", False), ("demo_deploy_check", True)):
        User.objects.create(
            username=username,
            last_name="Проверка",
            password=make_password(password, hasher="argon2"),
            is_demo=demo,
        )

    def sign_in(username):
        form = fetch(server.port, "GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        return fetch(
            server.port,
            "POST",
            "/accounts/login/",
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={form.cookies['csrftoken'].value}",
                "Origin": f"https://{HOST}",
            },
            urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}),
        )

    signed_in = sign_in("deploy_check")
    assert signed_in.status == 302, signed_in.text
    assert signed_in.headers["Location"] == "/"
    session = signed_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    # The session works: a page for signed-in users only answers 200 instead of sending to the login page.
    own = fetch(server.port, "GET", "/accounts/password/", {"Cookie": f"sessionid={session.value}"})
    assert own.status == 200, own.headers.get("Location")

    # DEBUG is off: the trial's demo accounts are refused even with the right password (docs/security.md §7).
    refused = sign_in("demo_deploy_check")
    assert refused.status == 200
    assert "alert-danger" in refused.text
    assert "sessionid" not in refused.cookies


def test_the_web_application_refuses_to_start_without_secret_key(production):
    gunicorn = Gunicorn({**production, "SECRET_KEY": ""})
    try:
        gunicorn.proc.wait(60)
    finally:
        gunicorn.stop()
    assert gunicorn.proc.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in gunicorn.output


# --- the files -----------------------------------------------------------------------------------------------------


def dockerfile():
    """[(INSTRUCTION, arguments)] with continuation lines joined and comments dropped."""
    instructions, pending = [], ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        op, _, args = (pending + line).partition(" ")
        instructions.append((op.upper(), " ".join(args.split())))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def compose():
    import yaml

    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def docker_cmd():
    import json

    (cmd,) = [args for op, args in dockerfile() if op == "CMD"]
    return json.loads(cmd)


def test_the_image_installs_from_pyproject_and_serves_with_gunicorn_as_non_root():
    steps = dockerfile()
    ops = [op for op, _ in steps]
    assert steps[0][0] == "FROM" and steps[0][1].startswith("python:3.11")
    copies = {args.split()[0]: args.split()[-1] for op, args in steps if op == "COPY"}
    assert {"pyproject.toml", "profrost"} <= set(copies)
    # `pip install .` of the copied project, after both are in place.
    (install,) = [
        i
        for i, (op, args) in enumerate(steps)
        if op == "RUN" and re.search(r"pip install [^&]*\s\.(\s|$)", args)
    ]
    sources = [
        i
        for i, (op, args) in enumerate(steps)
        if op == "COPY" and args.split()[0] in ("pyproject.toml", "profrost")
    ]
    assert len(sources) == 2 and max(sources) < install
    # WeasyPrint's libraries and a Cyrillic font, as .ci/run installs them for the tests.
    apt = " ".join(args for op, args in steps if op == "RUN" and "apt-get install" in args).split()
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"} <= set(apt)
    # Static files collected into the image by the non-root user who runs it.
    user = ops.index("USER")
    assert steps[user][1] not in ("root", "0")
    collect = [i for i, (op, args) in enumerate(steps) if op == "RUN" and "profrost collectstatic" in args]
    assert collect and install < user < collect[0]
    # CMD: gunicorn with the configuration this suite starts above.
    cmd = docker_cmd()
    assert cmd[:2] == ["gunicorn", "--config"]
    assert copies["deploy/gunicorn.conf.py"] == cmd[2]
    # Every file the image copies exists and is not kept out of the build context; secrets are.
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored
    for source in copies:
        assert (ROOT / source).exists(), source
        assert source.split("/")[0] not in ignored, source


def test_compose_starts_database_web_worker_and_scheduler():
    spec = compose()
    services = spec["services"]
    assert {"db", "web", "worker", "scheduler"} <= set(services)
    db = services["db"]
    assert db["image"].startswith("postgres:15")
    pgdata = [v for v in db["volumes"] if v.endswith(":/var/lib/postgresql/data")]
    assert pgdata and pgdata[0].split(":")[0] in spec["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])

    assert services["web"]["command"] == docker_cmd()
    assert all(port.startswith("127.0.0.1:") for port in services["web"]["ports"])
    assert services["worker"]["command"] == ["profrost", "db_worker"]
    assert services["scheduler"]["command"] == ["profrost-scheduler"]
    assert ("COPY", "deploy/scheduler.sh /usr/local/bin/profrost-scheduler") in dockerfile()
    migrate = services["migrate"]
    assert migrate["command"] == ["profrost", "migrate", "--noinput"]
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert migrate["restart"] == "no"

    image_env = dict(pair.split("=", 1) for op, args in dockerfile() if op == "ENV" for pair in args.split())
    for name in ("migrate", "web", "worker", "scheduler"):
        service = services[name]
        assert service["build"] == "." and service["env_file"] == ".env", name
        environment = service["environment"]
        assert re.fullmatch(
            r"postgres://profrost:\$\{POSTGRES_PASSWORD[^}]*\}@db:5432/profrost", environment["DATABASE_URL"]
        )
        assert environment["BEHIND_PROXY"] == "true"
        assert environment["PROFROST_DATA_DIR"] == image_env["PROFROST_DATA_DIR"] == "/data"
        if name != "migrate":
            assert service["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    # Web and worker share uploads (background imports read what the page received) and attached files.
    for name in ("web", "worker"):
        mounts = {target: source for source, target in (v.split(":") for v in services[name]["volumes"])}
        assert set(mounts) == {"/data/uploads", "/data/files"}
        assert set(mounts.values()) <= set(spec["volumes"])
    assert services["web"]["volumes"] == services["worker"]["volumes"]
    # Every ${VARIABLE} compose reads from .env is in the shipped example.
    example = (DEPLOY / "env.example").read_text()
    for variable in set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "compose.yaml").read_text())):
        assert re.search(rf"^#? ?{variable}=", example, re.M), variable


def _fake_commands(tmp_path, profrost_status=0):
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    (bin_dir / "profrost").write_text(f'#!/bin/sh\necho "profrost $*" >> {calls}\nexit {profrost_status}\n')
    # `sleep` records how long the loop would wait and ends it.
    (bin_dir / "sleep").write_text(f'#!/bin/sh\necho "sleep $*" >> {calls}\nexit 99\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return bin_dir, calls


@pytest.mark.parametrize("profrost_status", [0, 1])
def test_the_scheduler_runs_the_daily_jobs_then_waits_for_remind_at(tmp_path, profrost_status):
    bin_dir, calls = _fake_commands(tmp_path, profrost_status)
    now = datetime.now(UTC)
    at = (now + timedelta(hours=5)).strftime("%H:%M")
    ran = subprocess.run(
        ["sh", str(DEPLOY / "scheduler.sh")],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "TZ": "UTC", "REMIND_AT": at},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert ran.returncode == 99, ran.stderr
    lines = calls.read_text().splitlines()
    assert lines[:3] == ["profrost routes remind", "profrost monitoring remind", "profrost clearsessions"]
    # A failed job is reported and the loop goes on to the next day.
    assert ("failed" in ran.stderr) == bool(profrost_status)
    waited = int(lines[3].removeprefix("sleep "))
    target = now.replace(hour=int(at[:2]), minute=int(at[3:]), second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    assert abs(waited - (target - now).total_seconds()) <= 10
    assert 0 < waited <= 24 * 3600


def _unit(path):
    entries = []
    section = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key, value))
    return entries


def test_systemd_units_run_web_worker_and_the_daily_reminder():
    units = DEPLOY / "systemd"
    web = _unit(units / "profrost-web.service")
    assert (
        "Service",
        "ExecStart",
        "/opt/profrost/venv/bin/gunicorn --config /etc/profrost/gunicorn.conf.py",
    ) in web
    worker = _unit(units / "profrost-worker.service")
    assert ("Service", "ExecStart", "/opt/profrost/venv/bin/profrost db_worker") in worker
    daily = _unit(units / "profrost-daily.service")
    assert ("Service", "Type", "oneshot") in daily
    assert ("Service", "ExecStart", "/opt/profrost/venv/bin/profrost routes remind") in daily
    assert ("Service", "ExecStart", "/opt/profrost/venv/bin/profrost monitoring remind") in daily
    timer = _unit(units / "profrost-daily.timer")
    assert ("Timer", "OnCalendar", "*-*-* 07:00:00") in timer and ("Timer", "Persistent", "true") in timer
    for entries in (web, worker, daily):
        assert ("Service", "User", "profrost") in entries
        assert ("Service", "EnvironmentFile", "/etc/profrost/profrost.env") in entries


def test_every_setting_from_the_environment_is_documented():
    source = (ROOT / "profrost" / "settings.py").read_text()
    names = set(re.findall(r'(?:os\.environ\.get|os\.getenv|env_bool|env_int)\(\s*"([A-Z0-9_]+)"', source))
    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "EMAIL_HOST"} <= names
    guide = (ROOT / "docs" / "deployment.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in guide)
    assert not missing, f"docs/deployment.md, «Настройки»: describe {missing}"
