# Civic Portal developer tasks. Run `make` to list them.
#
# Everything is installed into the checkout: Python packages into .venv/, front-end build tools
# into node_modules/. Both are made once and refreshed only when the lock files (requirements/,
# package-lock.json) or pyproject.toml / package.json change, so a second `make run` starts at once
# and keeps the data in instance/.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PORT ?= 5000
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Extra arguments for pytest in `make test`, e.g. make test PYTEST_ARGS="-x -k journey".
PYTEST_ARGS ?=
# Set PYTHON=/path/to/python3.12 to choose the interpreter the virtual environment is made with.
PYTHON ?=
# Extra arguments for `uv pip compile` in `make lock`, e.g. LOCK_ARGS=--upgrade for the newest
# versions pyproject.toml allows, or LOCK_ARGS="--upgrade-package pillow" for one package.
LOCK_ARGS ?=

# The lock files, written by `make lock` with uv: every Python package pinned with the hashes of
# its files, resolved once for Python 3.12 and newer on every platform (Linux x86_64 and aarch64,
# macOS, Windows), so plain `pip install --require-hashes -r` installs them.
#   dev.txt         .venv, the tests and CI: the dependencies, the test and postgres extras, and
#                   the build backend (the editable install and `make wheel` build without fetching)
#   production.txt  a server: the dependencies and the postgres extra, at dev.txt's versions
#   uv.txt          uv itself, for `make lock`
DEV_LOCK := requirements/dev.txt
PROD_LOCK := requirements/production.txt
UV_LOCK := requirements/uv.txt
UV_COMPILE := --universal --python-version 3.12 --generate-hashes --quiet \
  --custom-compile-command 'make lock'

VENV_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
MANIFEST := static/dist/manifest.json
ASSET_SOURCES := $(shell find static/src -type f 2>/dev/null) scripts/build-assets.mjs package.json
NPM_LOCK := $(wildcard package-lock.json)

POT := translations/messages.pot
I18N_BUGS_ADDRESS ?= translations@riverton.example
I18N_COPYRIGHT ?= Civic Portal contributors

.PHONY: help venv lock audit run test lint assets i18n-extract i18n-update i18n-compile a11y bench wheel clean

help: ## List the targets (this text)
	@echo "Civic Portal. Usage: make <target> [PORT=$(PORT)]"
	echo
	awk 'BEGIN {FS = ":[^#]*## "} /^[a-z0-9-]+:[^#]*## / {printf "  %-13s %s\n", $$1, $$2}' $(firstword $(MAKEFILE_LIST))

# --- Python -----------------------------------------------------------------------------------

# Finds a Python 3.12 or newer: $(PYTHON), python3.13 and python3.12 on PATH, pyenv's versions,
# ~/.pyenv/versions/3.1x, then python3. Leaves its path in $found.
define FIND_PYTHON
new_enough() { "$$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
found=""
for candidate in $(PYTHON) python3.13 python3.12; do
  path=$$(command -v "$$candidate" 2>/dev/null) || continue
  if new_enough "$$path"; then found=$$path; break; fi
done
if [ -z "$$found" ] && command -v pyenv >/dev/null 2>&1; then
  for version in $${PYENV_VERSION:-} $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.|$$)' | sort -rV); do
    path=$$(PYENV_VERSION=$$version pyenv which python3 2>/dev/null) || continue
    if new_enough "$$path"; then found=$$path; break; fi
  done
fi
if [ -z "$$found" ]; then
  for path in $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3.1[2-9] \
                       /root/.pyenv/versions/3.1[2-9]*/bin/python3.1[2-9] 2>/dev/null | sort -rV); do
    if new_enough "$$path"; then found=$$path; break; fi
  done
fi
if [ -z "$$found" ] && path=$$(command -v python3 2>/dev/null) && new_enough "$$path"; then
  found=$$path
