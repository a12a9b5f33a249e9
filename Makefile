# ppo-bench: `make test` and `make bench` each set up .venv on first use (pinned CPU stack), then do their job.
PYTHON      ?= python3
VENV        ?= .venv
PY          := $(VENV)/bin/python
CONSTRAINTS ?= constraints/cpu.txt
STAMP       := $(VENV)/.installed
PRESET      ?= auto
SEEDS       ?= 5
# wheelhouse: wheels for an offline machine (defaults: the GPU machines' Python 3.12, x86_64 manylinux)
WHEEL_PYTHON   ?= 3.12
WHEEL_PLATFORM ?= manylinux_2_28_x86_64
WHEEL_DIR      ?= wheelhouse
# ray: the cluster extra, 79 MB, not needed on the GPU machine; warp-lang: 142 MiB, over the device tool's 64 MiB
# carry, travels in parts (make wheelhouse-parts, docs/GPU.md); without it the Warp contenders exit 4 there
WHEEL_SKIP     ?= jax jaxlib torch numpy scipy ray warp-lang

.PHONY: setup setup-gpu test test-fast lint format bench report wheelhouse wheelhouse-parts clean

setup: $(STAMP)

# torch is installed first and pinned, so nothing can pull a multi-GB CUDA build on a CPU machine.
$(STAMP): pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c $(CONSTRAINTS) torch
	$(PY) -m pip install -q -c $(CONSTRAINTS) -e ".[test,cluster,warp,field]"
	touch $@

# CUDA machine with internet: same project, CUDA builds of JAX and torch (see README, "GPU").
setup-gpu:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints/gpu.txt "jax[cuda12]" torch
	$(PY) -m pip install -q -c constraints/gpu.txt -e ".[test,warp,field]"
	touch $(STAMP)

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: lint
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not slow"

bench: setup
	$(PY) -m bench all --preset $(PRESET) --seeds $(SEEDS)

report: setup
	$(PY) -m bench report

wheelhouse: setup
	$(PY) -m gpu.wheelhouse --python-version $(WHEEL_PYTHON) --platform $(WHEEL_PLATFORM) \
		--dest $(WHEEL_DIR) --skip $(WHEEL_SKIP)

# warp-lang (149 MB) as parts of at most 58 MiB, one per device call (docs/GPU.md: the Warp cell)
wheelhouse-parts: setup
	$(PY) -m gpu.wheelhouse --python-version $(WHEEL_PYTHON) --platform $(WHEEL_PLATFORM) \
		--dest wheelhouse-parts.download --only warp-lang
	$(PY) -m gpu.wheel_parts split wheelhouse-parts.download/warp_lang-*.whl wheelhouse-parts

clean:
	rm -rf $(VENV) reports/index.html reports/results.jsonl reports/logs reports/plots reports/figures
