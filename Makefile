# Set-up and everyday commands. `make demo` and `make test` do all the set-up:
# they create .venv when absent, install CPU PyTorch first (override with
# TORCH=..., e.g. `make test TORCH=torch` for a CUDA build), then the package.

PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-oldest lint docs benchmark benchmark-all clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[tests,plots,dask,accelerate]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m sklearn_recae demo --plot demo.png

test: $(STAMP)
	$(BIN)/python -m pytest

# The whole suite again on the oldest scikit-learn pyproject.toml accepts, in a
# second virtual environment (the same torch, the newest of everything else).
OLDEST_VENV ?= .venv-oldest
SKLEARN_OLDEST ?= scikit-learn==1.6.0
OLDEST_STAMP := $(OLDEST_VENV)/.installed

$(OLDEST_STAMP): pyproject.toml
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install --quiet "$(TORCH)"
	$(OLDEST_VENV)/bin/python -m pip install --quiet -e ".[tests,plots,dask,accelerate]" "$(SKLEARN_OLDEST)"
	touch $(OLDEST_STAMP)

test-oldest: $(OLDEST_STAMP)
	$(OLDEST_VENV)/bin/python -c "import sklearn; print('scikit-learn', sklearn.__version__)"
	$(OLDEST_VENV)/bin/python -m pytest -p no:cacheprovider

DOCS_STAMP := $(VENV)/.docs-installed

$(DOCS_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

# The docs build with warnings as errors; the gallery runs every example
# (SKLEARN_RECAE_DOCS_RUN_EXAMPLES=False skips running them).
docs: $(DOCS_STAMP)
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	@echo "Docs: docs/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check sklearn_recae tests benchmarks examples docs
	$(BIN)/ruff format --check sklearn_recae tests benchmarks examples docs

DATA ?= ../shared/data/ml-1m/ratings.csv.gz

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_ease.py --data $(DATA)

benchmark-all: benchmark
	$(BIN)/python benchmarks/bench_ranking.py --data $(DATA)
	$(BIN)/python benchmarks/bench_speed.py --data $(DATA)
	$(BIN)/python benchmarks/bench_sequence.py --data $(DATA)
	$(BIN)/python benchmarks/bench_rating.py --data $(DATA)

clean:
	rm -rf $(VENV) $(OLDEST_VENV) build dist *.egg-info

# Speed: one epoch per neural model profiled part by part against its floors,
# and the peers (RecBole, Cornac, RecPack, one venv each under
# benchmarks/peers/.venvs from PyPI with the CPU torch) timed beside ours.
.PHONY: peers-setup benchmark-peers benchmark-profile

peers-setup:
	-PYTHON=$(PYTHON) TORCH="$(TORCH)" bash benchmarks/peers/setup.sh

benchmark-peers: $(STAMP) peers-setup
	OMP_NUM_THREADS=2 $(BIN)/python benchmarks/peers/run.py --data $(DATA)

benchmark-profile: $(STAMP)
	OMP_NUM_THREADS=2 $(BIN)/python benchmarks/profile_epochs.py --data $(DATA)
