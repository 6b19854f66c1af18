"""Command line: `python -m app init | serve | reindex`."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence

from sqlmodel import Session

from app.catalogue.places import rebuild_search_index
from app.config import Settings
from app.db import make_engine, migrate
from app.geography import load_geography


def _step(message: str) -> Callable[[], None]:
    started = time.monotonic()
    print(f"• {message} …", file=sys.stderr, flush=True)

    def done() -> None:
        print(f"  done in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)

    return done


def _progress(label: str) -> Callable[[int], None]:
    def report(count: int) -> None:
        print(f"\r  {label}: {count}", end="", file=sys.stderr, flush=True)

    return report


def command_init(settings: Settings) -> int:
    """Migrate, load bundled data and build the search index; safe to run again."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    settings.resolved_secret_key()
    done = _step("Migrating the database")
    migrate(settings.database_url)
    done()
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        done = _step("Loading regions and municipalities")
        regions, municipalities = load_geography(session=session)
        done()
        print(f"  {regions} regions, {municipalities} municipalities", file=sys.stderr)
    command_reindex(settings)
    engine.dispose()
    return 0


def command_reindex(settings: Settings) -> int:
    """Rebuild the search index from the database and swap it in atomically."""
    engine = make_engine(settings.database_url)
    done = _step(f"Building the search index in {settings.search_index_dir}")
    with Session(engine) as session:
        rebuild_search_index(
            session=session,
            index_dir=settings.search_index_dir,
            progress=_progress("documents"),
        )
    print(file=sys.stderr)
    done()
    engine.dispose()
    return 0


def command_serve(settings: Settings, host: str, port: int, workers: int, reload: bool) -> int:
    """Serve the site with uvicorn (uvloop and httptools from uvicorn[standard])."""
    import uvicorn

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all commands."""
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="migrate, load bundled data, build the search index")
    commands.add_parser("reindex", help="rebuild the search index from the database")
    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--reload", action="store_true", help="restart on code changes (dev)")
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
    if args.command == "reindex":
        return command_reindex(settings)
    return command_serve(settings, args.host, args.port, args.workers, args.reload)


if __name__ == "__main__":
    sys.exit(main())
