# Two commands do all the set-up on a fresh machine:
#   make demo   create .venv, install mllab, train the demo, print where the report is
#   make test   same set-up, then the test suite
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
# The datasets of these machines sit beside the checkout (../shared/data) and in Debian's folder.
export MLLAB_DATA ?= $(abspath ..)/shared/data:/usr/share/datasets

.PHONY: demo test bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/mllab demo

test: $(STAMP)
	$(PY) -m pytest -n 2 --durations=15

bench: $(STAMP)
	$(PY) bench/trainer_overhead.py

clean:
	rm -rf $(VENV) runs .pytest_cache
