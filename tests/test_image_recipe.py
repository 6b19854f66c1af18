"""The production image's runtime contract, checked without Docker.

CI and the developers' machines have no Docker daemon (and no registry for base images), so
the image is never built. These tests read the Dockerfile itself (`tests/dockerfile.py`) and
do on this machine what its last stage says, with the image's paths (`/opt/venv`,
`/srv/polku`) placed under a temporary folder:

- the venv from the runtime lock with `--require-hashes`, then the wheel with `--no-deps`
  (the pip commands of its RUN lines, with the COPY destinations replaced by their sources);
  the venv and the working directory belong to root, and only VAR_DIR (the VOLUME) belongs to
  the image's user, as its `chown` says;
- the one-off `python -m app migrate` the Dockerfile's comment documents, and then its CMD
  verbatim (`sh -c "exec python -m app serve …"`, the port swapped for a free one), both as
  the image's USER (uid 10001, without a home) with the image's ENV plus what
  docs/deployment.md says a deployment sets (SECRET_KEY, DATABASE_URL, BASE_URL,
  TRUSTED_HOSTS, FORWARDED_ALLOW_IPS);
- the HEALTHCHECK's command verbatim: exit 0 while the server runs, non-zero once stopped;
- Finnish and Swedish pages and a search through the API, the production behaviour (HSTS
  behind the proxy, Host check, no public /metrics, JSON logs, no generated secret) and
  that the server wrote nothing outside VAR_DIR (/tmp, /var/tmp, /dev/shm, home).

It needs root (to run as the image's uid) and an interpreter of the base image's Python
version that uid may run; otherwise it is skipped with the reason. Installing the runtime
lock needs PyPI, as the image build does. It is marked `image`.

Not checked here, because only a Docker build or run can (docs/deployment.md, "What CI
checks of the image"):
- the base image `python:3.11-slim-bookworm` itself: this machine's Python of the same minor
  version stands in for it, with this machine's libraries;
- the Debian packages of the `apt-get install` (libvoikko1, voikko-fi): the app uses
  whatever Voikko this machine has (it serves without Voikko too, with a warning);
- the build stage as Docker runs it: the COPY of the build context through .dockerignore,
  and `pip wheel` there (the wheel is built here the same way, from the files it needs);
- `useradd` itself and the user's /etc/passwd entry (the uid runs here without one);
- the VOLUME as Docker mounts it (a named volume takes the folder's owner from the image; a
  bind-mounted host folder keeps its own), EXPOSE and port publishing;
- signals to PID 1 and `docker stop`'s grace period (SIGTERM is sent here to the process
  the CMD became), and the HEALTHCHECK's interval, retries and start period as Docker
  applies them (its command is run here once while healthy and once after the stop).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.dockerfile import HealthCheck, Stage, exec_form, health_check, read_stages, seconds
from tests.fixtures.web import free_port
from tests.wheel_build import ROOT, build_wheel, without_checkout

pytestmark = pytest.mark.image

DOCKERFILE = ROOT / "Dockerfile"
# What a container starts with besides the image's ENV: Docker's default PATH, the python
# images' LANG, and the user's home (which the image does not create).
CONTAINER_BASE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
}
PUBLIC_HOST = "polku.example"
PROXY_HEADERS = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https",
                 "X-Forwarded-For": "198.51.100.7"}  # fmt: skip
# Where any user may write on a Debian system besides its own folders: the server must leave
# nothing of its own there (in a container these are the image's, or a tmpfs).
SHARED_WRITABLE = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))  # noqa: S108 – read
# RUN commands the test knows how to do or knows it cannot (the docstring lists those):
# any other makes the test fail, so a change to the recipe gets checked or listed here.
KNOWN_RUN_COMMANDS = {"apt-get", "rm", "useradd", "python", "pip", "mkdir", "chown"}


def _runtime_stage() -> Stage:
    return read_stages(DOCKERFILE)[-1]


@dataclass(frozen=True)
class ImageUser:
    name: str
    uid: int
    gid: int
    creates_home: bool

    def runs(self, command: list[str]) -> list[str]:
        """The command as this user: its uid and gid, no supplementary groups."""
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
                "--", *command]  # fmt: skip


def _image_user(stage: Stage) -> ImageUser:
    name = stage.last("USER").arguments.strip()
    for command in stage.run_commands():
        if command[0] == "useradd" and command[-1] == name:
            flag = "--uid" if "--uid" in command else "-u"
            uid = int(command[command.index(flag) + 1])
            creates_home = "--create-home" in command or "-m" in command
            # useradd gives the user a group of its own name, with the same id when free
            return ImageUser(name, uid, uid, creates_home)
    raise AssertionError(f"USER {name} is not made by a useradd in the Dockerfile")


def _var_dir(stage: Stage) -> str:
    return stage.env()["VAR_DIR"]


def _chowned(stage: Stage, user: ImageUser) -> list[str]:
    targets: list[str] = []
    for command in stage.run_commands():
        if command[0] == "chown":
            owner, *paths = [word for word in command[1:] if not word.startswith("-")]
            assert owner.split(":")[0] == user.name, f"chown to someone else: {command}"
            targets += paths
    return targets


def test_the_image_user_may_write_only_the_var_volume() -> None:
    stage = _runtime_stage()
    user = _image_user(stage)
    assert user.uid >= 1000, "the image runs as a system or root uid"
    assert not user.creates_home, "a home folder is a place outside VAR_DIR the user could write"
    var_dir = _var_dir(stage)
    assert _chowned(stage, user) == [var_dir]
    volumes = exec_form(stage.last("VOLUME").arguments)
    assert volumes == [var_dir], "the data folder is not the volume"
    assert stage.env()["ENVIRONMENT"] == "production"
    workdir = stage.last("WORKDIR").arguments.strip()
    assert not Path(workdir).is_relative_to(var_dir), "the working directory is writable"


def test_the_health_check_asks_the_exposed_port_on_loopback_within_its_timeout() -> None:
    stage = _runtime_stage()
    check = health_check(stage)
    (exposed,) = stage.last("EXPOSE").arguments.split()
    script = check.command[-1]
    assert f"http://127.0.0.1:{exposed}/healthz" in script
    # the request gives up before Docker does, so a hung server counts as unhealthy, not
    # as a check that timed out without an answer
    client_timeout = re.search(r"timeout=(\d+(?:\.\d+)?)\)", script)
    assert client_timeout, "the health check's request has no timeout"
    assert float(client_timeout[1]) < seconds(check.options["timeout"])
    cmd = exec_form(stage.last("CMD").arguments)
    assert f"--port {exposed}" in cmd[-1] and "--host 0.0.0.0" in cmd[-1]


def test_the_runtime_stage_installs_the_wheel_the_build_stage_builds_and_the_lock() -> None:
    build, runtime = read_stages(DOCKERFILE)
    (wheel_build,) = [c for c in build.run_commands() if c[:2] == ["pip", "wheel"]]
    assert "--no-deps" in wheel_build
    built = wheel_build[wheel_build.index("--wheel-dir") + 1].rstrip("/")
    copies = {destination.rstrip("/"): (sources, stage) for sources, destination, stage
              in runtime.copies()}  # fmt: skip
    installs = [c for c in runtime.run_commands() if Path(c[0]).name == "pip" and c[1] == "install"]
    lock_install, wheel_install = installs
    lock_copy = lock_install[lock_install.index("-r") + 1]
    assert "--require-hashes" in lock_install
    assert copies[lock_copy] == (["requirements/runtime.txt"], None)
    assert "--no-deps" in wheel_install
    (wheel_file,) = [word for word in wheel_install if word.endswith(".whl")]
    wheel_folder = str(Path(wheel_file).parent)
    assert copies[wheel_folder] == ([built + "/"], build.name)


# --- Doing what the Dockerfile says ------------------------------------------------------


@dataclass
class Container:
    """The image's recipe carried out under `root`, and how to run things as in it."""

    stage: Stage
    root: Path
    user: ImageUser
    python: Path  # the interpreter standing in for the base image's
    made: tuple[str, ...]  # folders of the image that live under root here
    env: dict[str, str]
    workdir: Path
    var_dir: Path
    install_seconds: float

    def host(self, image_path: str) -> Path:
        return self.root / image_path.lstrip("/")


