# 先锋 xianfeng — `make run` starts everything, `make test` checks everything.
# Both set up what they need on a fresh machine (virtual environment, Python and npm
# packages, front-end files); nothing needs installing by hand.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9

.PHONY: run test setup lint fmt migrate seed static clean-var help cjk-font mutants

help:
	@echo "make run    启动完整系统（网站 + 任务进程 + 演示数据）于 http://127.0.0.1:8000/"
	@echo "make test   运行全部检查与测试（SQLite、PostgreSQL、浏览器）"

$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(VENV)/bin/uv || $(VENV)/bin/pip install --quiet "uv==$(UV_VERSION)"
	$(VENV)/bin/uv sync --locked --quiet --compile-bytecode
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

build/vendor/.built: node_modules/.installed scripts/build_vendor.py
	$(PYTHON) scripts/build_vendor.py
	@touch $@

# Chinese text in PDFs (minutes) and posters: Debian's WenQuanYi Micro Hei; emoji on posters:
# Noto Color Emoji. Installed when missing and running as root (the PDF falls back to a
# built-in CID font without the first; posters leave out what no font has).
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
EMOJI_FONT := /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
cjk-font:
	@if { [ ! -e $(CJK_FONT) ] || [ ! -e $(EMOJI_FONT) ]; } && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's fonts-wqy-microhei and fonts-noto-color-emoji"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei fonts-noto-color-emoji >/dev/null \
	    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei fonts-noto-color-emoji >/dev/null; }; \
	fi

setup: $(VENV)/.synced build/vendor/.built cjk-font

migrate: setup
	$(PY) manage.py migrate --no-input

seed: migrate
	$(PY) manage.py seed_demo --if-empty

static: setup
	$(PY) manage.py collectstatic --no-input --verbosity 0

run: seed static
	$(PY) manage.py serve

test: setup
	./scripts/test.sh

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts

fmt: setup
	$(VENV)/bin/ruff check --fix src tests benchmarks scripts
	$(VENV)/bin/ruff format src tests benchmarks scripts

clean-var:
	rm -rf var

# Mutation testing of the rule modules (README, "Mutation testing"); not part of `make test`.
# MUTANT_JOBS: parallel mutants (1 by default: the mutants share one SQLite test database).
MUTANT_JOBS ?= 1
mutants: setup
	rm -rf mutants
	time $(VENV)/bin/mutmut run --max-children $(MUTANT_JOBS)
	$(VENV)/bin/mutmut results > mutants/survivors.txt || true
	@echo "survivors and mutants without tests: mutants/survivors.txt (mutmut show NAME for a diff)"
