#!/usr/bin/env bash
# `make container-test`: builds the backend image and proves it by running it.
#
#   1. finds a container engine (docker, else podman; as root on Debian without one, installs
#      podman with apt unless CONTAINER_INSTALL=0); without any, prints SKIP and exits 0;
#   2. lints the Dockerfile with hadolint (from the backend's dev dependencies);
#   3. makes sure the base image exists: pulled from Docker Hub when reachable, else the local
#      stand-in from build-base-standin.sh (never for a real release);
#   4. builds the image (timed) and reports its size and what it adds on top of the base;
#   5. checks that a bad production configuration exits non-zero with the problems listed;
#   6. runs it like production (ENVIRONMENT=production, read-only root filesystem, SMTP with
#      STARTTLS to a sink on the host whose certificate the container trusts via SMTP_CA_FILE),
#      waits for HEALTHCHECK to report healthy (timed), checks the process runs as UID 1000 and
#      is PID 1;
#   7. runs the smoke scenario (smoke.py) over HTTP;
#   8. sends SIGTERM and requires a clean exit (code 0) within the grace period;
#   9. with CONTAINER_TEST_DATABASE_URL (a PostgreSQL server where it may create a throwaway
#      database): starts two replicas at once on a fresh database, requires both healthy, the
#      schema at the image's head (one migration run, serialised by the advisory lock), an
#      account and a task made through one replica visible through the other, clean SIGTERM.
# Env: CONTAINER_ENGINE=docker|podman, IMAGE (default localhost/todo-api:test, kept as the next
# build's cache), BASE_IMAGE, HEALTH_TIMEOUT=60, CONTAINER_INSTALL=0 (never apt-get install).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/scripts/container"
IMAGE="${IMAGE:-localhost/todo-api:test}"
BASE_IMAGE="${BASE_IMAGE:-docker.io/library/python:3.13-slim}"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-60}"
VENV_PY="$ROOT/backend/.venv/bin/python"
BUILD_LOG="${BUILD_LOG:-/tmp/container-test-build.log}"
t_script=$(date +%s.%N)

