# The two commands a user needs: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# torch/torchvision pinned to what this machine family ships; pyproject keeps ranges.
TORCH_PINS ?= torch==2.14.1 torchvision==0.29.1

# The test order is random; the seed is printed, and `make test SEED=N` repeats an order.
ifndef SEED
SEED := $(shell od -An -N2 -tu2 /dev/urandom | tr -d ' ')
endif

.PHONY: run test bench models translations lint clean wheel

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q $(TORCH_PINS) || $(BIN)/pip install -q "torch>=2.4" "torchvision>=0.19"
	$(BIN)/pip install -q -e ".[test,hf]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/mmexplorer

test: $(STAMP)
	$(BIN)/lint-imports
	@echo "tests in random order, seed $(SEED) (make test SEED=$(SEED) repeats this order)"
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q --randomly-seed=$(SEED)

wheel: $(STAMP)
	$(BIN)/pip wheel . --no-deps --no-build-isolation -w dist

# `make bench DEVICE=cuda` runs the benchmarks that take a device on it
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run $(if $(DEVICE),--device $(DEVICE))

models: $(STAMP)
	$(BIN)/python -m mmexplorer.engine.bundle mmexplorer/resources/models --jobs 2

# The interface's Chinese: refresh the .ts from the gui's tr()/translate() calls (translations kept), then compile the .qm
# that ships in the package. Locations are left out so the .ts changes only when the strings do.
TS := mmexplorer/gui/i18n/mmexplorer_zh_CN.ts
translations: $(STAMP)
	$(BIN)/pyside6-lupdate $$(find mmexplorer/gui mmexplorer/families -name '*.py' | sort) -locations none -no-obsolete -source-language en -target-language zh_CN -ts $(TS)
	$(BIN)/pyside6-lrelease $(TS) -qm $(TS:.ts=.qm)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
