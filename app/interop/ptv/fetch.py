"""Fetch raw JSON from the PTV open API v11 into files, for `parse_ptv_files` to read.

Fetching and importing are separate steps on purpose: the raw pages are saved first, so an
import can be repeated, reviewed and diffed without asking the API again, and what was
imported can always be traced back to the exact file.

What is fetched (all endpoints are public, no key needed):
1. the service channels of each municipality (`ServiceChannel/list/area/Municipality/code/
   {code}`, nationwide ones included) and/or of each organisation
   (`ServiceChannel/list/organization`), page by page;
2. for a municipality: the channels of every organisation that has a service location
   whose *address* is in it, because the municipality list filters on the service area,
   and a location without an area (or located elsewhere than its area) is not on it;
3. the organisations those service locations belong to (`Organization/list?guids=`);
4. the services linked to them (`Service/list?guids=`), for their names and classes;
5. `fetch-scope.json`: what was asked for, so that the import knows which municipalities
   the files cover (a full import marks vanished entries only there).

The client is polite: at most `rate_per_second` requests, a timeout on each, and retries
with exponential backoff on timeouts, connection errors, 429 and 5xx answers.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

DEFAULT_BASE_URL = "https://api.palvelutietovaranto.suomi.fi/api/v11"
GUIDS_PER_REQUEST = 100  # the `list?guids=` endpoints take at most 100 ids
MAX_PAGES = 1000  # a guard against a server that never stops paging
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SCOPE_FILE = "fetch-scope.json"
SCOPE_KEY = "polkuFetchScope"  # app/interop/ptv/files.py reads it


class PtvFetchError(RuntimeError):
    """The API could not be read (after the retries); the message names the URL."""


class PtvNotFound(PtvFetchError):
    """HTTP 404: PTV answers so for an organisation it does not publish and for a
    `list?guids=` of which no id exists ("Services not found.")."""


@dataclass
class FetchReport:
    """The files written, in order, and how many HTTP requests it took."""

    files: list[Path] = field(default_factory=list)
    requests: int = 0
    notes: list[str] = field(default_factory=list)  # what was not found, for the operator


class _PoliteClient:
    """GET with a rate limit, a timeout and retries; answers are parsed JSON."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        rate_per_second: float,
        retries: int,
        timeout: float,
        backoff_seconds: float,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.client = client
        self.interval = 1.0 / rate_per_second if rate_per_second > 0 else 0.0
        self.retries = retries
        self.timeout = timeout
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep
        self.clock = clock
        self.last_request: float | None = None
        self.requests = 0

    def _wait_for_turn(self) -> None:
        if self.last_request is not None:
            remaining = self.interval - (self.clock() - self.last_request)
            if remaining > 0:
                self.sleep(remaining)
        self.last_request = self.clock()

    def get(self, url: str, params: dict[str, str] | None = None) -> bytes:
        """The body of a successful answer that is valid JSON."""
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self.backoff_seconds * 2 ** (attempt - 1))  # 1 s, 2 s, 4 s …
            self._wait_for_turn()
            self.requests += 1
            try:
                response = self.client.get(url, params=params, timeout=self.timeout)
            except (httpx.TimeoutException, httpx.TransportError) as error:
                problem = f"{type(error).__name__}: {error}"
                continue
            if response.status_code in RETRY_STATUSES:
                problem = f"HTTP {response.status_code}"
                continue
            if response.status_code == 404:
                raise PtvNotFound(f"{response.request.url}: HTTP 404")
            if response.status_code != 200:  # 400 …: asking again will not help
                raise PtvFetchError(f"{response.request.url}: HTTP {response.status_code}")
            try:
                json.loads(response.content)
            except ValueError as error:
                raise PtvFetchError(f"{response.request.url}: not JSON: {error}") from error
            return response.content
        raise PtvFetchError(f"{url}: failed after {self.retries + 1} attempts ({problem})")


def _save(out_dir: Path, name: str, body: bytes, report: FetchReport) -> Any:
    """Write the raw body (atomically, so a half-written file is never read) and parse it."""
    path = out_dir / name
    partial = path.with_suffix(".part")
    partial.write_bytes(body)
    partial.replace(path)
    report.files.append(path)
    return json.loads(body)


def _pages(
    http: _PoliteClient,
    url: str,
    params: dict[str, str],
    out_dir: Path,
    stem: str,
    report: FetchReport,
) -> Iterator[dict[str, Any]]:
    """Every page of a paged list, each saved as `<stem>-page-<n>.json`."""
    page = 1  # PTV numbers pages from one
    while page <= MAX_PAGES:
        body = http.get(url, {**params, "page": str(page)})
        data = _save(out_dir, f"{stem}-page-{page}.json", body, report)
        if not isinstance(data, dict):
            raise PtvFetchError(f"{url}: page {page} is not a paged list")
        yield data
        page_count = data.get("pageCount")
        if not isinstance(page_count, int) or page >= page_count:
            return
        page += 1
    raise PtvFetchError(f"{url}: more than {MAX_PAGES} pages")


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), GUIDS_PER_REQUEST):
        yield ids[start : start + GUIDS_PER_REQUEST]


