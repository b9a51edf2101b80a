# sx: build, test, benchmark. Every target sets up what it needs on a fresh machine.
VENV    ?= .venv
PY      := $(VENV)/bin/python
SX      := $(VENV)/bin/sx
STAMP   := $(VENV)/.installed
SYSSTAMP:= $(VENV)/.system-deps
EXTRAS  := $(VENV)/.extras
DEMO_ROOT ?= $(CURDIR)/.demo-store
# `make install PREFIX=/usr/local` (or ~/.local) also puts bin/sx, the man
# pages and completion there; by default they stay inside the venv.
PREFIX  ?=
PYTEST_ARGS ?=

.PHONY: install system-deps lint test test-fast fuzz demo bench bench-quick bootstrap clean

# The C extension (setup.py) needs the compiler from the system packages first.
$(STAMP): pyproject.toml setup.py store/_narfill.c derivations/build/_spawn.c scripts/link-source.sh $(SYSSTAMP)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	bash scripts/link-source.sh $(PY)
	touch $@

$(SYSSTAMP): scripts/install-system-deps.sh scripts/setup-nix.sh
	@mkdir -p $(VENV)
	bash scripts/install-system-deps.sh
	bash scripts/setup-nix.sh
	touch $@

# Man pages (`man sx-realize`) and shell completion, generated from the parser.
$(EXTRAS): $(STAMP) $(wildcard cli/*.py) derivations/registry.py scripts/install-extras.sh
	bash scripts/install-extras.sh $(PY) $(VENV)/share $(PREFIX)
	touch $@

install: $(STAMP) $(SYSSTAMP) $(EXTRAS)

# mypy sees the folders under their installed names through a symlink tree.
# Its sx/__init__.py makes a module like stage1/cc1.py win over the folder
# stage1/cc1/ of the same name (C sources, excluded in pyproject.toml).
lint: install
	$(VENV)/bin/ruff check store derivations cli tests bench
	mkdir -p .lint/sx && for d in store derivations cli; do ln -sfn ../../$$d .lint/sx/$$d; done
	touch .lint/sx/__init__.py
	$(VENV)/bin/mypy -p sx.store -p sx.derivations -p sx.cli

# Each run gets a fresh temporary base, removed afterwards by rm (which
# handles the deep trees the hostile-input tests build); pytest's own cleanup
# of a shared base recurses and fails on them.
# The name is lower-case hex: podman refuses an image path with capitals.
PYTEST  = t=/tmp/sx-test-$$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n') && \
	  mkdir -m 700 "$$t" && trap 'rm -rf "$$t"' EXIT && \
	  $(VENV)/bin/pytest -q --basetemp="$$t/b"

test: install lint
	$(PYTEST) -m "not bootstrap" $(PYTEST_ARGS)
	$(MAKE) --no-print-directory bench-quick

# The fuzz targets of tests/hostile with random seeds and many inputs each
# (make test runs 200 derandomized ones); prints how many each target tried.
SX_FUZZ_EXAMPLES ?= 5000
fuzz: install
	SX_FUZZ_PROFILE=fuzz SX_FUZZ_EXAMPLES=$(SX_FUZZ_EXAMPLES) $(VENV)/bin/pytest -q \
		--timeout=0 tests/hostile/test_fuzz.py $(PYTEST_ARGS)

test-fast: install
	$(PYTEST) -m "not slow and not stress and not bootstrap" $(PYTEST_ARGS)

# The main job: realize the stage0 bootstrap chain from the hex0 seed in a
# store of its own (DEMO_ROOT, not the default /sx), then export its closure
# as an OCI image into DEMO_OUT.
DEMO_OUT ?= demo-out
demo: install
	SX_ROOT="$(DEMO_ROOT)" DEMO_OUT="$(DEMO_OUT)" bash scripts/demo.sh "$(SX)"

# BENCH_ARGS: benchmark names (store gc ...) and --load [N] (CPU-bound neighbours).
BENCH_ARGS ?=
bench: install
	$(PY) bench/run_all.py $(BENCH_ARGS)

# Every benchmark end to end at small sizes (make test runs it, so none breaks unseen).
bench-quick: install
	$(PY) bench/run_all.py --quick

# The toolchain chain from its binary seeds (tcc, musl, static tcc fixpoint)
# with each stage's time, then the four-seed diverse double-compiling check;
# then the tests marked bootstrap (the libc oracle, tcc-boot run), in the
# store the chain just filled (SX_ROOT, or the default), so nothing is
# compiled twice.
bootstrap: install
	bash scripts/bootstrap.sh $(SX)
	SX_TEST_STAGE1_ROOT="$${SX_ROOT:-}" $(PYTEST) -m bootstrap tests/bootstrap $(PYTEST_ARGS)

# Store objects are read-only: make them writable before removing the demo store.
clean:
	if [ -d "$(DEMO_ROOT)" ]; then chmod -R u+w "$(DEMO_ROOT)" && rm -rf "$(DEMO_ROOT)"; fi
	rm -rf $(VENV) .lint demo-out .pytest_cache .mypy_cache .ruff_cache build *.egg-info
