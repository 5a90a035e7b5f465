# bdtx developer menu. `make run` and `make test` do all their own set-up on a fresh machine.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# A Python >= 3.12 (3.13 preferred), on PATH or under pyenv.
PYTHON ?= $(shell scripts/find-python)

.PHONY: help setup system run worker test lint check messages bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Cần Python >= 3.12 (PATH hoặc pyenv) / Python >= 3.12 not found"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip 2>&1 | { grep -v "is ignored: it is neither" || true; }
	$(PY) -m pip install --quiet -r requirements-dev.txt 2>&1 | { grep -v "is ignored: it is neither" || true; }
	@touch $@

system:  ## install the Debian packages the project uses (gettext, Chromium, fonts) when missing
	@bash scripts/system-packages

setup: system $(VENV)/.installed  ## virtualenv, dependencies, translations, migrations, rule data
	@mkdir -p var
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_standards -v 0
	$(PY) manage.py load_programmes -v 0
	$(PY) manage.py load_modules -v 0
	$(PY) manage.py load_targets -v 0

run: setup  ## set up and start the web server and the background worker (Ctrl-C stops both)
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py seed_demo_appraisals --if-empty
	$(PY) manage.py seed_demo_plans --if-empty
	$(PY) manage.py seed_demo_delivery --if-empty
	$(PY) manage.py collectstatic --no-input -v 0
	@bash scripts/run-dev $(PORT)

.PHONY: serve
serve: $(VENV)/.installed  ## production: checks, migrations, static files, gunicorn + task workers (docs/deploy.md)
	@bash scripts/serve

worker: setup  ## the background worker alone
	$(PY) manage.py run_worker

lint: $(VENV)/.installed  ## ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: setup  ## Django checks, missing migrations
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

test: setup lint  ## set up and run the whole suite (exit non-zero on failure or when no test ran)
	$(PY) manage.py makemigrations --check --dry-run -v 0
	$(VENV)/bin/pytest

messages: $(VENV)/.installed  ## refresh the Vietnamese catalogue from the source
	$(PY) manage.py makemessages -l vi --ignore=.venv --ignore=var --ignore=bench --no-obsolete --add-location file

bench: setup  ## run the benchmarks, one line per figure
	$(PY) bench/run.py

.PHONY: load faults-db
load: setup  ## the deadline rush on PostgreSQL: teachers submit, officers read (several minutes; docs/load.md)
	$(PY) bench/load.py

faults-db: setup  ## fault drill: PostgreSQL restarted under load, clean 503s, recovery (docs/load.md)
	$(PY) bench/faults_db.py

clean:  ## remove local state (virtualenv, database, uploads)
	rm -rf $(VENV) var
