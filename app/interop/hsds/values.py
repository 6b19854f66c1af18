"""Values as HSDS 3.0 types them: absolute URLs, RFC 3339 times, organisation descriptions.

HSDS checks formats (`uri`, `date-time`) that Polku's stored values do not always meet; these
functions make a value valid or leave it out, never emit it invalid and never guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from urllib.parse import quote, urlsplit, urlunsplit

# A host name of letters, digits and hyphens (IDN letters too), with a dot and a top-level
# domain of letters: `www.tyollisyysmikkeli.fi`, `kunta.fi/palvelut`.
_LABEL = r"(?!-)[0-9a-zà-ÿ\u0100-\u024f-]{1,63}(?<!-)"
_BARE_HOST = re.compile(rf"^(?:{_LABEL}\.)+[a-zà-ÿ]{{2,63}}(?::\d{{1,5}})?(?:[/?#]\S*)?$", re.I)
_SCHEMES = ("http", "https")
# What RFC 3986 allows in a URI besides letters and digits (and `%` of an escape).
_URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]+$")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def absolute_url(value: str | None) -> str | None:
    """`value` as an absolute http(s) URL, or None when it cannot be one without guessing.

    An absolute http(s) URL is kept as it is. A bare host name, alone or with a path, gets
    `https://` in front: that is what a browser does with `www.tyollisyysmikkeli.fi`. Anything
    else (text with spaces, an e-mail address, another scheme, several addresses) is left out.
    """
    text = (value or "").strip()
    if not text or any(char.isspace() for char in text):
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() in _SCHEMES:
        if not parts.netloc or not _BARE_HOST.match(parts.netloc + "/"):
            return None
    elif "@" in text or "://" in text or not _BARE_HOST.match(text):
        return None
    else:
        parts = urlsplit(f"https://{text}")
    return _as_uri(parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment)


def _as_uri(scheme: str, host: str, path: str, query: str, fragment: str) -> str | None:
    """The URL in URI characters: an IDN host in its ASCII form (`www.äänekoski.fi` ->
    `www.xn--nekoski-4waa.fi`), other non-ASCII characters percent-encoded, as browsers send
    them."""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    safe = "/:@!$&'()*+,;=-._~%?"  # RFC 3986 pchar, "/" and "?"; the rest is escaped
    uri = urlunsplit(
        (scheme.lower(), ascii_host, *(quote(part, safe=safe) for part in (path, query, fragment)))
    )
    uri = _STRAY_PERCENT.sub("%25", uri)
    return uri if _URI_CHARS.match(uri) else None


def rfc3339(moment: dt.datetime) -> str:
    """A stored moment as HSDS's `date-time`: UTC with `Z`, as exact as stored (so that
    `modified_after` with a value read here finds that entry and nothing changed before it).

    A moment without a time zone is UTC: Polku stores UTC.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def organization_description(
    *, name: str, organisation_type: str | None, municipalities: Sequence[str],
    regions: Sequence[str],
) -> str:  # fmt: skip
    """HSDS requires an organisation description; Polku's sources give none.

    This one is a factual sentence from the catalogue's own fields, in Finnish like the data:
    the name, the type as the source states it, and the municipalities (or, where a unit has
    no municipality, the organiser regions) of its units in Polku's catalogue. Nothing more.
    """
    sentences = [f"{name}: palveluntuottajaorganisaatio Polun palveluntuottajaluettelossa."]
    if organisation_type:
        sentences.append(f"Organisaatiomuoto lähteen mukaan: {organisation_type}.")
    if municipalities:
        sentences.append(f"Yksiköiden kunnat: {', '.join(municipalities)}.")
    if regions:
        sentences.append(f"Yksiköiden alueet: {', '.join(regions)}.")
    return " ".join(sentences)
