# Two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_OUT ?= demo_out

.PHONY: demo test install install-test clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test,spark]'
	@command -v java >/dev/null 2>&1 || { echo "Installing Java for the Spark tests"; \
	  (apt-get update -qq && apt-get install -y -qq default-jre-headless) >/dev/null 2>&1 || echo "Java not installed: Spark tests will skip"; }
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/nerveflag run pipelines/data/demo/notes.csv --store $(DEMO_OUT)/nerveflag.duckdb --out $(DEMO_OUT); \
	  code=$$?; [ $$code -eq 0 ] || [ $$code -eq 3 ] || exit $$code
	@echo "Report: $(abspath $(DEMO_OUT))/report.html"
	@echo "Worklist: $(abspath $(DEMO_OUT))/worklist.csv"

test: install-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache
