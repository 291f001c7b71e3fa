# tcremedy: the two commands of the quick start are `make demo` and `make test`.
# Everything they need is installed by the targets below (Python venv + Pulumi engine from Go modules).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint engine tools venv bench robustness clean

demo: venv engine  ## a broken Windows fleet on the embedded emulator -> plan -> apply -> plan
	bash scripts/demo.sh

test: venv engine tools  ## lint + the whole test suite (emulator over HTTP, real Pulumi engine)
	$(VENV)/bin/ruff check cli tests bench stacks
	$(VENV)/bin/pytest -q

test-fast: venv tools  ## the inner loop: lint + every test except the real-engine ones (marker `engine`)
	$(VENV)/bin/ruff check cli tests bench stacks
	$(VENV)/bin/pytest -q -m "not engine"

venv: $(STAMP)

# constraints.txt pins every transitive dependency (regenerate: .venv/bin/pip freeze --exclude-editable).
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

engine:  ## build the Pulumi CLI from Go modules into ~/.cache/tcremedy/engine (skips what is built)
	bash engine/build.sh

tools:  ## build actionlint from Go modules into ~/.cache/tcremedy/tools (the docs workflow's check)
	bash scripts/build_tools.sh

lint: venv
	$(VENV)/bin/ruff check cli tests bench stacks

bench: venv engine
	$(PY) bench/startup.py
	$(PY) bench/emulator_describe.py
	$(PY) bench/plan_fleet.py
	$(PY) bench/plan_regions.py
	$(PY) bench/diagnose_fleet.py
	$(PY) bench/robustness.py

robustness: venv engine  ## issue 14's figures: every bench/robust_*.py, one table (exit 1 on a miss)
	$(PY) bench/robustness.py

clean:
	rm -rf $(VENV) .tcremedy
