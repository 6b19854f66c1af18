"""Two nodes on one PostgreSQL database behind nginx, as a region would run Polku.

Real parts only: two `python -m app serve` processes (each with its own index folder and
its own index keeper), Debian's nginx in front setting X-Forwarded-For and
X-Forwarded-Proto, and PostgreSQL. Skipped without TEST_DATABASE_URL.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from sqlmodel import Session, select

from app.accounts import create_user
from app.config import Settings
from app.db import make_engine
from app.models import Provider
from app.site_setup import initialise_site
from app.web.security import SIGN_IN_COOKIE
from tests.fixtures.databases import POSTGRES_URL, empty_database_url
from tests.fixtures.web import free_port
from tests.test_admin import edit_fields

pytestmark = pytest.mark.postgresql

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SECRET = "two-nodes-test-secret-" + "x" * 32
PASSWORD = "a long enough test password"
NGINX_CONF = """
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  upstream polku {{ server 127.0.0.1:{port_a}; server 127.0.0.1:{port_b}; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://polku;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
    }}
  }}
}}
"""


@dataclass(frozen=True)
class Site:
    proxy: str
    node_a: str
    node_b: str
    database_url: str


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{url} exited with {process.returncode}"
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not become healthy")


def _serve(var_dir: Path, database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "BASE_URL": "https://polku.example",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "INDEX_POLL_S": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=(var_dir / "serve.log").open("wb"),
    )  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    root = tmp_path_factory.mktemp("two-nodes")
    database_url = empty_database_url("postgresql", root, schema="two_nodes")
    node_a_dir, node_b_dir = root / "a", root / "b"
    initialise_site(Settings(var_dir=node_a_dir, database_url=database_url))
    shutil.copytree(node_a_dir / "index", node_b_dir / "index")  # a node set up earlier
    engine = make_engine(database_url)
    with Session(engine) as session:
        create_user(session=session, username="coordinator", password=PASSWORD,
                    role="admin", regions=[])  # fmt: skip
    engine.dispose()
    port_a, port_b, port = free_port(), free_port(), free_port()
    nodes = [_serve(node_a_dir, database_url, port_a), _serve(node_b_dir, database_url, port_b)]
    (root / "nginx").mkdir()
    conf = root / "nginx" / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=root / "nginx", port=port, port_a=port_a,
                                      port_b=port_b))  # fmt: skip
    nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(root / "nginx")])
    try:
        for url, process in ((f"http://127.0.0.1:{port_a}", nodes[0]),
                             (f"http://127.0.0.1:{port_b}", nodes[1]),
                             (f"http://127.0.0.1:{port}", nginx)):  # fmt: skip
            _wait_until_healthy(url, process)
        yield Site(
            f"http://127.0.0.1:{port}",
            f"http://127.0.0.1:{port_a}",
            f"http://127.0.0.1:{port_b}",
            database_url,
        )
    finally:
        for process in (nginx, *nodes):
            process.terminate()
        for process in (nginx, *nodes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _form_token(client: httpx.Client, url: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', client.get(url).text)
    assert found, f"no {name} on {url}"
    return found[1]


def _sign_in(client: httpx.Client, username: str, password: str) -> httpx.Response:
    """Sign in with the form's token and its pre-session cookie (CS-04). Through the proxy
    that cookie is Secure (nginx says https), so it is sent by hand over the test's http."""
    form = client.get("/admin/login")
    token = re.search(r'name="form_token" value="([^"]+)"', form.text)
    assert token, "the sign-in form has a form token"
    pre_session = form.headers["set-cookie"].split(";", 1)[0]
    assert pre_session.startswith(f"{SIGN_IN_COOKIE}=")
    fields = {"username": username, "password": password, "form_token": token[1]}
    return client.post("/admin/login", data=fields, headers={"Cookie": pre_session})


def _post(client: httpx.Client, url: str, fields: list[tuple[str, str]]) -> httpx.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return client.post(url, content=urlencode(fields), headers=headers)


