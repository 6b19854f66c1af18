"""Lighthouse scores (mobile, simulated throttling) of Polku's main pages.

Initialises a site in a temporary VAR_DIR, serves it on a free loopback port, runs the
npm `lighthouse` (package.json, exact version) with Debian's Chromium on each page and
prints a table of category scores and key metrics. The JSON reports are saved under
`var/lighthouse/<time>/` (not committed) or `--out`. Loopback only, bounded in time.

    npm ci   # once: installs lighthouse into node_modules/
    .venv/bin/python bench/lighthouse.py [--runs 3] [--page home] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {
    "FCP": "first-contentful-paint",
    "LCP": "largest-contentful-paint",
    "TBT": "total-blocking-time",
    "CLS": "cumulative-layout-shift",
    "SI": "speed-index",
}
PAGES = {
    "home": "/",
    "service": "/palvelut/kuntouttava-tyotoiminta",
    "pathway": "/polku",
    "question": "/polku/kysymys/age",
    "search": "/palveluntuottajat?q=kierr%C3%A4tys",
    "home-sv": "/sv",
    "home-selko": "/selko",
}
RUN_TIMEOUT_S = 180
START_TIMEOUT_S = 60
INIT_TIMEOUT_S = 600
WARM_UP_REQUESTS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped with code {server.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not answer within {START_TIMEOUT_S} s")
        time.sleep(0.3)


def run_lighthouse(url: str, report: Path, chrome: str) -> dict[str, Any]:
    command = [
        str(LIGHTHOUSE), url,
        "--only-categories=" + ",".join(CATEGORIES),
        "--chrome-flags=--headless=new --no-sandbox",
        "--output=json", f"--output-path={report}",
        "--quiet",
    ]  # fmt: skip
    subprocess.run(
        command, check=True, timeout=RUN_TIMEOUT_S, env={**os.environ, "CHROME_PATH": chrome},
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return result


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """Category scores (0–100), metrics (ms; CLS unitless) and the audits that cost points."""
    scores = {name: round(result["categories"][name]["score"] * 100) for name in CATEGORIES}
    audits = result["audits"]
    metrics = {short: audits[key]["numericValue"] for short, key in METRICS.items()}
    failing = []
    for name in CATEGORIES:
        for ref in result["categories"][name]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                failing.append(f"{name}: {ref['id']} ({audit['score']:.2f})")
    benchmark = result["environment"]["benchmarkIndex"]
    return {"scores": scores, "metrics": metrics, "failing": failing, "benchmark": benchmark}


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run whose performance score is the median (Lighthouse's advice for variance)."""
    ordered = sorted(runs, key=lambda run: run["scores"]["performance"])
    return ordered[(len(ordered) - 1) // 2]


def print_table(rows: dict[str, list[dict[str, Any]]]) -> None:
    header = f"{'page':<10} {'perf':>4} {'a11y':>4} {'bp':>4} {'seo':>4}"
    header += f" {'FCP ms':>7} {'LCP ms':>7} {'TBT ms':>7} {'CLS':>6} {'SI ms':>7} {'bench':>6}"
    header += "  perf runs"
    print("\n" + header)
    for page, runs in rows.items():
        run = median_run(runs)
        scores, metrics = run["scores"], run["metrics"]
        line = f"{page:<10}" + "".join(f" {scores[name]:>4}" for name in CATEGORIES)
        line += f" {metrics['FCP']:>7.0f} {metrics['LCP']:>7.0f} {metrics['TBT']:>7.0f}"
        line += f" {metrics['CLS']:>6.3f} {metrics['SI']:>7.0f} {run['benchmark']:>6.0f}  "
        line += ",".join(str(r["scores"]["performance"]) for r in runs)
        print(line)
    for page, runs in rows.items():
        failing = sorted({item for run in runs for item in run["failing"]})
        if failing:
            print(f"\n{page}: below 1 in some run:\n  " + "\n  ".join(failing))
    print("\nbench: Lighthouse's BenchmarkIndex of the machine during the median run; below 1000")
    print("Lighthouse warns that the host CPU is too slow, and the 4x simulated CPU slowdown")
    print("inflates TBT (and so the performance score) beyond what a phone would see.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per page (median shown)")
    parser.add_argument("--page", action="append", choices=sorted(PAGES), help="repeatable")
    parser.add_argument("--out", type=Path, help="folder for the JSON reports")
    parser.add_argument("--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        print("lighthouse is not installed: run `npm ci` in the project root", file=sys.stderr)
        return 2
    if not shutil.which(args.chrome):
        print(f"no Chromium at {args.chrome}: apt-get install chromium", file=sys.stderr)
        return 2
    out = args.out or ROOT / "var" / "lighthouse" / datetime.now().strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    pages = {name: PAGES[name] for name in (args.page or PAGES)}
    python = ROOT / ".venv" / "bin" / "python"
    if not python.exists():
        python = Path(sys.executable)
    with tempfile.TemporaryDirectory(prefix="polku-lighthouse-") as var_dir:
        env = {**os.environ, "VAR_DIR": var_dir}
        print("• initialising a site in", var_dir, file=sys.stderr)
        subprocess.run(
            [str(python), "-m", "app", "init"], cwd=ROOT, env=env, check=True,
            timeout=INIT_TIMEOUT_S, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(python), "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        rows: dict[str, list[dict[str, Any]]] = {}
        try:
            wait_until_up(base_url, server)
            for path in pages.values():  # compile templates, open the index: a warm server
                for _ in range(WARM_UP_REQUESTS):
                    httpx.get(base_url + path, timeout=30).raise_for_status()
            for name, path in pages.items():
                rows[name] = []
                for number in range(1, args.runs + 1):
                    print(f"• lighthouse {name} {path} (run {number})", file=sys.stderr)
                    report = out / f"{name}-{number}.json"
                    result = run_lighthouse(base_url + path, report, args.chrome)
                    rows[name].append(summarise(result))
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    print_table(rows)
    perf = [run["scores"]["performance"] for runs in rows.values() for run in runs]
    print(f"\nreports: {out}\nperformance over all runs: min {min(perf)}, "
          f"median {statistics.median(perf):.0f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
