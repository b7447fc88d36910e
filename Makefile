# Quick start: `make run` (install + main job), `make test` (install + tests).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install run test bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

run: install
	$(BIN)/threatnet run scenarios/west_africa_2009.yaml --out results/quickstart

test: install
	$(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf $(VENV) results/runs results/quickstart