log() { printf '==> [%6ss] %s\n' "$(elapsed "$t_script")" "$*"; }
die() { printf 'container-test: FAIL: %s\n' "$*" >&2; exit 1; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(date +%s.%N)"; }

# --- 1. engine -----------------------------------------------------------------------------
pick_engine() {
  if [[ -n "${CONTAINER_ENGINE:-}" ]]; then echo "$CONTAINER_ENGINE"; return; fi
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then echo docker; return; fi
  if command -v podman >/dev/null 2>&1; then echo podman; return; fi
  echo ""
}
ENGINE="$(pick_engine)"
if [[ -z "$ENGINE" && "${CONTAINER_INSTALL:-1}" == 1 && $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  log "no container engine: installing podman (apt)"
  export DEBIAN_FRONTEND=noninteractive
  # Where apt exists and we are root, an engine CAN be installed: a failure here fails the test
  # (a silent skip would hide a broken image), with apt's own messages.
  if ! { apt-get update -qq && apt-get install -y -qq podman buildah runc debootstrap; } >"/tmp/container-test-apt.log" 2>&1; then
    tail -n 20 /tmp/container-test-apt.log >&2
    die "installing podman with apt failed (log: /tmp/container-test-apt.log)"
  fi
  ENGINE=podman
fi
if [[ -z "$ENGINE" ]]; then
  echo "SKIP container-test: no container engine (docker or podman) and none can be installed here"
  exit 0
fi
if [[ "$ENGINE" == podman ]]; then
  export CONTAINERS_CONF="${CONTAINERS_CONF:-$HERE/containers.conf}"
  export BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"
  if ! command -v debootstrap >/dev/null 2>&1 && [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -qq debootstrap >/tmp/container-test-apt.log 2>&1 \
      || { tail -n 20 /tmp/container-test-apt.log >&2; die "installing debootstrap failed"; }
  fi
fi
engine_version="$($ENGINE --version 2>&1)" || die "$ENGINE does not run: $engine_version"
log "engine: $ENGINE ($engine_version)"
[[ -x "$VENV_PY" ]] || "$ROOT/scripts/bootstrap.sh" backend

# --- 2. hadolint ---------------------------------------------------------------------------
log "hadolint backend/Dockerfile"
(cd "$ROOT/backend" && .venv/bin/hadolint Dockerfile) || die "hadolint found problems"

# --- 3. base image -------------------------------------------------------------------------
if ! $ENGINE image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  if timeout 60 "$ENGINE" pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
    log "pulled $BASE_IMAGE"
  elif [[ "$ENGINE" == podman ]]; then
    log "Docker Hub unreachable: building the local stand-in for $BASE_IMAGE (test only)"
    BASE_IMAGE="$BASE_IMAGE" "$HERE/build-base-standin.sh"
  else
    die "$BASE_IMAGE is neither present nor pullable"
  fi
fi

# --- 4. build ------------------------------------------------------------------------------
build_args=(-t "$IMAGE" --build-arg "BASE_IMAGE=$BASE_IMAGE")
if [[ "$ENGINE" == podman ]]; then
  # The base is local (pulled or the stand-in); never let the build try a registry.
  build_args+=(--pull=never)
  # docker format keeps HEALTHCHECK (OCI images have no such field).
  build_args+=(--format docker)
  # The builder downloads from PyPI with the host's CA bundle (sandboxes with a TLS-inspecting
  # egress proxy need it); a build-time mount, never part of a layer.
  if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
    build_args+=(--volume /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro)
  fi
fi
log "building $IMAGE"
t0=$(date +%s.%N)
$ENGINE build "${build_args[@]}" "$ROOT/backend" >"$BUILD_LOG" 2>&1 \
  || { tail -n 40 "$BUILD_LOG" >&2; die "image build failed (full log: $BUILD_LOG)"; }
BUILD_SECONDS=$(elapsed "$t0")
size_of() { $ENGINE image inspect --format '{{.Size}}' "$1"; }
IMAGE_BYTES=$(size_of "$IMAGE"); BASE_BYTES=$(size_of "$BASE_IMAGE")
mb() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1e6:.1f} MB')" "$1"; }
log "built in ${BUILD_SECONDS}s: $(mb "$IMAGE_BYTES") total, $(mb $((IMAGE_BYTES - BASE_BYTES))) on top of the base"

# --- runtime checks of the image's contents -------------------------------------------------
log "checking the image's contents"
# shellcheck disable=SC2016  # the script runs in the container, where $HOME etc. expand
$ENGINE run --rm --network=none --entrypoint /bin/sh "$IMAGE" 2>"$BUILD_LOG.err" -c '
  set -e
  test "$(id -u)" = 1000 && test -w "$HOME" && test -w /home/user/app/data
  for p in /home/user/app/tests /home/user/app/.env /home/user/app/.venv /opt/venv/bin/uv /src; do
    if test -e "$p"; then echo "unexpected in the image: $p"; exit 1; fi
  done
  if command -v gcc cc uv >/dev/null 2>&1; then echo "build tool in the image"; exit 1; fi
  if find / -xdev \( -name ".env" -o -name "*.env" -o -name "test_*.py" -path "*/app/*" \) -print -quit 2>/dev/null | grep -q .; then
    echo "an .env file or a test module is in the image"; exit 1
  fi
  todo-api --help >/dev/null
' || { cat "$BUILD_LOG.err" >&2; die "the image's contents are wrong"; }

# --- 5. bad configuration ------------------------------------------------------------------
log "bad production configuration must exit non-zero with every problem listed"
set +e
bad_output=$($ENGINE run --rm --network=none -e ENVIRONMENT=production -e JWT_SECRET_KEY=changeme \
  -e CORS_ORIGINS='*' -e FRONTEND_URL=http://insecure.example "$IMAGE" 2>&1)
bad_rc=$?
set -e
[[ $bad_rc -ne 0 ]] || die "a bad configuration started anyway: $bad_output"
for needle in JWT_SECRET_KEY CORS_ORIGINS FRONTEND_URL EMAIL_BACKEND; do
  grep -q "$needle" <<<"$bad_output" || die "the refusal does not mention $needle: $bad_output"
done
log "refused with exit code $bad_rc, naming JWT_SECRET_KEY, CORS_ORIGINS, FRONTEND_URL, EMAIL_BACKEND"

# --- 6. run like production ----------------------------------------------------------------
WORK="$(mktemp -d /tmp/container-test.XXXXXX)"
CONTAINER="todo-api-test-$$"
SINK_PID=""
PG_URL=""
cleanup() {
  $ENGINE rm -f "$CONTAINER" "$CONTAINER-a" "$CONTAINER-b" >/dev/null 2>&1 || true
  [[ -n "$PG_URL" ]] && "$VENV_PY" "$HERE/smoke.py" pg-drop --url "$PG_URL" >/dev/null 2>&1 || true
  [[ -n "$SINK_PID" ]] && kill "$SINK_PID" 2>/dev/null || true
  [[ "${KEEP_WORK:-0}" == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
APP_PORT=$(free_port); SMTP_PORT=$(free_port)

# A throwaway CA and a certificate for 127.0.0.1, so the container verifies the sink's TLS
# exactly as it would a real provider's (SMTP_VALIDATE_CERTS stays true).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "/CN=container-test CA" \
  -keyout "$WORK/ca.key" -out "$WORK/ca.pem" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" -keyout "$WORK/smtp.key" \
  -out "$WORK/smtp.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$WORK/ext"
openssl x509 -req -in "$WORK/smtp.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
  -days 1 -extfile "$WORK/ext" -out "$WORK/smtp.pem" 2>/dev/null
chmod 644 "$WORK/ca.pem"

"$VENV_PY" "$HERE/smoke.py" sink --port "$SMTP_PORT" --cert "$WORK/smtp.pem" --key "$WORK/smtp.key" \
  --maildir "$WORK/mail" >"$WORK/sink.log" 2>&1 &
SINK_PID=$!
for _ in $(seq 1 50); do grep -q listening "$WORK/sink.log" 2>/dev/null && break; sleep 0.1; done
grep -q listening "$WORK/sink.log" || { cat "$WORK/sink.log" >&2; die "SMTP sink did not start"; }

# Read-only root filesystem: proves the server writes nothing but its data directory and /tmp
# (needs root here, to hand the bind-mounted data directory to UID 1000).
ro_args=()
ro_note=""
if [[ $EUID -eq 0 ]]; then
  install -d -o 1000 -g 1000 -m 700 "$WORK/data"
  ro_args=(--read-only --tmpfs /tmp -v "$WORK/data:/home/user/app/data")
  ro_note=", read-only root filesystem"
fi
# Host networking so the container reaches the sink on 127.0.0.1 and the API stays on loopback.
log "starting the container (production settings, SQLite under /home/user/app/data, 2 workers$ro_note)"
t0=$(date +%s.%N)
$ENGINE run -d --name "$CONTAINER" --network=host "${ro_args[@]}" \
  -v "$WORK/ca.pem:/run/test-ca.pem:ro" \
  -e HOST=127.0.0.1 -e PORT="$APP_PORT" -e WORKERS=2 \
  -e ENVIRONMENT=production \
  -e JWT_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')" \
  -e FRONTEND_URL=https://todo.example.com \
  -e EMAIL_BACKEND=smtp -e SMTP_HOST=127.0.0.1 -e SMTP_PORT="$SMTP_PORT" -e SMTP_SECURITY=starttls \
  -e SMTP_FROM_EMAIL=no-reply@todo.example.com -e SMTP_CA_FILE=/run/test-ca.pem \
  -e EMAIL_DISPATCH_INTERVAL_SECONDS=0.2 \
  "$IMAGE" >/dev/null 2>"$WORK/run.err" || { cat "$WORK/run.err" >&2; die "podman run failed"; }

health_status() {
  if [[ "$ENGINE" == podman ]]; then
    # podman runs HEALTHCHECK from systemd timers, absent in CI sandboxes: run it on demand.
    if $ENGINE healthcheck run "$CONTAINER" >/dev/null 2>&1; then echo healthy; else echo starting; fi
  else
    $ENGINE inspect --format '{{.State.Health.Status}}' "$CONTAINER"
  fi
}
probe() {
  if command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
  else python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" 2>/dev/null; fi
}
# Cheap polling from the host first (each HEALTHCHECK run starts a Python process in the container,
# which would compete with the server's own start-up), then the image's HEALTHCHECK decides.
status=starting
deadline=$(( $(date +%s) + HEALTH_TIMEOUT ))
while [[ $(date +%s) -lt $deadline ]]; do
  running=$($ENGINE inspect --format '{{.State.Running}}' "$CONTAINER")
  [[ "$running" == true ]] || { $ENGINE logs "$CONTAINER" >&2; die "the container exited during start-up"; }
  if probe "http://127.0.0.1:$APP_PORT/health/live"; then
    status=$(health_status)
    [[ "$status" == healthy ]] && break
  fi
  sleep 0.2
done
[[ "$status" == healthy ]] || { $ENGINE logs "$CONTAINER" >&2; die "not healthy within ${HEALTH_TIMEOUT}s"; }
HEALTHY_SECONDS=$(elapsed "$t0")
log "healthy (HEALTHCHECK on /health/live) ${HEALTHY_SECONDS}s after start (load average: $(cut -d' ' -f1-3 /proc/loadavg))"

uid=$($ENGINE exec "$CONTAINER" id -u)
pid1=$($ENGINE exec "$CONTAINER" sh -c 'tr "\0" " " </proc/1/cmdline')
[[ "$uid" == 1000 ]] || die "the server runs as UID $uid, not 1000"
[[ "$pid1" == *todo-api* ]] || die "PID 1 is not the server (exec missing?): $pid1"
log "runs as UID $uid; PID 1 is: $pid1"

# --- 7. smoke scenario ---------------------------------------------------------------------
log "smoke scenario against http://127.0.0.1:$APP_PORT"
"$VENV_PY" "$HERE/smoke.py" scenario --base-url "http://127.0.0.1:$APP_PORT" --maildir "$WORK/mail" \
  || { $ENGINE logs --tail 60 "$CONTAINER" >&2; cat "$WORK/sink.log" >&2; die "smoke scenario failed"; }

# --- 8. SIGTERM ----------------------------------------------------------------------------
log "SIGTERM"
t0=$(date +%s.%N)
$ENGINE kill --signal TERM "$CONTAINER" >/dev/null
exit_code=$(timeout 40 "$ENGINE" wait "$CONTAINER" | tail -n1) || die "no exit within 40s of SIGTERM"
STOP_SECONDS=$(elapsed "$t0")
[[ "$exit_code" == 0 ]] || { $ENGINE logs --tail 40 "$CONTAINER" >&2; die "exit code $exit_code after SIGTERM"; }
log "clean exit (code 0) ${STOP_SECONDS}s after SIGTERM"

# --- 9. PostgreSQL: two replicas start at once, migrate once, share the data ------------------
PG_NOTE="skipped (CONTAINER_TEST_DATABASE_URL not set)"
if [[ -z "${CONTAINER_TEST_DATABASE_URL:-}" ]]; then
  log "SKIP PostgreSQL phase: set CONTAINER_TEST_DATABASE_URL to a server where a throwaway database may be created (.ci/run does)"
else
  PG_URL=$("$VENV_PY" "$HERE/smoke.py" pg-create --url "$CONTAINER_TEST_DATABASE_URL")
  log "PostgreSQL: two replicas starting together on a fresh database"
  replica_env=(-e ENVIRONMENT=production -e HOST=127.0.0.1 -e WORKERS=1 -e DATABASE_URL="$PG_URL"
    -e JWT_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
    -e FRONTEND_URL=https://todo.example.com -e EMAIL_BACKEND=smtp -e SMTP_HOST=127.0.0.1
    -e SMTP_PORT="$SMTP_PORT" -e SMTP_FROM_EMAIL=no-reply@todo.example.com
    -e SMTP_CA_FILE=/run/test-ca.pem -v "$WORK/ca.pem:/run/test-ca.pem:ro")
  PORT_A=$(free_port); PORT_B=$(free_port)
  t0=$(date +%s.%N)
  $ENGINE run -d --name "$CONTAINER-a" --network=host "${replica_env[@]}" -e PORT="$PORT_A" "$IMAGE" >/dev/null 2>>"$WORK/run.err"
  $ENGINE run -d --name "$CONTAINER-b" --network=host "${replica_env[@]}" -e PORT="$PORT_B" "$IMAGE" >/dev/null 2>>"$WORK/run.err"
  for port in "$PORT_A" "$PORT_B"; do
    until probe "http://127.0.0.1:$port/health"; do
      for c in "$CONTAINER-a" "$CONTAINER-b"; do
        [[ "$($ENGINE inspect --format '{{.State.Running}}' "$c")" == true ]] \
          || { $ENGINE logs "$c" >&2; die "replica $c exited during start-up"; }
      done
      [[ $(elapsed "$t0" | cut -d. -f1) -lt $HEALTH_TIMEOUT ]] || die "replicas not healthy within ${HEALTH_TIMEOUT}s"
      sleep 0.3
    done
  done
  log "both replicas healthy $(elapsed "$t0")s after start"
  head_a=$($ENGINE exec "$CONTAINER-a" alembic heads 2>/dev/null | awk '{print $1}')
  current=$($ENGINE exec "$CONTAINER-b" alembic current 2>/dev/null | awk '{print $1}')
  [[ -n "$head_a" && "$current" == "$head_a" ]] || die "database at '$current', image head is '$head_a'"
  log "schema at the image's head ($current) after both replicas ran their start-up migration (advisory-locked)"
  "$VENV_PY" "$HERE/smoke.py" shared-db --base-url "http://127.0.0.1:$PORT_A" --base-url "http://127.0.0.1:$PORT_B" \
    || { $ENGINE logs --tail 40 "$CONTAINER-a" >&2; die "replicas do not share the database"; }
  $ENGINE kill --signal TERM "$CONTAINER-a" "$CONTAINER-b" >/dev/null
  for c in "$CONTAINER-a" "$CONTAINER-b"; do
    code=$(timeout 40 "$ENGINE" wait "$c" | tail -n1) || die "$c: no exit within 40s of SIGTERM"
    [[ "$code" == 0 ]] || { $ENGINE logs --tail 40 "$c" >&2; die "$c: exit code $code after SIGTERM"; }
  done
  log "both replicas exited cleanly (code 0) on SIGTERM"
  PG_NOTE="passed (2 replicas, one fresh database)"
fi

cat <<EOF

container-test passed ($ENGINE, base $BASE_IMAGE)
  image size:        $(mb "$IMAGE_BYTES") ($(mb $((IMAGE_BYTES - BASE_BYTES))) on top of the base, $(mb "$BASE_BYTES"))
  build time:        ${BUILD_SECONDS}s
  time to healthy:   ${HEALTHY_SECONDS}s
  stop on SIGTERM:   ${STOP_SECONDS}s
  PostgreSQL phase:  $PG_NOTE
  whole test:        $(elapsed "$t_script")s
  load average:      $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs
EOF
