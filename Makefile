# make run   — set up .venv and start the app on scenarios/vestland-2026
# make test  — set up .venv and run every test (unit, property-based, app, browser)
# make bench — set up .venv and run the benchmark (medians and ratios)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test bench clean

# The app and the command line: the pinned run-time requirements, then this package (editable).
$(RUN_STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -e .
	touch $@

# The tests and the benchmark: the pinned test tools on top.
$(TEST_STAMP): $(RUN_STAMP) requirements-dev.txt
	$(PIP) -r requirements-dev.txt
	touch $@

run: $(RUN_STAMP)
	$(PY) -m streamlit run app.py --server.headless true --browser.gatherUsageStats false

# lint-imports: the layers contract in pyproject.toml (imports only go down, no cycles)
test: $(TEST_STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest

bench: $(TEST_STAMP)
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
