"""Command line: `python -m app init | migrate | serve | reindex | create-user | import |
export | fetch`."""

from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import getpass
import logging
import multiprocessing
import multiprocessing.connection
import multiprocessing.process
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.config import Settings
from app.interop.records import InputLimits
from app.interop.runs import SOURCES, ImportOutcome
from app.site_setup import (
    index_keeper_process,
    initialise_site,
    keep_index_until_stopped,
    reindex_site,
)

logger = logging.getLogger("app.serve")  # not __name__: that is "__main__" under -m


def _report(message: str) -> None:
    print(f"• {message}", file=sys.stderr, flush=True)


def _progress(count: int) -> None:
    print(f"\r  indexed {count} documents", end="", file=sys.stderr, flush=True)


def command_init(settings: Settings, *, build_index: bool = True) -> int:
    """Migrate, load bundled data and build the search index; safe to run again. Without
    the index (`migrate`): a deployment's one-off job, each node's keeper builds its own."""
    started = time.monotonic()
    initialise_site(settings, _report, build_index=build_index)
    print(f"\n• Done in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


def command_keep_index(settings: Settings) -> int:
    """Keep this node's search index current until stopped (SIGTERM or Ctrl-C)."""
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends it like SIGTERM
        keep_index_until_stopped(settings)
    return 0


KEEPER_RESTART_FIRST_S = 1.0  # the wait before starting a stopped keeper again, doubled
KEEPER_RESTART_MAX_S = 60.0  # up to this; back to the first once a keeper ran this long


class KeeperSupervisor:
    """`serve`'s index keeper child, started again whenever it stops while `serve` runs.

    The keeper retries its own failures (an unwritable folder, a lost database); this covers
    the process itself dying – killed for its memory during a full build, say. Without it the
    node would go on serving the index it had, its lag growing, until `serve` restarted.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.process = _start_index_keeper(settings)
        self._watcher = threading.Thread(target=self._watch, name="keeper-watch", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        wait_s = KEEPER_RESTART_FIRST_S
        while True:
            process, started = self.process, time.monotonic()
            # the sentinel, not join(): stop() joins the process from the main thread
            multiprocessing.connection.wait([process.sentinel])
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= KEEPER_RESTART_MAX_S:
                wait_s = KEEPER_RESTART_FIRST_S
            process.join(timeout=1)
            logger.error(
                "the index keeper (pid %s) stopped with exit code %s; starting it again in %.0f s",
                process.pid, process.exitcode, wait_s,
            )  # fmt: skip
            if self._stopping.wait(wait_s):
                return
            wait_s = min(2 * wait_s, KEEPER_RESTART_MAX_S)
            with self._lock:
                if self._stopping.is_set():
                    return
                self.process = _start_index_keeper(self.settings)

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            process = self.process
        process.terminate()
        process.join(timeout=15)
        self._watcher.join(timeout=5)


def _start_index_keeper(settings: Settings) -> multiprocessing.process.BaseProcess:
    """The keeper as a child process of `serve`: one per node, whatever the worker count,
    and never in a web worker's way (its own interpreter and GIL)."""
    from app.web.observability import logging_config

    process = multiprocessing.get_context("spawn").Process(
        target=index_keeper_process,
        args=(settings.model_dump(), logging_config(settings.log_format), os.getpid()),
        name="polku-index-keeper",
        daemon=True,
    )
    process.start()
    return process


def command_reindex(settings: Settings) -> int:
    """Rebuild the search index from the database and swap it in atomically."""
    from sqlalchemy.exc import OperationalError

    started = time.monotonic()
    try:
        reindex_site(settings, _report, _progress)
    except OSError as error:  # the new generation was removed; the old one keeps serving
        reason = (
            f"no space left on the device of {settings.search_index_dir}; free some space"
            if error.errno == errno.ENOSPC
            else str(error)
        )
        print(f"\nCannot rebuild the search index: {reason}.", file=sys.stderr)
        print("The previous index keeps serving.", file=sys.stderr)
        return 1
    except OperationalError as error:
        reason = f"the database is unavailable ({error.orig})"
        print(f"\nCannot rebuild the search index: {reason}.", file=sys.stderr)
        print("The previous index keeps serving.", file=sys.stderr)
        return 1
    print(f"\n• Done in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


def command_create_user(settings: Settings, args: argparse.Namespace) -> int:
    """Create a maintainer account; the password is read from stdin or asked for."""
    from sqlmodel import Session

    from app.accounts import AccountError, create_user
    from app.db import make_engine

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            print("The passwords differ.", file=sys.stderr)
            return 1
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            user = create_user(
                session=session, username=args.username, password=password,
                role=args.role, regions=args.region or [],
            )  # fmt: skip
    except AccountError as error:
        print(f"Cannot create the user: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(
        f"Created {user.role} {user.username!r} ({user.regions or 'all regions'})", file=sys.stderr
    )
    return 0


def _print_import(outcome: ImportOutcome, source: str, files: int) -> None:
    parsed, report = outcome.parsed, outcome.report
    print(f"Import from {source}: {files} file(s), {len(parsed.records)} valid record(s)")
    for title, problems in (
        ("Errors", parsed.errors),
        ("Skipped (not imported; the rest is)", parsed.skipped),
        ("Warnings", parsed.warnings),
    ):
        if problems:
            print(f"{title} ({len(problems)}):")
            for problem in problems[:50]:
                print(f"  {problem}")
            if len(problems) > 50:
                print(f"  … and {len(problems) - 50} more")
    if report is None:
        print("Nothing was written: correct the errors and run the import again.")
        return
    print(f"Result: {report.summary()}")
    for title, items in (
        ("New", report.created), ("Updated", report.updated),
        ("Marked to verify", report.marked_verify),
        ("Conflicts (kept the person's value; see the provider's page in /admin/)",
         report.conflicts),
    ):  # fmt: skip
        if items:
            shown = ", ".join(items[:20]) + (" …" if len(items) > 20 else "")
            print(f"{title}: {shown}")
    if outcome.applied:
        print("Applied: the changes are saved.")
    else:
        print("Dry run: nothing was written. Add --apply to save these changes.")


def _import_progress(done: int, total: int) -> None:
    if done == total or done % 100 == 0:
        end = "\n" if done == total else ""
        print(f"\r  merged {done}/{total} records", end=end, file=sys.stderr, flush=True)


def import_limits(settings: Settings) -> InputLimits:
    """The settings' bounds on what an import may read (IM-08)."""
    return InputLimits(
        max_file_bytes=settings.import_max_file_bytes,
        max_unpacked_bytes=settings.import_max_unpacked_bytes,
        max_zip_ratio=settings.import_max_zip_ratio,
        max_zip_entries=settings.import_max_zip_entries,
    )


def command_import(settings: Settings, args: argparse.Namespace) -> int:
    """Check, and with --apply save, provider data from files; 0 ok, 1 bad input."""
    import datetime as dt

    from sqlmodel import Session

    from app.catalogue.resources import load_catalogue_resources
    from app.db import make_engine
    from app.guide.content import load_guide
    from app.interop.runs import run_import

    if missing := [str(path) for path in args.files if not path.is_file()]:
        print(f"No such file: {', '.join(missing)}", file=sys.stderr)
        return 1
    resources = load_catalogue_resources(load_guide())
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            outcome = run_import(
                session=session, resources=resources, source=args.source, paths=args.files,
                apply=args.apply, full=args.full, today=dt.date.today(),
                progress=_import_progress, strict=args.strict,
                limits=import_limits(settings),
            )  # fmt: skip
    finally:
        engine.dispose()
    _print_import(outcome, args.source, len(args.files))
    if outcome.changed:
        # Not rebuilt here: this machine may serve nothing. Every node's index keeper
        # applies the change within seconds (`serve` runs one; see docs/deployment.md).
        _report("Every node's search index keeper applies the change within seconds")
    return 1 if outcome.parsed.errors else 0


def command_fetch(args: argparse.Namespace) -> int:
    """Save raw PTV JSON for later import; 0 ok, 1 bad arguments, 2 the API failed."""
    import httpx

    from app.interop.ptv.fetch import PtvFetchError, fetch_ptv

    try:
        with httpx.Client(headers={"User-Agent": "Polku catalogue import"}) as client:
            report = fetch_ptv(
                client, args.out, municipality_codes=args.municipality or [],
                organization_ids=args.organization or [],
            )  # fmt: skip
    except ValueError as error:
        print(f"Cannot fetch: {error}", file=sys.stderr)
        return 1
    except PtvFetchError as error:
        print(f"The PTV API could not be read: {error}", file=sys.stderr)
        return 2
    print(f"Saved {len(report.files)} file(s) in {args.out} ({report.requests} requests).")
    for note in report.notes:
        print(f"  Not found: {note}")
    print(f"Check them with: python -m app import ptv {args.out}/*.json")
    return 0


def command_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the catalogue as HSDS 3.0 JSON or as a tabular data package."""
    import json

    from sqlmodel import Session

    from app.db import make_engine
    from app.interop.hsds.datapackage import write_hsds_datapackage
    from app.interop.hsds.objects import export_hsds_json

    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            if args.format == "json":
                document = export_hsds_json(session, settings.base_url)
                args.out.write_text(json.dumps(document, ensure_ascii=False, indent=1))
            else:
                write_hsds_datapackage(session, args.out, settings.base_url)
    finally:
        engine.dispose()
    print(f"Wrote {args.out}", file=sys.stderr)
    return 0


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's reverse-proxy options: whose X-Forwarded-For/-Proto headers to believe."""
    return {
        "proxy_headers": settings.proxy_headers,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }


def command_serve(
    settings: Settings,
    host: str,
    port: int,
    workers: int,
    reload: bool,
    keep_index: bool = True,
) -> int:
    """Serve the site with uvicorn (uvloop and httptools from uvicorn[standard]).

    Never migrates or builds anything before serving: a node whose index is current answers
    at once, and the index keeper (a child process, unless `--no-index-keeper` says that one
    runs beside as `keep-index`) builds a missing index and follows every change.
    On SIGTERM uvicorn stops accepting connections, lets running requests finish for up to
    10 s, then runs the app's shutdown (closes index and database); the keeper stops with it.
    """
    import uvicorn

    from app.web.observability import logging_config

    metrics_dir, metrics_dir_lock = _multiprocess_metrics_dir(settings, workers)
    keeper = KeeperSupervisor(settings) if keep_index else None
    try:
        uvicorn.run(
            "app.web.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            **proxy_options(settings),
            server_header=False,
            timeout_graceful_shutdown=10,
            log_config=logging_config(settings.log_format),
            access_log=False,  # the app writes its own access log, without query strings
        )
    finally:
        if keeper is not None:
            keeper.stop()
        if metrics_dir_lock is not None and metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
            os.close(metrics_dir_lock)
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]
    return 0


def _multiprocess_metrics_dir(settings: Settings, workers: int) -> tuple[Path | None, int | None]:
    """Prometheus multiprocess mode for several workers: the folder where each worker writes
    its metric values (PROMETHEUS_MULTIPROC_DIR, or a fresh folder of this `serve` in
    VAR_DIR), emptied now and handed to the workers through the environment. Also, for a
    folder made here, the descriptor of its lock (the folder is removed when serving ends)."""
    from app.web.observability import prepare_multiprocess_dir

    folder = settings.prometheus_multiproc_dir
    lock = None
    if folder is None:
        if workers <= 1:
            return None, None
        folder, lock = _own_metrics_dir(settings.var_dir)
    prepare_multiprocess_dir(folder)
    # the workers read it twice: prometheus_client when imported, and Settings
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder, lock


METRICS_DIR_PREFIX = "metrics-"
METRICS_DIR_LOCK = "serving.lock"  # not *.db: the metrics collector reads only those


def _own_metrics_dir(var_dir: Path) -> tuple[Path, int]:
    """A new metrics folder in VAR_DIR (the one folder the app writes: a container's root
    file system may be read-only), locked while this process serves, and its lock.

    A folder whose `serve` was killed before it could remove it is no longer locked: it is
    removed here. Another `serve` on the same VAR_DIR keeps its own, locked, folder.
    """
    var_dir.mkdir(parents=True, exist_ok=True)
    for earlier in var_dir.glob(f"{METRICS_DIR_PREFIX}*"):
        if not _locked(earlier / METRICS_DIR_LOCK):
            shutil.rmtree(earlier, ignore_errors=True)
    # locked before it gets the name the clean-up above looks for
    starting = Path(tempfile.mkdtemp(prefix=f".{METRICS_DIR_PREFIX}", dir=var_dir))
    lock = os.open(starting / METRICS_DIR_LOCK, os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)  # a fresh file: nobody else holds it
    folder = var_dir / starting.name.removeprefix(".")
    starting.rename(folder)
    return folder, lock


def _locked(lock_file: Path) -> bool:
    """Whether a running `serve` holds this metrics folder's lock."""
    try:
        descriptor = os.open(lock_file, os.O_RDWR)
    except OSError:  # no lock file: not a folder of ours, or unreadable; leave it
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all commands."""
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="migrate, load bundled data, build the search index")
    commands.add_parser(
        "migrate", help="migrate and load bundled data, no index: a deployment's one-off job"
    )
    commands.add_parser("reindex", help="rebuild the search index from the database")
    commands.add_parser(
        "keep-index", help="keep this node's search index current (serve starts one itself)"
    )
    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--reload", action="store_true", help="restart on code changes (dev)")
    serve.add_argument(
        "--no-index-keeper",
        dest="keep_index",
        action="store_false",
        help="do not start the index keeper (one runs beside as `keep-index`)",
    )
    create = commands.add_parser("create-user", help="create a maintainer account")
    create.add_argument("username")
    create.add_argument("--role", choices=["admin", "coordinator"], required=True)
    create.add_argument("--region", action="append", help="region code (repeat for several)")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    imports = commands.add_parser(
        "import", help="check provider data from files; --apply saves it (docs/data.md)"
    )
    imports.add_argument("source", choices=SOURCES)
    imports.add_argument("files", nargs="+", type=Path)
    imports.add_argument("--apply", action="store_true", help="save (default: dry run)")
    imports.add_argument(
        "--full",
        action="store_true",
        help="the files hold all of the source's entries for their regions: "
        "mark the source's entries missing from them 'verify'",
    )
    imports.add_argument(
        "--strict",
        action="store_true",
        help="all or nothing: an item that cannot be placed (PTV) is an error, not a skip",
    )
    fetch = commands.add_parser("fetch", help="save raw JSON from the PTV open API (docs/ptv.md)")
    fetch.add_argument("source", choices=["ptv"])
    fetch.add_argument("--municipality", action="append", help="municipality code (repeat)")
    fetch.add_argument("--organization", action="append", help="PTV organisation id (repeat)")
    fetch.add_argument("--out", type=Path, required=True, help="an empty directory to save in")
    export = commands.add_parser("export", help="write the catalogue as Open Referral HSDS 3.0")
    export.add_argument("standard", choices=["hsds"])
    export.add_argument("out", type=Path, help="a .json file, or a directory or .zip")
    export.add_argument("--format", choices=["json", "datapackage"], default="json")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m app` and the `polku` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings()
    except ValueError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    if args.command == "init":
        return command_init(settings)
    if args.command == "migrate":
        return command_init(settings, build_index=False)
    if args.command == "reindex":
        return command_reindex(settings)
    if args.command == "keep-index":
        return command_keep_index(settings)
    if args.command == "create-user":
        return command_create_user(settings, args)
    if args.command == "fetch":
        return command_fetch(args)
    if args.command in ("import", "export"):
        command = command_import if args.command == "import" else command_export
        try:
            return command(settings, args)
        except Exception as error:  # an internal error: a short message, not a traceback
            logging.getLogger("app").debug("%s failed", args.command, exc_info=True)
            print(f"Internal error ({type(error).__name__}): {error}", file=sys.stderr)
            return 2
    return command_serve(settings, args.host, args.port, args.workers, args.reload, args.keep_index)


if __name__ == "__main__":
    sys.exit(main())
