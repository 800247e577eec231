#!/usr/bin/env bash
# `make run`: install what is missing, migrate, and serve the whole app on the embedded
# defaults (SQLite file in backend/var/, console email, in-memory rate limits).
# Backend on 127.0.0.1:${PORT:-8000}; the frontend (once it exists) on 127.0.0.1:${FRONTEND_PORT:-3000}.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh" all

UV="$ROOT/.tools/bin/uv"
export UV_PYTHON_DOWNLOADS=never
BACKEND_PORT="${PORT:-8000}"
FRONTEND_PORT="${FRONTEND_PORT:-3000}"
pids=()

cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

cd "$ROOT/backend"
"$UV" run --frozen --no-sync todo-api migrate
# Reset links in emails point at the web app this script serves.
FRONTEND_URL="${FRONTEND_URL:-http://127.0.0.1:${FRONTEND_PORT}}" PORT="$BACKEND_PORT" "$UV" run --frozen --no-sync todo-api serve &
pids+=($!)

# Wait for the API before announcing it (at most ~30 s).
for _ in $(seq 1 60); do
  if "$UV" run --frozen --no-sync python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:${BACKEND_PORT}/health/live', timeout=1)" 2>/dev/null; then
    break
  fi
  sleep 0.5
done
echo "API:      http://127.0.0.1:${BACKEND_PORT}  (interactive docs: http://127.0.0.1:${BACKEND_PORT}/docs)"

if [[ -f "$ROOT/frontend/package.json" ]]; then
  cd "$ROOT/frontend"
  BACKEND_URL="http://127.0.0.1:${BACKEND_PORT}" npx next dev --hostname 127.0.0.1 --port "$FRONTEND_PORT" &
  pids+=($!)
  echo "App:      http://127.0.0.1:${FRONTEND_PORT}"
fi
echo "Press Ctrl-C to stop."
wait -n "${pids[@]}"
