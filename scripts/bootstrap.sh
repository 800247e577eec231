#!/usr/bin/env bash
# Installs what the project needs and is missing: a uv binary in .tools/, the backend's
# locked virtual environment (backend/.venv) and, once the frontend exists, its node_modules.
# Idempotent and quiet when everything is already there. Usage: scripts/bootstrap.sh [backend|frontend|all]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHAT="${1:-all}"
export UV_PYTHON_DOWNLOADS=never

find_python() {
  # The production image runs 3.13; prefer pyenv's 3.13, then any python3.13, then python3 (>= 3.11).
  local candidates=()
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)/versions/3.13.0/bin/python")
  fi
  candidates+=("${HOME}/.pyenv/versions/3.13.0/bin/python" "$(command -v python3.13 || true)" "$(command -v python3 || true)")
  for py in "${candidates[@]}"; do
    [[ -n "$py" && -x "$py" ]] || continue
    if "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  echo "error: Python 3.11+ not found (install python3.13 or python3 >= 3.11)" >&2
  return 1
}

ensure_uv() {
  if [[ -x "$ROOT/.tools/bin/uv" ]]; then return 0; fi
  local py; py="$(find_python)"
  echo "==> installing uv into .tools/ (using $py)"
  "$py" -m venv "$ROOT/.tools"
  "$ROOT/.tools/bin/pip" install --quiet --disable-pip-version-check uv
}

backend() {
  ensure_uv
  local py; py="$(find_python)"
  # --frozen: install exactly what uv.lock says; never re-resolve in CI or on a fresh clone.
  (cd "$ROOT/backend" && "$ROOT/.tools/bin/uv" sync --frozen --quiet --python "$py")
}

frontend() {
  [[ -f "$ROOT/frontend/package.json" ]] || return 0
  if [[ ! -d "$ROOT/frontend/node_modules" || "$ROOT/frontend/package-lock.json" -nt "$ROOT/frontend/node_modules/.package-lock.json" ]]; then
    echo "==> installing frontend dependencies (npm ci)"
    (cd "$ROOT/frontend" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

case "$WHAT" in
  backend) backend ;;
  frontend) frontend ;;
  all) backend; frontend ;;
  python) find_python ;;
  *) echo "usage: $0 [backend|frontend|all|python]" >&2; exit 2 ;;
esac
