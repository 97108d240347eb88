# The two commands: `make run` (set up and serve the demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-quick lint bench worker e2e system-deps backup restore

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

# Every test, on both cores (pytest-xdist).
test: $(VENV)/.installed
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n auto

# While developing: everything but the slow tests (property-based engine tests, PDF rendering).
test-quick: $(VENV)/.installed
	$(VENV)/bin/pytest -n auto -m "not slow"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

# The engine alone, then the pages under load (gunicorn + wrk) against a clinic of 10,000 patients
# in its own PostgreSQL database; writes docs/benchmarks.md. Not part of `make test`.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cryocare_bench
bench: $(VENV)/.installed
	$(PY) manage.py protocol_bench
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py bench_pages --patients 10000

# Reminders, recalls and the digest in the background (Celery worker with beat): needs Redis.
worker: $(VENV)/.installed
	@test -n "$(REDIS_URL)" || (echo "Set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379/0 make worker (and start the web app with it too). Without it, tasks run in the web process and nothing else is needed." && exit 2)
	$(VENV)/bin/celery -A cryocare worker --beat --loglevel=info --schedule .celerybeat-schedule

# Browser tests (Debian's chromium + Playwright), as their own pytest call.
e2e: $(VENV)/.installed
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest e2e -p no:randomly

# System libraries for PDF sheets (WeasyPrint), Chromium for the browser tests and wrk for the
# page benchmark (Debian, as root).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext chromium wrk postgresql-client
# A dated archive of the database and the uploaded files under backups/ (pg_dump on PostgreSQL,
# SQLite's backup API on SQLite); `make restore FILE=backups/cryocare-….tar.gz` brings one back
# into an empty database and an empty media folder.
backup: $(VENV)/.installed
	$(PY) manage.py backup --directory backups

restore: $(VENV)/.installed
	@test -n "$(FILE)" || (echo "Give the archive: make restore FILE=backups/cryocare-YYYYmmdd-HHMMSS.tar.gz" && exit 2)
	$(PY) manage.py restore "$(FILE)"

system-deps:
	apt-get install -y $(SYSTEM_PACKAGES) || (apt-get update && apt-get install -y $(SYSTEM_PACKAGES))