fi
if [ -z "$$found" ]; then
  have=$$(python3 --version 2>/dev/null || echo "no python3")
  echo "make: Civic Portal needs Python 3.12 or newer, and none was found." >&2
  echo "  Looked for: python3.13 and python3.12 on PATH, pyenv versions 3.12+, ~/.pyenv/versions/3.1x, python3 ($$have)." >&2
  echo "  Install Python 3.12 (for example 'pyenv install 3.12' or your system's python3.12 package)," >&2
  echo "  or point to one: make PYTHON=/path/to/python3.12 <target>" >&2
  exit 1
fi
endef

$(PY):
	@$(FIND_PYTHON)
	echo "Creating $(VENV) with $$found ($$("$$found" --version))"
	"$$found" -m venv $(VENV)

# Installs exactly the locked versions (pip refuses any file whose hash is not in the lock), then the
# portal itself without dependencies, and checks that the lock still matches pyproject.toml.
$(VENV_STAMP): $(DEV_LOCK) pyproject.toml | $(PY)
	@echo "+ pip install --require-hashes -r $(DEV_LOCK) && pip install --no-deps --no-build-isolation -e ."
	$(PY) -m pip install --require-hashes -r $(DEV_LOCK)
	$(PY) -m pip install --no-deps --no-build-isolation -e .
	if ! $(PY) -m pytest -q --noconftest -p no:cacheprovider tests/unit/test_lock.py; then
	  echo "make: pyproject.toml and $(DEV_LOCK) disagree (see above). Run 'make lock', then make again." >&2
	  exit 1
	fi
	touch $@

venv: $(VENV_STAMP) ## Create .venv (Python 3.12+) and install the locked packages and the portal

# uv runs from a throwaway virtual environment, installed from its own lock. What building the
# portal needs (scripts/build-requires: the build backend, and what it asks for an editable
# install) is asked of the backend, installed there for the question, then locked into dev.txt.
lock: ## Re-resolve requirements/*.txt from pyproject.toml (LOCK_ARGS=--upgrade for newest)
	@$(FIND_PYTHON)
	tool=$$(mktemp -d /tmp/portal-lock.XXXXXX)
	trap 'rm -rf "$$tool"' EXIT
	"$$found" -m venv "$$tool"
	"$$tool/bin/python" -m pip install --quiet --require-hashes -r $(UV_LOCK)
	"$$tool/bin/python" -m pip install --quiet -r <("$$found" scripts/build-requires --static)
	uv=$$tool/bin/uv
	echo "+ uv pip compile $(UV_COMPILE) $(LOCK_ARGS) -> $(UV_LOCK) $(DEV_LOCK) $(PROD_LOCK)"
	echo uv | "$$uv" pip compile - $(UV_COMPILE) $(LOCK_ARGS) -o $(UV_LOCK)
	"$$tool/bin/python" scripts/build-requires |
	  "$$uv" pip compile pyproject.toml - --extra test --extra postgres $(UV_COMPILE) $(LOCK_ARGS) -o $(DEV_LOCK)
	"$$uv" pip compile pyproject.toml --extra postgres -c $(DEV_LOCK) $(UV_COMPILE) $(LOCK_ARGS) -o $(PROD_LOCK)
	git --no-pager diff --stat -- requirements/ 2>/dev/null || true

# pip-audit asks PyPI's advisory data (https://pypi.org/pypi/NAME/VERSION/json) about every pinned
# package without installing anything. --strict turns a package it could not check into a failure
# (without it, an unreachable PyPI reads "No known vulnerabilities found"), and a fresh cache makes
# every run ask again.
audit: venv ## Check every locked package for known vulnerabilities (fails if PyPI cannot be asked)
	@work=$$(mktemp -d /tmp/portal-audit.XXXXXX)
	trap 'rm -rf "$$work"' EXIT
	echo "+ pip-audit --strict --disable-pip --require-hashes -r $(DEV_LOCK) -r $(PROD_LOCK) -r $(UV_LOCK)"
	rc=0
	$(BIN)/pip-audit --strict --disable-pip --require-hashes --vulnerability-service pypi \
	  --progress-spinner off --cache-dir "$$work/cache" \
	  -r $(DEV_LOCK) -r $(PROD_LOCK) -r $(UV_LOCK) 2>&1 | tee "$$work/output" || rc=$$?
	if [ "$$rc" -eq 0 ]; then
	  echo "make audit: every locked package was checked; none has a known vulnerability."
	elif grep -qE '^Found [0-9]+ known vulnerabilit' "$$work/output"; then
	  echo "make audit: FAILED: locked packages have known vulnerabilities (listed above). Raise the" >&2
	  echo "  floor in pyproject.toml, or make lock LOCK_ARGS='--upgrade-package NAME', then audit again." >&2
	else
	  echo "make audit: FAILED: the locked packages could NOT be checked, so nothing is known about" >&2
	  echo "  their vulnerabilities. PyPI's advisory data did not answer (see above); this is no pass." >&2
	fi
	exit "$$rc"

