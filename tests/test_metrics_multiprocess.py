"""With several workers, /metrics adds up every worker's counts (prometheus_client's
multiprocess mode), whichever worker answers the scrape, and forgets an earlier run's."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.web import free_port

ROOT = Path(__file__).resolve().parent.parent
STALE_COUNT = 1000  # what an earlier run left in the folder; must not be added


def _env(var_dir: Path, metrics_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "INDEX_DIR"}}
    return {**env, "VAR_DIR": str(var_dir), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}


def _leave_stale_counts(metrics_dir: Path, env: dict[str, str]) -> None:
    """A worker file of an earlier run, written the way a worker writes it."""
    script = (
        "from prometheus_client import Counter;"
        "c = Counter('http_requests', 'x', ['method', 'route', 'status'], registry=None);"
        f"c.labels('GET', '/healthz', '200').inc({STALE_COUNT})"
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
    assert list(metrics_dir.glob("counter_*.db")), "the stale worker file was not written"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("workers")
    metrics_dir = root / "metrics"
    metrics_dir.mkdir()
    env = _env(root / "var", metrics_dir)
    subprocess.run([sys.executable, "-m", "app", "init"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    _leave_stale_counts(metrics_dir, env)
    port = free_port()
    log = (root / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "2",
         "--no-index-keeper"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (root / "serve.log").read_text()
            try:
                httpx.get(f"{url}/static/css/polku.css", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        yield url, metrics_dir
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _healthz_count(metrics_text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics_text)
        for sample in family.samples
        if sample.name == "http_requests_total" and sample.labels.get("route") == "/healthz"
    )


def test_metrics_add_up_the_requests_of_both_workers(node: tuple[str, Path]) -> None:
    url, metrics_dir = node
    sent = 0
    # one connection per request, until both workers have answered some
    while len({path.stem.rsplit("_", 1)[1] for path in metrics_dir.glob("counter_*.db")}) < 2:
        assert httpx.get(f"{url}/healthz", timeout=10).status_code in (200, 503)
        sent += 1
        assert sent < 500, "the second worker never answered"
    for _ in range(20):
        assert httpx.get(f"{url}/healthz", timeout=10).status_code in (200, 503)
        sent += 1
    # every scrape, whichever worker answers it, sees all requests and none of the stale ones
    for _ in range(6):
        response = httpx.get(f"{url}/metrics", timeout=10)
        assert response.status_code == 200
        assert _healthz_count(response.text) == sent


def test_serve_gives_several_workers_a_fresh_metrics_folder_and_removes_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from app import __main__ as cli
    from app.config import Settings

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    seen: list[Path] = []

    def fake_run(*args: object, **kwargs: object) -> None:
        folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
        assert folder.is_dir() and not any(folder.glob("*.db"))
        assert folder.parent == tmp_path  # in VAR_DIR, not the system's temporary folder
        seen.append(folder)

    monkeypatch.setattr("uvicorn.run", fake_run)
    settings = Settings(var_dir=tmp_path)
    assert cli.command_serve(settings, "127.0.0.1", 8000, 2, False, keep_index=False) == 0
    assert len(seen) == 1
    assert not seen[0].exists()
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    # one worker: plain in-process metrics, no folder
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: seen.append(Path()))
    assert cli.command_serve(settings, "127.0.0.1", 8000, 1, False, keep_index=False) == 0
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ


def test_serve_makes_its_metrics_folder_in_var_dir_and_removes_abandoned_ones(
    tmp_path: Path,
) -> None:
    """Without PROMETHEUS_MULTIPROC_DIR, `serve` writes its workers' metrics in VAR_DIR (a
    container may write nowhere else); a folder left by a killed `serve` is removed, one of
    a `serve` still running is not."""
    import fcntl

    from app.__main__ import METRICS_DIR_LOCK, _own_metrics_dir

    abandoned = tmp_path / "metrics-abandoned"
    abandoned.mkdir()
    (abandoned / METRICS_DIR_LOCK).touch()
    (abandoned / "counter_1.db").write_bytes(b"stale")
    running = tmp_path / "metrics-running"
    running.mkdir()
    held = os.open(running / METRICS_DIR_LOCK, os.O_CREAT | os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)  # as the other serve holds it
    not_ours = tmp_path / "metrics-export"  # no lock file
    not_ours.mkdir()
    folder, lock = _own_metrics_dir(tmp_path)
    try:
        assert folder.parent == tmp_path and folder.name.startswith("metrics-")
        assert not abandoned.exists()
        assert running.exists() and not_ours.exists()
        second, second_lock = _own_metrics_dir(tmp_path)  # another serve meanwhile
        os.close(second_lock)
        assert folder.exists() and second != folder
    finally:
        os.close(lock)
        os.close(held)
