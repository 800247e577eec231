#!/usr/bin/env bash
# Builds a LOCAL STAND-IN for the official `python:3.13-slim` image and imports it under that
# name, for machines that cannot reach Docker Hub (this project's CI and sandboxes).
#
#   NEVER USE THIS STAND-IN FOR A REAL RELEASE. A release image is built on the official
#   python:3.13-slim from Docker Hub (Hugging Face Spaces builds the Dockerfile itself, with
#   the real base). The stand-in only lets the Dockerfile be built and the image be run and
#   probed here; its size and contents are close to, but not the same as, the official image.
#
# What it does, mirroring the official image's layout:
#   1. debootstrap --variant=minbase of the Debian release this host's apt uses (the mirror
#      and the suite are read from the apt sources; nothing is hard-coded), plus ca-certificates
#      and the shared libraries CPython needs at run time;
#   2. copies a CPython 3.13 tree (pyenv's, `$(pyenv root)/versions/3.13.*`) to /usr/local,
#      where python:3.13-slim keeps its interpreter, with python/python3/pip links;
#   3. strips what the slim image does not ship (test suites, idle/tkinter, __pycache__, docs);
#   4. `podman import`s the root filesystem as docker.io/library/python:3.13-slim, labelled
#      as a stand-in.
# Idempotent: does nothing when the image already exists (FORCE=1 rebuilds it).
# Usage: scripts/container/build-base-standin.sh   (root; needs debootstrap and podman)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$HERE/containers.conf}"
IMAGE="${BASE_IMAGE:-docker.io/library/python:3.13-slim}"
WORK="${STANDIN_WORKDIR:-/var/tmp/python-slim-standin}"

if [[ "${FORCE:-0}" != 1 ]] && podman image exists "$IMAGE"; then
  echo "==> $IMAGE already present: not rebuilding (FORCE=1 to rebuild)"
  exit 0
fi

# --- the Debian mirror and release this host's apt uses ---------------------------------
apt_source() {
  # prints "<mirror-url> <suite>" of the first main-archive source (deb822 or one-line format)
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    awk '
      /^[[:space:]]*$/ { if (uri != "" && suite != "" && uri !~ /security/) { print uri, suite; exit } uri=""; suite=""; next }
      /^URIs:/ { uri=$2 } /^Suites:/ { suite=$2 }
      END { if (uri != "" && suite != "" && uri !~ /security/) print uri, suite }' "$f" | head -n1
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    awk '$1 == "deb" && $2 !~ /^\[/ && $2 !~ /security/ { print $2, $3; exit }
         $1 == "deb" && $2 ~ /^\[/ { for (i = 2; i <= NF; i++) if ($i ~ /\]$/) { if ($(i+1) !~ /security/) { print $(i+1), $(i+2); exit } } }' "$f"
  done
}
read -r MIRROR SUITE < <(apt_source | head -n1)
if [[ -z "${MIRROR:-}" || -z "${SUITE:-}" ]]; then
  echo "error: could not read a Debian mirror and suite from /etc/apt/sources.list*" >&2
  exit 1
fi

# --- the CPython 3.13 tree ---------------------------------------------------------------
PYROOT="${PYTHON_TREE:-}"
if [[ -z "$PYROOT" ]]; then
  pyenv_root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
  PYROOT="$(find "$pyenv_root/versions" -maxdepth 1 -name '3.13.*' 2>/dev/null | sort -V | tail -n1 || true)"
fi
if [[ -z "$PYROOT" || ! -x "$PYROOT/bin/python3.13" ]]; then
  echo "error: no CPython 3.13 tree found (set PYTHON_TREE=/path/to/prefix)" >&2
  exit 1
fi