def _python_for(version: str, user: ImageUser) -> Path:
    """An interpreter of the base image's Python version that the image's user may run
    (a pyenv Python under root's home is not one)."""
    candidates = [shutil.which(f"python{version}"), f"/usr/local/bin/python{version}",
                  f"/usr/bin/python{version}", getattr(sys, "_base_executable", None)]  # fmt: skip
    probe = "import sys, ensurepip, sqlite3; print('%d.%d' % sys.version_info[:2])"
    for candidate in candidates:
        if not candidate or not Path(candidate).is_file():
            continue
        result = subprocess.run(user.runs([candidate, "-c", probe]), capture_output=True,
                                text=True, check=False, timeout=60)  # fmt: skip
        if result.returncode == 0 and result.stdout.strip() == version:
            return Path(candidate)
    pytest.skip(f"no python{version} (the base image's version) with venv and sqlite3 that "
                f"uid {user.uid} may run: tried {[c for c in candidates if c]}")  # fmt: skip


def _translated(value: str, container_root: Path, made: tuple[str, ...]) -> str:
    """An ENV value with $PATH expanded and the image's own folders moved under root."""
    value = value.replace("${PATH}", "$PATH").replace("$PATH", CONTAINER_BASE_ENV["PATH"])
    parts = []
    for part in value.split(":"):
        if any(part == folder or part.startswith(folder + "/") for folder in made):
            part = str(container_root / part.lstrip("/"))
        parts.append(part)
    return ":".join(parts)


