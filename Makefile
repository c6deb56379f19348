# The two commands a newcomer needs: `make demo` and `make test`. Each builds .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Python writes bytecode for make's commands even where the shell says not to (PYTHONDONTWRITEBYTECODE): the
# dependencies are installed without compiling every module of every package (12 s of a fresh .venv), and each
# module is then compiled once, when first imported, instead of in every process that imports it. The files go to
# __pycache__/ (ignored by git) and .venv/.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: demo test check validate typecheck schemas ajv bench fuzz clean examples-index

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/refugee-rules assess examples/profiles/boris-anti-war-petitions.yaml --as-of 2024-03-01 --format text

# The tests run on every core (pytest-xdist), a file's tests on one worker (its module fixtures start once).
test: $(STAMP)
	$(BIN)/refugee-rules validate
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not slow"

# The type check, every hypothesis property at its full count of examples (make test draws a fortieth of them), and
# the end-to-end journeys and load runs marked slow (make test leaves them out): CI runs it after make test.
check: $(STAMP)
	$(BIN)/python -m mypy
	REFUGEE_RULES_TESTS=thorough $(BIN)/python -m pytest -q -m "property or slow" -n auto --dist loadfile

validate: $(STAMP)
	$(BIN)/refugee-rules validate

typecheck: $(STAMP)
	$(BIN)/python -m mypy

# Regenerate schemas/*.schema.json from the live models; tests/test_schemas.py fails until this is run after a model change.
schemas: $(STAMP)
	$(BIN)/refugee-rules schema profile -o schemas/profile.schema.json
	$(BIN)/refugee-rules schema assessment -o schemas/assessment.schema.json
	$(BIN)/refugee-rules schema catalogue -o schemas/catalogue.schema.json

# Ajv 8 and ajv-formats for tests/test_schemas.py (the schemas in Ajv's strict mode), at the versions of
# tools/ajv/package-lock.json; the test installs them itself when they are missing and npm can reach its registry.
ajv: tools/ajv/node_modules/.package-lock.json

tools/ajv/node_modules/.package-lock.json: tools/ajv/package.json tools/ajv/package-lock.json
	cd tools/ajv && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# Regenerate examples/README.md from examples/profiles/*.yaml; tests/test_examples_index.py fails when it is stale.
examples-index: $(STAMP)
	$(BIN)/python -m refugee_rules.tasks.examples_index > examples/README.md

# Malformed profiles (tests/test_fuzz.py) and the other surfaces (tests/test_fuzz_surfaces.py: the service on the
# loopback, custom layers, batch killed and resumed), 10,000 examples each. Test by test across the workers (--dist
# load): by file, one worker would run every surface of test_fuzz_surfaces.py after another, for hours.
fuzz: $(STAMP)
	FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest tests/test_fuzz.py tests/test_fuzz_surfaces.py -v -p no:cacheprovider -n auto --dist load

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_assess.py

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis tools/ajv/node_modules