def address_municipalities(channel: dict[str, Any]) -> set[str]:
    """The municipality codes of a channel's visiting (Location) addresses."""
    codes = set()
    for address in channel.get("addresses") or []:
        if not isinstance(address, dict) or address.get("type") != "Location":
            continue
        street = address.get("streetAddress")
        municipality = street.get("municipality") if isinstance(street, dict) else None
        code = municipality.get("code") if isinstance(municipality, dict) else None
        if isinstance(code, str) and code.strip():
            codes.add(code.strip().zfill(3))
    return codes


def _safe_name(value: str) -> str:
    """A file-name-safe form of a code or id given on the command line."""
    return "".join(char if char.isalnum() or char in "-_" else "_" for char in value)


def fetch_ptv(
    client: httpx.Client,
    out_dir: Path,
    *,
    municipality_codes: Sequence[str] = (),
    organization_ids: Sequence[str] = (),
    base_url: str = DEFAULT_BASE_URL,
    rate_per_second: float = 2,
    retries: int = 3,
    timeout: float = 30.0,
    backoff_seconds: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> FetchReport:
    """Save the service channels of the given municipalities and/or organisations, and the
    organisations and services their service locations link to, as raw JSON files.

    Raises `PtvFetchError` when the API cannot be read; files saved until then are kept.
    `sleep` and `clock` are parameters so tests run without waiting.
    """
    if not municipality_codes and not organization_ids:
        raise ValueError("give municipality codes or organisation ids to fetch")
    for organization_id in organization_ids:
        uuid.UUID(organization_id)  # ValueError for a typo, before any request
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.glob("*.json")):
        # An import reads every file of a directory: pages left from an earlier fetch
        # would mix old and new data, so each fetch gets a directory of its own.
        raise ValueError(f"{out_dir} already holds .json files: fetch into a new directory")
    base = base_url.rstrip("/")
    http = _PoliteClient(
        client,
        rate_per_second=rate_per_second,
        retries=retries,
        timeout=timeout,
        backoff_seconds=backoff_seconds,
        sleep=sleep,
        clock=clock,
    )
    report = FetchReport()
    codes = [code.zfill(3) for code in municipality_codes]
    channels: list[dict[str, Any]] = []

    def organization_pages(organization_id: str, *, asked: bool) -> None:
        url = f"{base}/ServiceChannel/list/organization"
        stem = f"channels-organization-{_safe_name(organization_id)}"
        pages = _pages(http, url, {"organizationId": organization_id}, out_dir, stem, report)
        try:
            for page in pages:
                channels.extend(
                    item for item in page.get("itemList") or [] if isinstance(item, dict)
                )
        except PtvNotFound:
            if asked:
                raise  # an organisation given on the command line must exist
            report.notes.append(f"organisation {organization_id}: PTV has no channels of it")

    for code in codes:
        url = f"{base}/ServiceChannel/list/area/Municipality/code/{code}"
        stem = f"channels-municipality-{_safe_name(code)}"
        # Nationwide channels too: a national agency's office in the municipality has a
        # nationwide service area.
        for page in _pages(http, url, {"includeWholeCountry": "true"}, out_dir, stem, report):
            channels.extend(item for item in page.get("itemList") or [] if isinstance(item, dict))
    for organization_id in organization_ids:
        organization_pages(organization_id, asked=True)
    # The municipality lists go by service area. A location with no area, or with an area
    # elsewhere, is found through its organisation: every organisation with a location
    # whose address is in a fetched municipality has its channels fetched too.
    asked = {str(uuid.UUID(organization_id)) for organization_id in organization_ids}
    located_here = sorted(
        {
            str(channel["organizationId"])
            for channel in channels
            if channel.get("serviceChannelType") == "ServiceLocation"
            and channel.get("organizationId")
            and address_municipalities(channel) & set(codes)
        }
        - asked
    )
    for organization_id in located_here:
        organization_pages(organization_id, asked=False)

    # Only service locations become records, so only their links are followed.
    locations = [c for c in channels if c.get("serviceChannelType") == "ServiceLocation"]
    linked_organization_ids = sorted(
        {str(c["organizationId"]) for c in locations if c.get("organizationId")}
    )
    service_ids = sorted(
        {
            str(link["service"]["id"])
            for c in locations
            for link in c.get("services") or []
            if isinstance(link, dict)
            and isinstance(link.get("service"), dict)
            and link["service"].get("id")
        }
    )
    for kind, path, ids in (
        ("organizations", "Organization/list", linked_organization_ids),
        ("services", "Service/list", service_ids),
    ):
        for number, chunk in enumerate(_chunks(ids), start=1):
            try:
                body = http.get(f"{base}/{path}", {"guids": ",".join(chunk)})
            except PtvNotFound:  # none of these ids is published: the import warns
                report.notes.append(f"{kind} {number}: PTV has none of the {len(chunk)} ids")
                continue
            _save(out_dir, f"{kind}-{number}.json", body, report)
    scope = {SCOPE_KEY: {"municipalities": codes, "organizations": list(organization_ids)}}
    _save(out_dir, SCOPE_FILE, json.dumps(scope, indent=1).encode(), report)
    report.requests = http.requests
    return report