def test_a_provider_closed_on_node_a_leaves_node_b_search_within_10_seconds(site: Site) -> None:
    engine = make_engine(site.database_url)
    with Session(engine) as session:
        provider = session.exec(
            select(Provider).where(Provider.status == "current").order_by(Provider.id)  # type: ignore[arg-type]
        ).first()
        assert provider is not None and provider.id is not None
        provider_id = provider.id
    engine.dispose()
    search = {"status": "current", "per_page": "100"}
    active_on_b = httpx.get(f"{site.node_b}/api/v1/providers", params=search).json()
    assert provider_id in [item["id"] for item in active_on_b["items"]]
    with httpx.Client(base_url=site.node_a, follow_redirects=False) as node_a:
        assert _sign_in(node_a, "coordinator", PASSWORD).status_code == 303
        page = f"/admin/palveluntuottajat/{provider_id}"
        csrf = _form_token(node_a, page, "csrf")
        closed = _post(node_a, f"{page}/tila", [("csrf", csrf), ("status", "closed")])
        assert closed.status_code == 303
    started = time.monotonic()
    while True:
        found = httpx.get(f"{site.node_b}/api/v1/providers", params=search).json()
        if provider_id not in [item["id"] for item in found["items"]]:
            break
        assert time.monotonic() - started < 10, "node B still lists the closed provider"
        time.sleep(0.1)
    detail = httpx.get(f"{site.node_b}/api/v1/providers/{provider_id}").json()
    assert detail["status"] == "closed"


def test_a_name_edited_on_node_a_is_found_by_node_b_search_within_10_seconds(
    site: Site,
) -> None:
    word = "Kuusiokumpare"  # in no provider's text (a test's own word, never on a page)
    search = {"q": word.lower(), "per_page": "10"}
    assert httpx.get(f"{site.node_b}/api/v1/providers", params=search).json()["total"] == 0
    engine = make_engine(site.database_url)
    with Session(engine) as session:
        provider = session.exec(
            select(Provider).where(Provider.status != "closed").order_by(Provider.id.desc())  # type: ignore[union-attr]
        ).first()
        assert provider is not None and provider.id is not None
        provider_id, name = provider.id, provider.name
    engine.dispose()
    with httpx.Client(base_url=site.node_a, follow_redirects=False) as node_a:
        assert _sign_in(node_a, "coordinator", PASSWORD).status_code == 303
        page = f"/admin/palveluntuottajat/{provider_id}"
        saved = _post(node_a, page, edit_fields(node_a, page, name=f"{name} {word}"))
        assert saved.status_code == 303, saved.text[:500]
    started = time.monotonic()
    while True:
        found = httpx.get(f"{site.node_b}/api/v1/providers", params=search).json()
        if found["total"]:
            break
        assert time.monotonic() - started < 10, "node B's search does not find the new name"
        time.sleep(0.1)
    assert [item["id"] for item in found["items"]] == [provider_id]


def test_throttles_see_the_real_clients_behind_nginx(site: Site) -> None:
    noisy, quiet = "198.51.100.40", "198.51.100.41"
    with httpx.Client(base_url=site.proxy, headers={"X-Forwarded-For": noisy}) as client:
        for attempt in range(20):
            assert _sign_in(client, f"nobody{attempt}", "wrong password").status_code == 401
        assert _sign_in(client, "nobody-more", "wrong password").status_code == 429
    with httpx.Client(base_url=site.proxy, headers={"X-Forwarded-For": quiet}) as client:
        assert _sign_in(client, "someone", "wrong password").status_code == 401


def test_the_session_cookie_is_secure_over_the_proxys_https(site: Site) -> None:
    with httpx.Client(base_url=site.proxy, follow_redirects=False) as client:
        response = _sign_in(client, "coordinator", PASSWORD)
        assert response.status_code == 303
        cookie = response.headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie
        assert "max-age=" in client.get("/").headers["strict-transport-security"]