def _run(args: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, check=False,
                            timeout=600, **options)  # type: ignore[call-overload]  # fmt: skip
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result  # type: ignore[no-any-return]


def _carry_out(stage: Stage, container: Container, wheel: Path) -> None:
    """The runtime stage's RUN commands, on this machine: venv, pip installs, mkdir, chown."""
    copied = {destination.rstrip("/"): (sources, from_stage)
              for sources, destination, from_stage in stage.copies()}  # fmt: skip

    def source_of(argument: str) -> list[str]:
        for destination, (sources, from_stage) in copied.items():
            if argument == destination or argument.startswith(destination + "/"):
                if from_stage is None:  # from the build context: this checkout
                    (source,) = sources
                    return [str(ROOT / source)]
                # from the wheel stage: what it built
                assert argument.endswith(".whl"), f"unknown file from {from_stage}: {argument}"
                return [str(wheel)]
        return [str(container.host(argument)) if argument.startswith(container.made) else argument]

    for command in stage.run_commands():
        program = Path(command[0]).name
        assert program in KNOWN_RUN_COMMANDS, f"a RUN command this test does not know: {command}"
        if program == "python" and command[1:3] == ["-m", "venv"]:
            _run([str(container.python), "-m", "venv", str(container.host(command[3]))])
        elif program == "pip":
            args = [word for argument in command[1:] for word in source_of(argument)]
            _run([str(container.host(command[0])), *args], env=without_checkout())
        elif program == "mkdir":
            for folder in (word for word in command[1:] if not word.startswith("-")):
                container.host(folder).mkdir(parents=True, exist_ok=True)
        elif program == "chown":
            for folder in _chowned(stage, container.user):
                os.chown(container.host(folder), container.user.uid, container.user.gid)


