# The two set-up commands of the README. Both work on a fresh machine with Python >= 3.11.
#   make run    install, build the graph from the mirror, and serve it on http://127.0.0.1:8000/sparql
#   make test   install with the test dependencies (and Debian's Chromium), and run the tests
PYTHON ?= python3
VENV ?= .venv
MIRROR ?= ../shared/data
BIN := $(VENV)/bin

.PHONY: install install-test browser run build test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'

build: install
	TID_MIRROR=$(MIRROR) $(BIN)/tid build

run: build
	$(BIN)/tid serve --data-dir var

# Debian's Chromium, for the query page's browser test (apt, once).
browser:
	bash scripts/install-browser.sh

test: install-test browser
	TID_MIRROR=$(MIRROR) $(BIN)/python -m pytest

bench: build
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	bash scripts/install-wrk.sh
	TID_MIRROR=$(MIRROR) $(BIN)/python bench/bench_build.py
	TID_MIRROR=$(MIRROR) $(BIN)/python bench/bench_validate.py
	$(BIN)/python bench/bench_endpoint.py --data-dir var
	$(BIN)/python bench/bench_pages.py --data-dir var

clean:
	rm -rf var .pytest_cache
