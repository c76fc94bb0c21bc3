# ПрофРост: the application image (web, worker and scheduler of compose.yaml). docs/deployment.md explains it.
#   docker build -t profrost .
# Built from the same pyproject.toml as the development environment (pip install .).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PROFROST_DATA_DIR=/data \
    TZ=Europe/Moscow

# WeasyPrint (PDF) needs Pango; DejaVu fonts render Cyrillic; tzdata gives the local date of the daily jobs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core tzdata \
    && rm -rf /var/lib/apt/lists/*

# The application and its dependencies, from pyproject.toml. xstatic-bootstrap's sdist builds only with
# setuptools<81 (pkg_resources), hence the build constraint (the same as ./dev setup).
WORKDIR /src
COPY pyproject.toml ./
COPY profrost ./profrost
RUN pip install --upgrade "pip>=25.3" \
    && printf 'setuptools<81\n' > /tmp/build-constraints.txt \
    && pip install --build-constraint /tmp/build-constraints.txt . \
    && rm -rf /src /tmp/build-constraints.txt

COPY deploy/gunicorn.conf.py /etc/profrost/gunicorn.conf.py
COPY deploy/scheduler.sh /usr/local/bin/profrost-scheduler

# A non-root user owns the data folder: uploads (uploads/) and attached files (files/) live in volumes
# mounted there (compose.yaml); static files (static/) are collected into the image below.
RUN groupadd --system --gid 10001 profrost \
    && useradd --system --uid 10001 --gid profrost --home-dir /home/profrost --create-home \
        --shell /usr/sbin/nologin profrost \
    && mkdir -p /data/uploads /data/files /data/static \
    && chown -R profrost:profrost /data \
    && chmod 0755 /usr/local/bin/profrost-scheduler
USER profrost
WORKDIR /home/profrost

# collectstatic reads no database; the URL only keeps settings from starting the embedded PostgreSQL.
RUN DATABASE_URL=postgres://build@localhost/build profrost collectstatic --noinput --verbosity 0

ENV GUNICORN_BIND=0.0.0.0:8000
EXPOSE 8000
CMD ["gunicorn", "--config", "/etc/profrost/gunicorn.conf.py"]
