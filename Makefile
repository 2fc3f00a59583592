# Self-documenting: `make help` lists every target with its ## comment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MEDSSL := $(BIN)/medssl
CONSTRAINTS := requirements/constraints.txt

.DEFAULT_GOAL := help
.PHONY: help setup setup-dev serve site readme validate lint test bench constraints clean links

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.site-installed: pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[site]'
	touch $@

$(VENV)/.dev-installed: $(VENV)/.site-installed
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[site,refs,dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.site-installed ## Create .venv with the project and the website tools

setup-dev: $(VENV)/.dev-installed node_modules/.installed ## Also install the test, lint and reference-implementation tools

validate: setup ## Check every catalog file
	$(MEDSSL) validate

readme: setup ## Regenerate README.md and the JSON Schema from the catalog
	$(MEDSSL) readme
	$(MEDSSL) schema

serve: validate readme ## Set up, validate, regenerate and serve the site at http://127.0.0.1:8000
	MEDSSL_SITE_URL=http://127.0.0.1:8000/ NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve -a 127.0.0.1:8000

site: validate ## Build the website into site/ (mkdocs build --strict)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

lint: setup-dev ## Ruff, the catalog's canonical form, and the generated files' check modes
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MEDSSL) validate
	$(MEDSSL) fmt --check > /dev/null || $(MEDSSL) fmt --check
	$(MEDSSL) readme --check
	$(MEDSSL) schema --check

test: lint ## Set up and run every check and the whole test suite
	$(BIN)/pytest

links: setup ## Check every link in the catalog, record catalog/link-status.json, write link-report.md
	$(MEDSSL) links --report-md link-report.md --report-json link-report.json

bench: setup-dev ## Run the benchmarks; write bench/results/*.json (the site's Performance page shows them)
	mkdir -p bench/results
	$(BIN)/python bench/catalog_scale.py --sizes 1000 10000 50000 --repeat 2 --json bench/results/catalog_scale.json
	$(BIN)/python bench/site_scale.py --json bench/results/site_scale.json
	$(BIN)/python bench/refs_speed.py --json bench/results/refs_speed.json

constraints: setup-dev ## Re-pin requirements/constraints.txt to what .venv has installed
	{ echo "# Exact versions CI installs (pip install -c requirements/constraints.txt ...): reproducible runs."; \
	  echo "# Regenerate after changing dependencies: make constraints"; \
	  $(BIN)/pip freeze --exclude-editable | grep -v '^-e' | sed 's/+cpu$$//' | sort -f; } > $(CONSTRAINTS).tmp
	mv $(CONSTRAINTS).tmp $(CONSTRAINTS)

clean: ## Remove build output (keeps .venv and node_modules)
	rm -rf site build dist runs test-output .pytest_cache .ruff_cache
