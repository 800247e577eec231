#!/usr/bin/env bash
# The frontend's whole test run: type check, lint, Jest, production build, client-bundle check,
# then Playwright (Debian's Chromium) against the real backend (fresh SQLite, SMTP sink) and the
# production build served by `next start`. Installs what is missing; exits non-zero on any failure.
# Usage: scripts/test-frontend.sh            (CI=true for CI; E2E=0 skips the browser suite locally)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FRONTEND="$ROOT/frontend"
START=$(date +%s)
export NEXT_TELEMETRY_DISABLED=1 UV_PYTHON_DOWNLOADS=never

step() { printf '\n==> %s (%ss)\n' "$1" "$(( $(date +%s) - START ))"; }

step "dependencies"
"$ROOT/scripts/bootstrap.sh" backend
"$ROOT/scripts/bootstrap.sh" frontend
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM" ]]; then
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: $CHROMIUM is missing; install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH" >&2
    exit 1
  fi
fi
export CHROMIUM_PATH="$CHROMIUM"

cd "$FRONTEND"

step "typescript (tsc --noEmit)"
npx --no-install tsc --noEmit

step "eslint"
npx --no-install eslint . --max-warnings=0

step "jest"
npx --no-install jest --ci --maxWorkers=2

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"
}
# The rewrite's destination is fixed at build time, so the e2e backend port is chosen first.
E2E_BACKEND_PORT="${E2E_BACKEND_PORT:-$(free_port)}"
export E2E_BACKEND_PORT

step "next build (BACKEND_URL=http://127.0.0.1:$E2E_BACKEND_PORT)"
SKIP_BUILD_TYPECHECK=1 BACKEND_URL="http://127.0.0.1:$E2E_BACKEND_PORT" npx --no-install next build

step "client bundle check"
BACKEND_URL="http://127.0.0.1:$E2E_BACKEND_PORT" node scripts/check-bundle.mjs

if [[ "${E2E:-1}" == "0" ]]; then
  echo "E2E=0: skipping the Playwright suite"
else
  step "playwright e2e (real backend + production build, $CHROMIUM)"
  npx --no-install playwright test
fi

step "frontend checks passed"
