#!/usr/bin/env bash
# The whole check, as `make test` and CI run it:
#   lint and format, types, import layers, Django checks, migrations in sync,
#   pytest on SQLite, the same pytest on PostgreSQL (both without the `browser` and `fuzz`
#   tests), the API fuzz stage once on SQLite (schemathesis through the WSGI app, marker
#   `fuzz`: no 5xx, only documented statuses, bodies matching the OpenAPI schema;
#   derandomized, XF_FUZZ_EXAMPLES examples per operation and client: 15 by default,
#   under 3 min on 2 cores),
#   browser tests in Debian's Chromium (XF_TEST_JOBS workers, like the rest).
# Under CI=true a missing PostgreSQL or browser is a failure; elsewhere a clear skip.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
# Every Python process of the run (pytest workers, manage.py, servers and workers the
# operations tests start) imports Django and the project: from source that is ~2 s of
# compiling each time. Some environments set PYTHONDONTWRITEBYTECODE; the run keeps the
# bytecode it compiles (in __pycache__, ignored by git), and pytest its rewritten tests.
unset PYTHONDONTWRITEBYTECODE
PG_URL="${XF_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/xianfeng}"
JOBS="${XF_TEST_JOBS:-2}"
export XF_FUZZ_EXAMPLES="${XF_FUZZ_EXAMPLES:-15}"
CI="${CI:-false}"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started=$(date +%s)

step "ruff"
ruff check src tests benchmarks scripts
ruff format --check src tests benchmarks scripts

step "mypy"
mypy src

step "import layers (import-linter, pyproject.toml)"
PYTHONPATH=src lint-imports

step "django checks"
XF_VAR_DIR="$(mktemp -d)" python manage.py check --fail-level WARNING
XF_VAR_DIR="$(mktemp -d)" python manage.py makemigrations --check --dry-run

step "pytest on SQLite"
pytest -n "$JOBS" -m "not browser and not fuzz" "$@"

step "pytest on PostgreSQL"
if python scripts/pg_ready.py "$PG_URL"; then
  XF_DATABASE_URL="$PG_URL" pytest -n "$JOBS" -m "not browser and not fuzz" "$@"
elif [ "$CI" = "true" ]; then
  echo "PostgreSQL at $PG_URL is unreachable, and CI=true requires it" >&2
  exit 1
else
  echo "SKIPPED: PostgreSQL at $PG_URL is unreachable (set XF_TEST_POSTGRES_URL); CI requires it"
fi

step "API fuzzing (schemathesis, $XF_FUZZ_EXAMPLES examples per operation and client, SQLite)"
pytest -n "$JOBS" -m fuzz "$@"

step "browser tests (Chromium + Playwright)"
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium and a CJK font"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }
fi
if [ -x /usr/bin/chromium ]; then
  # Two at a time: much of a browser test is waiting (video playing in real time, a live
  # stream, timeouts), and each worker has its own server, database and browser.
  pytest -n "$JOBS" -m browser "$@"
elif [ "$CI" = "true" ]; then
  echo "Chromium is missing (/usr/bin/chromium), and CI=true requires it" >&2
  exit 1
else
  echo "SKIPPED: /usr/bin/chromium is missing and could not be installed (needs root and apt)"
fi

step "all passed in $(( $(date +%s) - started )) s"