@pytest.fixture(scope="module")
def container() -> Iterator[Container]:
    if os.geteuid() != 0:
        pytest.skip("runs the image's recipe as its uid 10001: needs root (CI runs as root)")
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv (util-linux) to run as the image's user")
    stage = _runtime_stage()
    user = _image_user(stage)
    version = re.match(r"python:(\d+\.\d+)", stage.base_image)
    assert version, f"the base image is not an official python image: {stage.base_image}"
    python = _python_for(version[1], user)

    root = Path(tempfile.mkdtemp(prefix="polku-image-"))
    root.chmod(0o755)  # like / in the image: the user may look, not write
    try:
        workdir_image = stage.last("WORKDIR").arguments.strip()
        commands = stage.run_commands()
        venvs = [c[3] for c in commands if c[0] == "python" and c[1:3] == ["-m", "venv"]]
        assert len(venvs) == 1, "the image makes one venv"
        made = (venvs[0], workdir_image, _var_dir(stage))
        env = {**CONTAINER_BASE_ENV, "HOME": str(root / "home" / user.name)}  # not made
        env.update({key: _translated(value, root, made) for key, value in stage.env().items()})
        container = Container(
            stage, root, user, python, made, env,
            workdir=root / workdir_image.lstrip("/"),
            var_dir=Path(env["VAR_DIR"]),
            install_seconds=0.0,
        )  # fmt: skip
        wheel = build_wheel(root / "build")
        started = time.monotonic()
        _carry_out(stage, container, wheel)
        container.install_seconds = time.monotonic() - started
        container.workdir.mkdir(parents=True, exist_ok=True)  # WORKDIR makes it, as root
        shutil.rmtree(root / "build")
        # What a deployment sets (docs/deployment.md, "Settings every node needs"); the
        # database is SQLite in the volume, the proxy is this machine.
        container.env.update({
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": f"sqlite:///{container.var_dir / 'polku.sqlite3'}",
            "BASE_URL": f"https://{PUBLIC_HOST}",
            "TRUSTED_HOSTS": PUBLIC_HOST,
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
        })  # fmt: skip
        yield container
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _as_user(container: Container, command: list[str], env: dict[str, str] | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run(
        container.user.runs(command), cwd=container.workdir,
        env=env if env is not None else container.env,
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def _owned_by(uid: int, folders: tuple[Path, ...], inside: Path) -> list[Path]:
    """What the uid owns in these folders (their top level) or anywhere under `inside`."""
    found = [path for folder in folders if folder.is_dir() for path in folder.iterdir()
             if path.lstat().st_uid == uid]  # fmt: skip
    return found + [path for path in inside.rglob("*") if path.lstat().st_uid == uid]


def _writable_by(uid: int, gid: int, folder: Path) -> list[Path]:
    found = []
    for path in [folder, *folder.rglob("*")]:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            continue
        if (
            info.st_uid == uid
            or info.st_mode & stat.S_IWOTH
            or (info.st_gid == gid and info.st_mode & stat.S_IWGRP)
        ):
            found.append(path)
    return found


def _health_check(container: Container, check: HealthCheck, port: int) -> tuple[int, str]:
    """Docker's health check, verbatim but for the port: its exit code and error output."""
    (exposed,) = container.stage.last("EXPOSE").arguments.split()
    command = [word.replace(f":{exposed}/", f":{port}/") for word in check.command]
    assert command != check.command, "the health check does not ask the exposed port"
    try:
        result = _as_user(container, command, timeout=seconds(check.options["timeout"]))
    except subprocess.TimeoutExpired:
        return -1, "timed out"  # Docker counts a check that outlasts --timeout as failed
    return result.returncode, result.stderr


def test_the_image_recipe_serves_as_its_user_in_production(container: Container) -> None:
    """One test, not several: a module fixture of the whole recipe would otherwise be set up
    again in each pytest-xdist worker that gets one of them."""
    stage, user = container.stage, container.user
    # the code and the venv belong to root; the user owns the volume only
    assert not _writable_by(user.uid, user.gid, container.host(container.made[0]))
    assert _writable_by(user.uid, user.gid, container.workdir) == [container.var_dir]

    # production refuses to start without its secret, before anything is written
    cmd = exec_form(stage.last("CMD").arguments)
    (exposed,) = stage.last("EXPOSE").arguments.split()
    port = free_port()
    command = [word.replace(f"--port {exposed}", f"--port {port}") for word in cmd]
    assert command != cmd, "the CMD does not serve on the exposed port"
    unkeyed = {k: v for k, v in container.env.items() if k != "SECRET_KEY"}
    refused = _as_user(container, command, env=unkeyed, timeout=60)
    assert refused.returncode == 2 and "SECRET_KEY" in refused.stderr, refused.stderr

    # the one-off job, then the CMD as Docker runs it
    job = _as_user(container, ["python", "-m", "app", "migrate"])
    assert job.returncode == 0, f"migrate failed:\n{job.stdout}\n{job.stderr}"
    check = health_check(stage)
    log_path = container.root / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            container.user.runs(command), cwd=container.workdir, env=container.env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        # Docker calls a container unhealthy after the start period and the retries
        patience = seconds(check.options["start-period"]) + seconds(
            check.options["interval"]
        ) * int(check.options["retries"])
        while True:
            assert server.poll() is None, log_path.read_text()
            try:
                # 503 until the workers have the index; any other answer ends the wait
                if httpx.get(f"{base}/healthz", timeout=2).status_code != 503:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() - started < patience, "the server never became healthy"
            time.sleep(0.2)

        healthy, error = _health_check(container, check, port)
        assert healthy == 0, f"the server answers, but the health check fails:\n{error}"

        home = httpx.get(f"{base}/", headers=PROXY_HEADERS, timeout=10)
        assert home.status_code == 200 and '<html lang="fi"' in home.text
        swedish = httpx.get(f"{base}/sv", headers=PROXY_HEADERS, timeout=10)
        assert swedish.status_code == 200 and '<html lang="sv"' in swedish.text
        found = httpx.get(f"{base}/api/v1/providers", params={"q": "työ"},
                          headers=PROXY_HEADERS, timeout=10)  # fmt: skip
        assert found.status_code == 200 and found.json()["total"] > 0, found.text

        # production: HTTPS behind the trusted proxy, only the public host, no public
        # metrics, no Server header
        assert "max-age=" in home.headers["strict-transport-security"]
        assert "default-src 'self'" in home.headers["content-security-policy"]
        assert "server" not in home.headers
        other_host = httpx.get(f"{base}/", headers={**PROXY_HEADERS, "Host": "evil.example"})
        assert other_host.status_code == 400
        assert httpx.get(f"{base}/metrics", headers=PROXY_HEADERS).status_code == 404

        # the CMD's default of two workers: their metrics folder is in VAR_DIR too
        assert list(container.var_dir.glob("metrics-*/serving.lock")), "not several workers"
        # nothing written outside VAR_DIR while serving (no home, nothing in /tmp, …)
        outside = _owned_by(user.uid, SHARED_WRITABLE, container.root)
        assert [p for p in outside if not p.is_relative_to(container.var_dir)] == []
        assert not (container.var_dir / "secret_key").exists(), "production made a key"
    finally:
        server.send_signal(signal.SIGTERM)  # docker stop
        try:
            returncode = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
            raise
    assert returncode == 0, log_path.read_text()
    assert _health_check(container, check, port)[0] != 0, "stopped, but the check passes"
    outside = _owned_by(user.uid, SHARED_WRITABLE, container.root)
    assert [p for p in outside if not p.is_relative_to(container.var_dir)] == []

    # production logs one JSON object per line
    lines = [line for line in log_path.read_text().splitlines() if line.strip()]
    assert lines, "the server logged nothing"
    not_json = []
    for line in lines:
        try:
            json.loads(line)
        except json.JSONDecodeError:
            not_json.append(line)
    assert not not_json, f"log lines that are not JSON: {not_json[:5]}"
    print(f"runtime lock and wheel installed in {container.install_seconds:.1f} s")
