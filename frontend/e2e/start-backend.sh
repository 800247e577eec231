#!/usr/bin/env bash
# Starts the real backend for the end-to-end run: a fresh SQLite database in a temporary
# directory, email through SMTP to the test sink, then `todo-api serve` in the foreground
# (Playwright's webServer owns the process and stops it at the end).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${E2E_BACKEND_PORT:?}" "${E2E_FRONTEND_PORT:?}" "${SMTP_SINK_PORT:?}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/todo-e2e.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

export UV_PYTHON_DOWNLOADS=never
export ENVIRONMENT=test
export DATABASE_URL="sqlite+aiosqlite:///$TMP/e2e.db"
export JWT_SECRET_KEY="e2e-$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
export FRONTEND_URL="http://127.0.0.1:${E2E_FRONTEND_PORT}"
export EMAIL_BACKEND=smtp SMTP_HOST=127.0.0.1 SMTP_PORT="$SMTP_SINK_PORT" SMTP_SECURITY=none
export EMAIL_DISPATCH_INTERVAL_SECONDS=0.5
# The suite signs up and signs in many times from one IP within minutes.
export RATE_LIMIT_ENABLED=false
export HOST=127.0.0.1 PORT="$E2E_BACKEND_PORT" LOG_LEVEL=WARNING

cd "$ROOT/backend"
"$ROOT/.tools/bin/uv" run --frozen --no-sync todo-api migrate
# exec would skip the EXIT trap; run in the foreground and forward termination instead.
"$ROOT/.tools/bin/uv" run --frozen --no-sync todo-api serve &
PID=$!
trap 'kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
wait "$PID"
