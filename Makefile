# Two commands for a fresh clone: `make demo` and `make test`. Everything else is set up here.
SHELL := /bin/bash
.DEFAULT_GOAL := all

NPM_STAMP := node_modules/.installed
VENV_STAMP := .venv/.installed
GEN_STAMP := gen/.generated
BUILD_STAMP := dist/.built
PROTOS := $(shell find proto -name '*.proto')
SOURCES := $(shell find config eventstore services serving stack mlflow ml platform sdk examples workflows activities cli demo bench -name '*.ts' 2>/dev/null)
# The console's browser code, bundled by esbuild into dist/web/ (served with web/*.html, *.css).
WEB_SOURCES := $(shell find web -name '*.ts' -o -name '*.html' -o -name '*.css' 2>/dev/null)

# Plain `make`: everything a fresh clone needs, the build and the .venv (Temporal, MLflow).
all: build venv

.PHONY: all build deps venv gen web lint format typecheck test test-unit demo bench server docs clean

web: $(NPM_STAMP)
	npx esbuild web/src/main.ts --bundle --format=esm --target=es2022 --minify --sourcemap \
	  --log-level=warning --outfile=dist/web/app.js

deps: $(NPM_STAMP) $(VENV_STAMP)

venv: $(VENV_STAMP)

# Temporal's dev server and MLflow, pinned in requirements.txt.
$(VENV_STAMP): requirements.txt
	python3 -m venv .venv
	.venv/bin/pip install -qq --disable-pip-version-check -r requirements.txt
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

gen: $(GEN_STAMP)

# The TypeScript code, and the descriptors that gRPC reflection serves byte for byte (as buf
# compiles them: map entries, proto3 optional and comments intact).
$(GEN_STAMP): $(NPM_STAMP) buf.yaml buf.gen.yaml $(PROTOS)
	npx buf generate
	npx buf build --as-file-descriptor-set -o gen/descriptors.binpb
	@touch $@

build: $(BUILD_STAMP)

$(BUILD_STAMP): $(GEN_STAMP) tsconfig.json tsconfig.build.json $(SOURCES) $(WEB_SOURCES)
	rm -rf dist
	npx tsc -p tsconfig.build.json
	node dist/runtime/bundleWorkflows.js
	$(MAKE) --no-print-directory web
	@touch $@

typecheck: $(GEN_STAMP)
	npx tsc --noEmit -p tsconfig.json
	npx tsc --noEmit -p web/tsconfig.json

lint: $(GEN_STAMP)
	npx buf lint
	npx eslint --max-warnings 0 .
	npx prettier --check .

format: $(NPM_STAMP)
	npx prettier --write .

test: build typecheck lint $(VENV_STAMP)
	npx vitest run

test-unit: $(GEN_STAMP) $(VENV_STAMP)
	npx vitest run test/unit

demo: build $(VENV_STAMP)
	node bin/hindsight.js demo

server: build
	node bin/hindsight.js server

bench: build $(VENV_STAMP)
	node dist/bench/run.js

# The generated parts of README.md and docs/: the configuration table from config/env.ts, the
# benchmark figures from bench/results.json (test/unit/docs.unit.test.ts fails when they differ).
docs: $(NPM_STAMP)
	npx tsx scripts/docs.ts

clean:
	rm -rf dist gen
