#!/usr/bin/env bash
# Pushes only backend/ to a Hugging Face Space (Docker SDK), which then builds backend/Dockerfile.
#
#   HF_TOKEN=hf_... scripts/deploy-hf-space.sh <user-or-org>/<space-name>
#
# How: `git subtree split --prefix backend` turns the history of backend/ into commits whose root
# is backend/ (so the Space sees Dockerfile and README.md, with its front matter, at the top),
# and that commit is pushed to the Space's `main` branch. The split is deterministic: each deploy
# fast-forwards the previous one. The first push replaces the README commit Hugging Face creates
# with a new Space, so it needs FORCE=1 once.
#
# Options (environment):
#   HF_TOKEN     a Hugging Face *write* token (https://huggingface.co/settings/tokens). It is
#                handed to git by a credential helper that reads the variable at push time: it
#                never appears in a URL, the git config, the process list or the shell history.
#   HF_USERNAME  your Hugging Face user name (default: the Space's owner; set it when the Space
#                belongs to an organisation).
#   REF=<rev>    what to deploy (default HEAD; a tag for a release, e.g. REF=v1.0.0).
#   FORCE=1      overwrite the Space's history (first deploy, or a rollback to an older REF).
#   DRY_RUN=1    split and check, print what would be pushed, push nothing.
#   REMOTE_URL   push somewhere else than https://huggingface.co/spaces/<space> (a mirror, or a
#                local bare repository to rehearse a deploy).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SPACE="${1:-}"
if [[ -z "$SPACE" && -z "${REMOTE_URL:-}" ]]; then
  echo "usage: HF_TOKEN=hf_... $0 <user-or-org>/<space-name>   (see the header for options)" >&2
  exit 2
fi
REF="${REF:-HEAD}"
REMOTE_URL="${REMOTE_URL:-https://huggingface.co/spaces/$SPACE}"

if [[ -n "$(git status --porcelain -- backend)" ]]; then
  echo "note: backend/ has uncommitted changes; they are NOT deployed (only committed $REF is)." >&2
fi

echo "==> splitting backend/ at $REF"
split="$(git subtree split --prefix backend "$REF" 2>/dev/null)"
echo "    commit $split"

# The Space must find its configuration and the Dockerfile at the root of that commit.
readme="$(git show "$split:README.md")"
for key in "sdk: docker" "app_port: 7860"; do
  grep -qx "$key" <<<"$readme" || { echo "error: README.md front matter lacks '$key'" >&2; exit 1; }
done
git cat-file -e "$split:Dockerfile" || { echo "error: no Dockerfile in backend/" >&2; exit 1; }
for forbidden in .env var .venv; do
  if git cat-file -e "$split:$forbidden" 2>/dev/null; then
    echo "error: backend/$forbidden is committed; it must never reach the Space" >&2
    exit 1
  fi
done
# Spaces refuse files over 10 MB that are not in Git LFS.
big="$(git ls-tree -r -l "$split" | awk '$4 > 10 * 1024 * 1024 { print $5 }')"
[[ -z "$big" ]] || { echo "error: files over 10 MB (need Git LFS): $big" >&2; exit 1; }

if [[ "${DRY_RUN:-0}" == 1 ]]; then
  echo "==> dry run: would push $split to $REMOTE_URL (main); files:"
  git ls-tree -r --name-only "$split" | sed 's/^/    /'
  exit 0
fi

push_args=()
[[ "${FORCE:-0}" == 1 ]] && push_args+=(--force)
credential_args=()
if [[ "$REMOTE_URL" == https://* ]]; then
  [[ -n "${HF_TOKEN:-}" ]] || { echo "error: set HF_TOKEN to a Hugging Face write token" >&2; exit 2; }
  # Single quotes: the helper expands $HF_TOKEN itself, when git asks, from the environment.
  export HF_USERNAME="${HF_USERNAME:-${SPACE%%/*}}"
  # shellcheck disable=SC2016
  credential_args=(-c credential.helper= -c 'credential.helper=!f() { echo "username=${HF_USERNAME}"; echo "password=${HF_TOKEN}"; }; f')
fi
echo "==> pushing to $REMOTE_URL (main)"
git "${credential_args[@]}" push "${push_args[@]}" "$REMOTE_URL" "$split:refs/heads/main"
echo "==> pushed. The Space rebuilds now; follow it under 'Logs', then check:"
if [[ -n "$SPACE" ]]; then
  host="$(tr '[:upper:]/_.' '[:lower:]---' <<<"$SPACE")"
  echo "    curl -fsS https://$host.hf.space/health"
fi
exit 0
