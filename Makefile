# Quick start: `make run` (install + main job), `make test` (install + tests).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install run test bench clean browser

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

run: install
	$(BIN)/threatnet run scenarios/west_africa_2009.yaml --out results/quickstart
	$(BIN)/threatnet report results/quickstart

# The report tests open each kind of report in Debian's headless Chromium (driven by Playwright);
# THREATNET_REQUIRE_BROWSER makes them fail rather than skip if it is missing.
CHROMIUM = /usr/bin/chromium
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:
	@[ -x $(CHROMIUM) ] || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
	@[ -x $(CHROMIUM) ] || { echo "error: $(CHROMIUM) still missing after apt-get install chromium" >&2; exit 1; }

test: install browser
	THREATNET_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf $(VENV) results/runs results/quickstart
