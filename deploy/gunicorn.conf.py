"""gunicorn settings for ПрофРост (docs/deployment.md): one file for the Docker image, the systemd unit and
tests/test_deployment.py. Values come from the environment, so the same file serves everywhere.

    gunicorn --config deploy/gunicorn.conf.py
"""

import os

wsgi_app = "profrost.wsgi:application"

# Behind nginx: listen on the loopback (systemd) or on the container's interface (Docker, published to the
# host's 127.0.0.1 only, see compose.yaml).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers: each handles one request at a time; nginx buffers slow clients and uploads.
# 2–4 per core. Every worker holds the application (≈150–250 MB).
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))

# Reports, PDFs and imports of small files run inside the request; larger imports go to the worker
# (`profrost db_worker`). nginx's proxy_read_timeout must not be shorter.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30

# A worker is replaced after this many requests (bounds slow memory growth).
max_requests = 1000
max_requests_jitter = 100

# Logs to stdout/stderr: journald (systemd) or `docker compose logs`. The access log shows the client's
# address as nginx passed it.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-real-ip}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
