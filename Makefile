# Anju: `make run` to try it, `make test` to prove it. See README.md.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-pg bench lint messages clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(VENV)/.installed
	HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

test: $(VENV)/.installed
	bash scripts/test.sh

bench: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	bash scripts/bench.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check anju benchmarks

messages: $(VENV)/.installed
	$(PY) -m anju makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=var --ignore=benchmarks --ignore="*/tests/*"
	$(PY) -m anju compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
