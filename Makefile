# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
VENV      ?= .venv
PY        := $(VENV)/bin/python
PORT      ?= 8000
PG_URL    ?= postgres://postgres@127.0.0.1:5432/procuration_test
PYTEST_ARGS ?=
STAMP     := $(VENV)/.installed

.PHONY: install demo test test-sqlite test-postgres bench lint serve clean audit-deps

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	# The journal's sequencer and checkpoint signer runs next to the server (stopped with it).
	$(PY) manage.py audit_sequencer & trap 'kill $$!' EXIT INT TERM; \
		$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install
	@echo "== Suite complète sur SQLite =="
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

# Under CI an unreachable PostgreSQL fails the run; on a laptop it is skipped with a message.
test-postgres: install
	@echo "== Suite complète sur PostgreSQL ($(PG_URL)) =="
	@if $(PY) -m config.dbcheck "$(PG_URL)"; then \
		DATABASE_URL="$(PG_URL)" $(PY) -m pytest $(PYTEST_ARGS); \
	elif [ -n "$$CI" ]; then \
		echo "ERREUR : PostgreSQL est requis en CI et n'est pas joignable." >&2; exit 1; \
	else \
		echo "ATTENTION : PostgreSQL injoignable, passe PostgreSQL NON exécutée." >&2; \
	fi

bench: install
	DATABASE_URL="$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/procuration_bench}" \
		$(PY) -m bench

# The production profile on loopback: gunicorn + PostgreSQL, secrets generated once in
# var/production.env (see SECURITY.md, "Production profile"). DATABASE_URL overrides the base.
serve: install
	PORT=$(PORT) $(PY) -m config.serve

# pip-audit over requirements.lock in its own venv (kept out of the application's lock), with
# the explained allow-list .ci/pip-audit-allowlist.txt. Exit 3 (loud) when the vulnerability
# service cannot be reached: see .ci/audit_deps.py.
AUDIT_VENV := var/audit-venv
audit-deps:
	test -x $(AUDIT_VENV)/bin/pip-audit || { python3 -m venv $(AUDIT_VENV) && \
		$(AUDIT_VENV)/bin/pip install -q --disable-pip-version-check pip-audit==2.10.1; }
	python3 .ci/audit_deps.py

lint: install
	$(PY) -m ruff check .

# Keeps var/production.env: its keys decrypt TOTP secrets and sign the journal's checkpoints.
clean:
	rm -rf $(VENV) db.sqlite3
	test ! -d var || find var -mindepth 1 -maxdepth 1 ! -name production.env -exec rm -rf {} +
