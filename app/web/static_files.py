"""Static files with caching that suits fingerprinted addresses."""

from __future__ import annotations

import os

from starlette.responses import Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

IMMUTABLE_MAX_AGE_S = 31_536_000  # one year: the address changes when the content does
REVALIDATE_MAX_AGE_S = 300  # 5 minutes for addresses without a fingerprint


class FingerprintedStaticFiles(StaticFiles):
    """`?v=<hash>` addresses (from `static_url`) are cached for a year, others briefly."""

    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        fingerprinted = b"v=" in scope.get("query_string", b"")
        response.headers["Cache-Control"] = (
            f"public, max-age={IMMUTABLE_MAX_AGE_S}, immutable"
            if fingerprinted
            else f"public, max-age={REVALIDATE_MAX_AGE_S}"
        )
        return response
