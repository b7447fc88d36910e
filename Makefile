# Quick start: `make run` (install + main job), `make test` (install + tests).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install run test bench clean browser slurm

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

# The SLURM test (tests/test_slurm.py) starts Debian's munged, slurmctld and slurmd on 127.0.0.1 with its own
# configuration and runs a sweep through dask-jobqueue; THREATNET_REQUIRE_SLURM makes it fail rather than skip
# if they are missing. It needs root (slurmd runs jobs as SlurmdUser=root).
SLURM_PROGRAMS = /usr/sbin/slurmctld /usr/sbin/slurmd /usr/sbin/munged /usr/bin/sbatch

slurm:
	@(for p in $(SLURM_PROGRAMS); do [ -x $$p ] || exit 1; done) || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null; }
	@for p in $(SLURM_PROGRAMS); do [ -x $$p ] || { echo "error: $$p still missing after apt-get install slurm-wlm munge" >&2; exit 1; }; done

test: install browser slurm
	THREATNET_REQUIRE_BROWSER=1 THREATNET_REQUIRE_SLURM=1 $(BIN)/python -m pytest -n 2 -q

# Results are the user's: clean removes only what the build made.
clean:
	rm -rf $(VENV) build dist *.egg-info
