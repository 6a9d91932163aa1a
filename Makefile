# The two README commands: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
PYTEST_ARGS ?=
TRANSLATIONS := htpm_events/translations
CATALOGS := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))
BABEL_KEYWORDS := -k _l -k lazy_gettext -k N_ -k lazy_ngettext:1,2

.PHONY: run test lint format install install-test system-test-deps bench clean messages

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed: installing Debian's venv package..."; \
	  sh scripts/apt-install.sh python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed $(CATALOGS)

install-test: $(VENV)/.installed-test tests/js/node_modules/.installed $(CATALOGS)

# Translations (Flask-Babel): the .po files are in the repository, the .mo files are compiled
# here, by the install step of `make run` and `make test` (they are not committed).

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After changing marked strings: extract them and merge them into every .po file (then
# translate what is new or fuzzy; tests/i18n/test_catalog.py fails until that is done).
messages: install
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output \
	  --project "HTPM Events Hub" -o $(TRANSLATIONS)/messages.pot htpm_events templates
	$(BIN)/pybabel update --no-fuzzy-matching -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	@command -v npm >/dev/null || sh scripts/apt-install.sh nodejs npm
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The web server and one worker together (Procfile.dev, run by honcho): Ctrl-C stops both, and
# when either stops the other is stopped too.
run: install
	$(BIN)/flask db upgrade
	@if $(BIN)/flask demo needed; then $(BIN)/flask demo load; fi
	FLASK_RUN_HOST=$(HOST) FLASK_RUN_PORT=$(PORT) PATH="$(CURDIR)/$(BIN):$$PATH" \
	  $(BIN)/honcho --no-colour -f Procfile.dev start

system-test-deps:
	@sh scripts/test-system-deps.sh

test: install-test system-test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks print figures (see bench/README.md); they are not part of `make test`.
bench: install-test
	$(BIN)/python bench/calendar_bench.py
	$(BIN)/python bench/feeds_bench.py
	$(BIN)/python bench/mail_bench.py
	$(BIN)/python bench/import_bench.py

clean:
	rm -rf $(VENV) tests/js/node_modules .pytest_cache .ruff_cache
