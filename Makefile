# Two commands do all the set-up on a fresh machine:
#   make demo   create .venv, install mllab, train the demo, print where the report is
#   make test   same set-up, then the test suite
# TORCH=cpu (default) installs torch's CPU-only build, TORCH=cuda the build pip's index serves
# (PyPI on Linux: CUDA, gigabytes). To switch on an existing .venv: make clean first.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
ACTIVATE := $(VENV)/bin/activate
TORCH   ?= cpu
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
# The datasets of these machines sit beside the checkout (../shared/data) and in Debian's folder.
DATA_DEFAULT := $(abspath ..)/shared/data:/usr/share/datasets
export MLLAB_DATA ?= $(DATA_DEFAULT)

ifeq ($(TORCH),cpu)
TORCH_BUILD := torch CPU-only build
# PyPI's Linux torch 2.13.0 is the CUDA build; the CPU index's 2.13.0+cpu meets the same pin and sorts
# above it, so pip takes it. pip retries an index it cannot reach 5 times per package (6.5 more minutes
# measured offline), so the index is named only when it answers within 5 s; else pip's own sources
# decide. Expanded only in the install recipe: the check runs when pip does (and under make -n).
cpu_index_answers = $(shell python3 -c 'import sys, urllib.request as r; r.urlopen(sys.argv[1], timeout=5)' \
	'$(TORCH_CPU_INDEX:%/=%)/torch/' >/dev/null 2>&1 && echo yes)
TORCH_PIP = $(if $(cpu_index_answers),--extra-index-url $(TORCH_CPU_INDEX),$(info note: the CPU index \
	$(TORCH_CPU_INDEX) does not answer; torch comes from pip's configured sources (the lab machines keep \
	its CPU wheel in /opt/wheels; plain PyPI has only the CUDA build for Linux)))
else ifeq ($(TORCH),cuda)
TORCH_BUILD := torch as pip's index serves it: the CUDA build on Linux PyPI, gigabytes
TORCH_PIP :=
else
$(error TORCH=$(TORCH) is not a torch build: use TORCH=cpu (the default, CPU-only) or TORCH=cuda)
endif

# Handwriting fonts the OCR classifier's letters are rendered from (mllab/data/handwritten36.py FONT_PACKAGES,
# kept equal by tests/test_setup.py); installed when missing and apt-get can run as root, else a warning.
FONT_PACKAGES := fonts-breip fonts-bwht fonts-comic-neue fonts-dkg-handwriting fonts-humor-sans fonts-kiloji \
	fonts-klee fonts-kristi fonts-nanum-extra fonts-rufscript fonts-seto fonts-sjfonts fonts-tlwg-purisa-otf \
	fonts-tomsontalks fonts-yusei-magic

.PHONY: demo test test-slow test-all test-retrain bench clean fonts

# `source .venv/bin/activate` then finds the data as make does, unless MLLAB_DATA is already set.
$(PY):
	@echo "creating the virtual environment $(VENV)"
	python3 -m venv $(VENV)
	grep -qs MLLAB_DATA $(ACTIVATE) || \
	  echo 'export MLLAB_DATA="$${MLLAB_DATA:-$(DATA_DEFAULT)}"  # mllab: data default of the Makefile' >> $(ACTIVATE)

$(STAMP): pyproject.toml constraints.txt | $(PY)
	@echo "installing mllab and its dependencies into $(VENV) ($(TORCH_BUILD); a few minutes the first time)"
	$(PY) -m pip install --disable-pip-version-check -c constraints.txt -e '.[test]' $(TORCH_PIP)
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/mllab demo

fonts:
	@missing=$$(for p in $(FONT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "installing handwriting fonts for the OCR dataset: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "warning: cannot install $$missing (need root and apt-get); OCR dataset tests will be skipped" >&2; fi

# tests/ and every docstring example under mllab/, without the tests marked slow (pyproject's addopts): the
# training of every packaged recipe (one per engine and task stays) and a few long end-to-end runs
test: $(STAMP) fonts
	$(PY) -m pytest -q -n 2 --durations=15

# only the tests marked slow (every packaged recipe trained for a short epoch, the long end-to-end runs)
test-slow: $(STAMP) fonts
	$(PY) -m pytest -q -n 2 -m slow --durations=15

# what CI runs: make test, then the slow tests it leaves out
test-all: test test-slow

# the tests marked retrain (deselected by `make test`): retraining the shipped OCR classifier (about 10 CPU-min)
test-retrain: $(STAMP) fonts
	$(PY) -m pytest -q -m retrain --durations=15

bench: $(STAMP)
	$(PY) bench/trainer_overhead.py

clean:
	rm -rf $(VENV) runs .pytest_cache
