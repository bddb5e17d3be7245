# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint setup browser-deps serve migrate demo bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "需要 Python 3.11 或更新版本"'
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

# Debian's chromium drives the browser tests (Playwright never downloads a browser here).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "安装 Debian chromium（浏览器测试用）…"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

migrate: $(STAMP)
	$(BIN)/smartcity db upgrade

demo: migrate
	$(BIN)/smartcity demo load

# Create .venv, install, migrate, load the Jining demo, serve on 127.0.0.1:8000.
run: demo
	@echo "平台地址：http://$(HOST):$(PORT)/   API 文档：http://$(HOST):$(PORT)/api/docs"
	$(BIN)/smartcity serve --host $(HOST) --port $(PORT)

LINT_DIRS := $(wildcard src tests benchmarks)

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_DIRS)
	$(BIN)/ruff format --check $(LINT_DIRS)
	$(BIN)/mypy
	$(BIN)/lint-imports

# Create .venv if missing, install the browser, lint, and run the whole suite.
test: $(STAMP) browser-deps lint
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/audit_chain.py
	$(BIN)/python benchmarks/catalog_search.py
	$(BIN)/python benchmarks/base_data_rules.py
	$(BIN)/python benchmarks/base_data_load.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