# The Debian packages holding the shared libraries this CPython build links against (libssl,
# libsqlite3, libffi, ...), asked from the host's dpkg: the host runs the same release as the
# rootfs, so the names are right for it (Debian 13 renamed several, e.g. libssl3t64), and
# nothing here names a release or a version. Tk is left out, as in the official slim image.
python_files() {
  find "$PYROOT" -path "$PYROOT/lib/python3.13/test" -prune -o -type f \
    \( -name '*.so' -o -name '*.so.*' -o -name 'python3.13' \) ! -name '_tkinter*' -print
}
owner_package() {
  local lib="$1" real candidate owner
  real="$(readlink -f "$lib")"
  for candidate in "$lib" "$real" "${real#/usr}" "/usr$real"; do
    owner="$(dpkg -S "$candidate" 2>/dev/null | head -n1 | cut -d: -f1)"
    [[ -n "$owner" ]] && { echo "$owner"; return 0; }
  done
  echo "warning: no package owns $lib" >&2
}
runtime_packages() {
  python_files | xargs ldd 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u \
    | while read -r lib; do
        case "$lib" in "$PYROOT"/*) continue ;; esac   # pyenv's own libpython
        owner_package "$lib"
      done | sort -u | grep -v -x -e libc6 -e '' | paste -sd, -
}
PACKAGES="$(runtime_packages)"

echo "==> building a LOCAL STAND-IN for $IMAGE (never for a real release)"
echo "    debian: $SUITE from $MIRROR; python: $PYROOT"
echo "    runtime libraries from: $PACKAGES"
ROOTFS="$WORK/rootfs"
rm -rf "$WORK"; mkdir -p "$WORK"
debootstrap --variant=minbase --include="ca-certificates,netbase,tzdata${PACKAGES:+,$PACKAGES}" \
  "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -n 30 "$WORK/debootstrap.log" >&2; exit 1; }

# Python at /usr/local like python:3.13-slim; without tests, GUI modules, docs, caches, the static
# library and build config, and without any .pth hook the host installed into site-packages
# (only pip stays, as in the official image).
mkdir -p "$ROOTFS/usr/local"
tar -C "$PYROOT" \
  --exclude='lib/python3.13/test' --exclude='lib/python3.13/idlelib' \
  --exclude='lib/python3.13/tkinter' --exclude='lib/python3.13/turtledemo' \
  --exclude='lib/python3.13/ensurepip/_bundled' \
  --exclude='__pycache__' --exclude='share' --exclude='*.a' \
  --exclude='lib/python3.13/config-3.13-*' --exclude='bin/idle*' --exclude='bin/*-config' \
  --exclude='bin/python3.13-gdb.py' --exclude='lib/python3.13/site-packages/*.pth' \
  --exclude='lib/python3.13/lib-dynload/_tkinter*' \
  -cf - . | tar -C "$ROOTFS/usr/local" -xf -
for link in python python3 pip pip3; do
  case "$link" in
    python|python3) target=python3.13 ;;
    pip|pip3) target=pip3.13 ;;
  esac
  [[ -e "$ROOTFS/usr/local/bin/$target" ]] && ln -sf "$target" "$ROOTFS/usr/local/bin/$link"
done
# The official image ships its interpreter stripped; pyenv's build keeps debug info (~40 MB).
if command -v strip >/dev/null 2>&1; then
  find "$ROOTFS/usr/local" -type f \( -name '*.so' -o -name '*.so.*' -o -name 'python3.13' \) \
    -exec strip --strip-unneeded {} +
fi
echo "/usr/local/lib" >"$ROOTFS/etc/ld.so.conf.d/usr-local.conf"
chroot "$ROOTFS" /sbin/ldconfig
# A module whose shared library is missing from the rootfs fails here, not in a later build.
chroot "$ROOTFS" /usr/local/bin/python3 -c 'import ssl, sqlite3, ctypes, zlib, bz2, lzma, uuid, hashlib, venv; print("python ok:", ssl.OPENSSL_VERSION)'

# Trim apt/dpkg caches and docs the way the slim image does.
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/usr/share/doc/* \
       "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* "$ROOTFS"/var/log/*.log
find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} + 2>/dev/null || true

tar -C "$ROOTFS" --numeric-owner -cf - . | podman import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PYTHON_VERSION=3.13' \
  --change 'LABEL org.opencontainers.image.description=LOCAL-STAND-IN-for-python:3.13-slim-never-for-release' \
  --change 'CMD ["python3"]' \
  - "$IMAGE" >/dev/null
rm -rf "$WORK"
podman image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$IMAGE"
