"""The one Jinja environment: autoescape, gettext, URL and static-file helpers."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from babel import dates as babel_dates
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.applications import Starlette
from starlette.responses import Response

from app import geography, i18n
from app.catalogue.policy import availability_is_current
from app.config import PROJECT_ROOT
from app.contacts import JOBSEEKER_REGISTRATION_URL
from app.geography import collation_key


def _web_asset_dir(name: str) -> Path:
    """A folder of web assets: inside the package when installed from a wheel (setup.py
    copies it there), else at the top of the checkout."""
    packaged = Path(__file__).resolve().parent / name
    return packaged if packaged.is_dir() else PROJECT_ROOT / name


TEMPLATES_DIR = _web_asset_dir("templates")
STATIC_DIR = _web_asset_dir("static")


@cache
def _static_fingerprint(relative_path: str) -> str:
    digest = hashlib.sha256((STATIC_DIR / relative_path).read_bytes()).hexdigest()
    return digest[:12]


def static_url(relative_path: str) -> str:
    """Address of a static file with a content fingerprint, safe to cache for a year."""
    return f"/static/{relative_path}?v={_static_fingerprint(relative_path)}"


RoutePaths = Callable[[str, tuple[tuple[str, Any], ...], str], str]


def _route_paths(app: Starlette) -> RoutePaths:
    """The app's named-route paths, remembered per app.

    Finding a route by name walks the whole route table, and a results page asks for
    dozens of paths.
    """
    remembered: RoutePaths | None = getattr(app.state, "route_paths", None)
    if remembered is not None:
        return remembered
    router = app.router

    @lru_cache(maxsize=4096)
    def paths(name: str, params: tuple[tuple[str, Any], ...], version: str) -> str:
        return i18n.localized_path(str(router.url_path_for(name, **dict(params))), version)

    app.state.route_paths = paths
    return paths


@jinja2.pass_context
def url(context: jinja2.runtime.Context, name: str, **params: Any) -> str:
    """Path of a named route in the current reading version (or `version=`)."""
    request: Request = context["request"]
    version = params.pop("version", None) or context["version"]
    query = params.pop("query", None)
    path = _route_paths(request.app)(name, tuple(sorted(params.items())), version)
    return f"{path}?{query}" if query else path


@jinja2.pass_context
def switch_url(context: jinja2.runtime.Context, version: str) -> str:
    """The current page in another reading version."""
    request: Request = context["request"]
    path = i18n.localized_path(request.url.path, version)
    return f"{path}?{request.url.query}" if request.url.query else path


@jinja2.pass_context
def current_query(context: jinja2.runtime.Context, **changes: Any) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    request: Request = context["request"]
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for key, value in changes.items():
        if isinstance(value, list | tuple):
            kept.extend((key, str(item)) for item in value)
        elif value is not None:
            kept.append((key, str(value)))
    return urlencode(kept)


def name_of(item: Any) -> str:
    """The item's name in the current UI language (`name_sv`, `name_en`, else `name_fi`)."""
    locale = i18n.current_locale()
    localized = getattr(item, f"name_{locale}", None)
    return str(localized or item.name_fi)


def format_km(value: float) -> str:
    """A distance in whole kilometres in the current UI language ("1 234 km")."""
    return geography.format_distance(value, i18n.current_locale())


def by_name(items: Iterable[Any]) -> list[Any]:
    """Items in the alphabetical order of the names the reader sees (Swedish names in
    Swedish, å ä ö after z), not in the order of their Finnish names."""
    return sorted(items, key=lambda item: collation_key(name_of(item)))


def unicode_host(host: str) -> str:
    """A host name as people write it: `pakilantyökeskus.fi`, not `xn--pakilantykeskus-…`.

    Display only: links keep the stored (working) address. A label that is not valid
    IDNA stays as it was.
    """
    return ".".join(_unicode_label(label) for label in host.split("."))


def _unicode_label(label: str) -> str:
    if not label.lower().startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label


def display_url(url: str) -> str:
    """A web address for reading: the host in Unicode and no `https://` (display only)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    shown = unicode_host(host) + url[url.index(parts.netloc) + len(parts.netloc) :]
    return shown if parts.scheme == "https" else f"{parts.scheme}://{shown}"


def format_date(value: dt.date) -> str:
    """A date written out in the current UI language."""
    return babel_dates.format_date(value, format="long", locale=i18n.current_locale())


def availability_shown(item: Any) -> bool:
    """True while a provider's free places / waiting time are recent enough to show."""
    return availability_is_current(item, dt.date.today())


_WEB_ADDRESS = re.compile(r"https?://[^\s]+", re.IGNORECASE)


def is_web_address(value: object) -> bool:
    """Whether a stored address may be a link: http or https only (IN-10). Anything else
    (`javascript:`, `data:`, an address without a scheme) is shown as text."""
    return isinstance(value, str) and bool(_WEB_ADDRESS.fullmatch(value))


def create_templates(template_dir: Path = TEMPLATES_DIR) -> Jinja2Templates:
    """Build the environment once per app."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
    )
    environment.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        i18n.translate, i18n.translate_plural, newstyle=True
    )
    environment.policies["ext.i18n.trimmed"] = True
    environment.globals.update(
        url=url,
        switch_url=switch_url,
        static_url=static_url,
        versions=i18n.VERSIONS,
        version_label=i18n.VERSION_LABEL,
        html_lang_of=i18n.html_lang,
        name_of=name_of,
        current_query=current_query,
        availability_shown=availability_shown,
        jobseeker_registration_url=JOBSEEKER_REGISTRATION_URL,
    )
    environment.filters["date"] = format_date
    environment.filters["km"] = format_km
    environment.filters["by_name"] = by_name
    environment.filters["display_url"] = display_url
    environment.filters["unicode_host"] = unicode_host
    environment.tests["web_address"] = is_web_address
    return Jinja2Templates(env=environment)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """Render a page with the request's version, language and settings in its context."""
    version = i18n.current_version()
    page_context = {
        "version": version,
        "html_lang": i18n.html_lang(version),
        "settings": request.app.state.settings,
        **(context or {}),
    }
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, page_context, status_code=status_code)
