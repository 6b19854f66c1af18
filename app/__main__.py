"""Command line: `python -m app init | serve | reindex`."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
import time
from collections.abc import Sequence

from app.config import Settings
from app.site_setup import initialise_site, reindex_site


def _report(message: str) -> None:
    print(f"• {message}", file=sys.stderr, flush=True)


def _progress(count: int) -> None:
    print(f"\r  indexed {count} documents", end="", file=sys.stderr, flush=True)


def command_init(settings: Settings) -> int:
    """Migrate, load bundled data and build the search index; safe to run again."""
    started = time.monotonic()
    initialise_site(settings, _report)
    print(f"\n• Done in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


def command_reindex(settings: Settings) -> int:
    """Rebuild the search index from the database and swap it in atomically."""
    started = time.monotonic()
    reindex_site(settings, _report, _progress)
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
    create = commands.add_parser("create-user", help="create a maintainer account")
    create.add_argument("username")
    create.add_argument("--role", choices=["admin", "coordinator"], required=True)
    create.add_argument("--region", action="append", help="region code (repeat for several)")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
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
    if args.command == "create-user":
        return command_create_user(settings, args)
    return command_serve(settings, args.host, args.port, args.workers, args.reload)


if __name__ == "__main__":
    sys.exit(main())
