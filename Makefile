# The two commands a newcomer needs: `make refresh` and `make test`.
# Every target installs what it needs first (an idempotent venv in .venv).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install refresh offline test test-lowest stress lint format bench bench-links bench-scholarly recall roundtrip demo clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

refresh: $(STAMP)
	$(BIN)/pipeline refresh

offline: $(STAMP)
	$(BIN)/pipeline refresh --offline

test: $(STAMP)
	$(BIN)/python -m pytest -m "not stress"

# The suite again on the lowest versions pyproject.toml allows (each direct dependency, runtime
# and dev, at its >= floor; the rest as pip resolves them), in a venv of its own: a floor
# that does not work fails here. Wheels only: every floor must exist as a wheel for this Python.
LOWEST := .venv-lowest
LOWEST_STAMP := $(LOWEST)/.installed

$(LOWEST_STAMP): pyproject.toml .ci/lowest_constraints.py
	rm -rf $(LOWEST)
	$(PY) -m venv $(LOWEST)
	$(PY) .ci/lowest_constraints.py > $(LOWEST)/constraints.txt
	$(LOWEST)/bin/python -m pip install --quiet --disable-pip-version-check --only-binary :all: \
		-c $(LOWEST)/constraints.txt -e '.[dev]'
	@touch $(LOWEST_STAMP)

test-lowest: $(LOWEST_STAMP)
	$(LOWEST)/bin/python -m pytest -m "not stress"

stress: $(STAMP)
	$(BIN)/python -m pytest -m stress

# The parse bench first: after the 1M-link scaling run the machine is slower for a while.
bench: $(STAMP)
	$(BIN)/python bench/parse_bench.py --mb 1 10
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests bench action .ci
	$(BIN)/ruff format --check pipeline tests bench action .ci

format: $(STAMP)
	$(BIN)/ruff format pipeline tests bench action .ci
	$(BIN)/ruff check --fix pipeline tests bench action .ci

# Recall of the parse stage on other maintainers' lists (../shared/lists, or LISTS=dir).
LISTS ?= ../shared/lists
recall: $(STAMP)
	$(BIN)/python -m bench.recall $(LISTS)
	$(BIN)/python -m bench.lists_world $(LISTS)

# `pipeline add` round trip on the shared lists: remove entries, add them back, compare bytes.
roundtrip: $(STAMP)
	$(BIN)/python -m bench.roundtrip $(LISTS)

bench-links: $(STAMP)
	$(BIN)/python bench/links_bench.py

# Does the scholarly stage make a run longer than arXiv's own pacing does? (shared lists)
bench-scholarly: $(STAMP)
	$(BIN)/python -m bench.scholarly_bound $(LISTS)

demo: $(STAMP)
	$(BIN)/python -m tests.emulator.demo

clean:
	rm -rf $(VENV) $(LOWEST) cache .pytest_cache .ruff_cache