# --- Front-end assets -------------------------------------------------------------------------

$(NPM_STAMP): package.json $(NPM_LOCK)
	@if ! command -v npm >/dev/null 2>&1; then
	  echo "make: npm is needed to build the front-end assets. Install Node.js 20 or newer (it includes npm)." >&2
	  exit 1
	fi
	if [ -f package-lock.json ]; then cmd=ci; else cmd=install; fi
	echo "+ npm $$cmd"
	npm $$cmd --no-audit --no-fund
	touch $@

$(MANIFEST): $(NPM_STAMP) $(ASSET_SOURCES)
	npm run build

assets: $(MANIFEST) ## Build the CSS, JavaScript and images into static/dist/ (npm)

# --- Translations -----------------------------------------------------------------------------

# The mapping in translations/babel.cfg names portal/ and templates/ relative to the top of the
# checkout, so the extraction starts there and skips the folders that hold no sources.
i18n-extract: venv ## Collect every translatable string into translations/messages.pot
	version=$$($(PY) -c 'import importlib.metadata as m; print(m.version("civic-portal"))')
	$(BIN)/pybabel extract -F translations/babel.cfg -k _l -k lazy_gettext \
	  --add-comments=Translators: --sort-by-file \
	  --project "Civic Portal" --version "$$version" \
	  --copyright-holder "$(I18N_COPYRIGHT)" --msgid-bugs-address "$(I18N_BUGS_ADDRESS)" \
	  --ignore-dirs '.* ._ node_modules static instance dist build' \
	  -o $(POT) .

i18n-update: venv ## Merge messages.pot into each translations/<locale>/LC_MESSAGES/messages.po
	$(BIN)/pybabel update -i $(POT) -d translations --no-fuzzy-matching --ignore-obsolete

i18n-compile: venv ## Compile the .po files to .mo (fails on errors in a translation)
	@if ! ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then
	  echo "make: no translations/<locale>/LC_MESSAGES/messages.po yet; pages will be in English only." >&2
	  exit 0
	fi
	echo "+ pybabel compile -d translations --statistics"
	$(BIN)/pybabel compile -d translations --statistics

# --- Running and checking ---------------------------------------------------------------------

run: venv assets i18n-compile ## Serve the portal on http://127.0.0.1:PORT (default 5000) with demo data, data in instance/
	@# Links in pages and messages point at this server unless a public address is set.
	export PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)}"
	echo "+ flask --app portal migrate && flask --app portal load-catalog"
	$(BIN)/flask --app portal migrate
	$(BIN)/flask --app portal load-catalog
	if [ "$${PORTAL_ENV:-development}" = development ]; then
	  echo "+ flask --app portal seed-demo (demo staff, residents and requests; adds only what is missing)"
	  $(BIN)/flask --app portal seed-demo
	fi
	trap 'kill $$(jobs -p) 2>/dev/null || true' EXIT
	if [ -z "$${SMTP_HOST:-}" ]; then
	  echo "+ development mail server on 127.0.0.1:$${SMTP_PORT:-1025}: emails are printed here, not sent"
	  $(PY) -m aiosmtpd -n -l "127.0.0.1:$${SMTP_PORT:-1025}" &
	fi
	echo "+ flask --app portal notify-worker (delivers queued emails, texts and letters)"
	$(BIN)/flask --app portal notify-worker &
	echo "Civic Portal: http://127.0.0.1:$(PORT)/  (Ctrl+C stops it; data stays in instance/)"
	$(BIN)/flask --app portal --no-debug run --host 127.0.0.1 --port $(PORT)

