# The two commands of the README: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYPROJECT_HASH := $(shell cat pyproject.toml | sha1sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(PYPROJECT_HASH)

# `make test` runs the suite a second time on Python 3.12 (in .venv-312) when it finds one: python3.12 on
# PATH, else pyenv's. PY312=/path/to/python3.12 chooses one; PY312= (empty) skips the second run.
ifeq ($(origin PY312),undefined)
PY312 := $(shell for p in python3.12 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12); do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 12); print(sys.executable)' 2>/dev/null && break; done)
endif
VENV312 := .venv-312
STAMP312 := $(VENV312)/.installed-$(PYPROJECT_HASH)
# All but the bundle test (it builds the PyInstaller bundle again, minutes, and `make dist` builds from .venv).
# PYTEST_ARGS, when given, chooses the tests of both runs.
PYTEST312_ARGS ?= $(or $(PYTEST_ARGS),-m "not packaging")

.PHONY: run test test-312 lint sysdeps bench clean dist

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

sysdeps:
	@bash scripts/install-system-deps.sh

run: sysdeps $(STAMP)
	$(BIN)/tradeterm $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check --output-format concise .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: sysdeps $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)
ifneq ($(PY312),)
	$(MAKE) --no-print-directory test-312 PY312=$(PY312)
else
	@echo "No Python 3.12 found (python3.12, ~/.pyenv/versions/3.12*): the suite ran on $$($(BIN)/python -V) only."
endif

$(VENV312)/bin/python:
	@test -n "$(PY312)" || { echo "No Python 3.12 found: set PY312=/path/to/python3.12" >&2; exit 1; }
	$(PY312) -m venv $(VENV312)
	$(VENV312)/bin/python -m pip install -q --upgrade pip

$(STAMP312): pyproject.toml | $(VENV312)/bin/python
	$(VENV312)/bin/python -m pip install -q -e '.[test]'
	rm -f $(VENV312)/.installed-* && touch $(STAMP312)

test-312: sysdeps $(STAMP312)
	QT_QPA_PLATFORM=offscreen $(VENV312)/bin/python -m pytest $(PYTEST312_ARGS)

# Benchmarks (not part of `make test`): vn.py, the tick-storm reference, pins another PySide6, so it gets .venv-bench.
BENCH_VENV := .venv-bench

$(BENCH_VENV)/bin/python:
	$(PY) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install -q 'vnpy>=4,<5'

bench: sysdeps $(STAMP) $(BENCH_VENV)/bin/python
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench.run_all $(BENCH_ARGS)

# The PyInstaller bundle dist/tradeterm/ (DIST_ARGS=--onefile or --full; see installer/build.sh).
dist: sysdeps $(STAMP)
	PYTHON=$(BIN)/python bash installer/build.sh $(DIST_ARGS)

clean:
	rm -rf $(VENV) $(VENV312) build dist *.egg-info
