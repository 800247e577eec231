#!/usr/bin/env bash
# Runs the backend suite. pytest's exit code 5 ("no tests collected") is a failure here, never green.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/backend"
"$ROOT/.tools/bin/uv" run --frozen --no-sync pytest "$@"
rc=$?
if [[ $rc -eq 5 ]]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
exit $rc