test: venv assets i18n-compile lint ## Check the layers (make lint), then run the whole test suite on SQLite and on a throwaway PostgreSQL
	@scripts/ensure-chromium
	scripts/ensure-clamav
	banner() { printf '\n==================== %s ====================\n\n' "$$*"; }
	result() { if [ "$$1" -eq 0 ]; then echo passed; else echo "FAILED (exit $$1)"; fi; }

	# The two runs go side by side, one on each core: the PostgreSQL run in the background, its
	# output kept in a file and shown once the SQLite run (shown as it goes) has ended. Each has
	# its own pytest temporary folder.
	both_start=$$SECONDS
	pgdir=$$(mktemp -d /tmp/portal-pg.XXXXXX)
	runs=$$(mktemp -d /tmp/portal-test-runs.XXXXXX)
	trap 'kill $$(jobs -p) 2>/dev/null || true; scripts/pg-throwaway stop "$$pgdir" || true; rm -rf "$$runs"' EXIT
	trap 'exit 130' INT TERM
	(
	  start=$$SECONDS
	  pg_rc=0
	  # In /tmp, which the postgres user can reach; removed again however the run ends.
	  if url=$$(scripts/pg-throwaway start "$$pgdir"); then
	    echo "TEST_DATABASE_URL=$$url"
	    # The accessibility audit looks at the pages' HTML, which is the same on either database: it
	    # runs once, on SQLite, to keep the whole run within the time CI allows. (Only `tests` is
	    # named: --ignore does not take a folder out of the configured testpaths.)
	    TEST_DATABASE_URL=$$url $(PY) -m pytest tests -p no:cacheprovider \
	      --basetemp="$$runs/postgresql" $(PYTEST_ARGS) || pg_rc=$$?
	  else
	    echo "make: could not start the throwaway PostgreSQL server." >&2
	    pg_rc=1
	  fi
	  echo "$$pg_rc $$((SECONDS - start))" > "$$runs/result"
	) > "$$runs/log" 2>&1 &
	pg_job=$$!

	banner "Test run 1 of 2: SQLite (the PostgreSQL run goes at the same time; its output follows)"
	start=$$SECONDS
	sqlite_rc=0
	env -u TEST_DATABASE_URL $(PY) -m pytest --basetemp="$$runs/sqlite" $(PYTEST_ARGS) || sqlite_rc=$$?
	sqlite_time=$$((SECONDS - start))

	wait $$pg_job || true
	banner "Test run 2 of 2: PostgreSQL (throwaway cluster; the accessibility audit ran on SQLite)"
	cat "$$runs/log"
	read -r pg_rc pg_time < "$$runs/result" || { pg_rc=1; pg_time="?"; }
	scripts/pg-throwaway stop "$$pgdir" || true

	banner "Summary"
	echo "  SQLite:     $$(result $$sqlite_rc) in $${sqlite_time}s"
	echo "  PostgreSQL: $$(result $$pg_rc) in $${pg_time}s"
	echo "  Both, side by side: $$((SECONDS - both_start))s"
	[ "$$sqlite_rc" -eq 0 ] && [ "$$pg_rc" -eq 0 ]

lint: venv ## Check the import-linter contracts (layers, no cycles) and that every module compiles
	$(BIN)/lint-imports
	$(PY) -m compileall -q portal tests bench

a11y: venv assets i18n-compile ## Run the accessibility audit (report in accessibility/reports/)
	scripts/ensure-chromium
	$(PY) -m pytest accessibility

bench: venv assets i18n-compile ## Measure page weight per page and locale (report in bench/reports/)
	$(PY) bench/page_weight.py

wheel: venv assets i18n-compile ## Build the wheel into dist/ (with the locked build backend)
	$(PY) -m pip wheel --no-deps --no-build-isolation -w dist .

clean: ## Remove built files (keeps .venv, node_modules and the data in instance/)
	rm -rf static/dist dist build .pytest_cache
	find translations -name '*.mo' -delete
	find . \( -path ./.venv -o -path ./node_modules \) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
