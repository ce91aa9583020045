# The two commands of the README: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test lint sysdeps bench clean dist

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
	rm -rf $(VENV) build dist *.egg-info
