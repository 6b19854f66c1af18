"""What the catalogue's words mean: when an entry is stale, when free places are shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from app.models import Provider

STALE_AFTER = dt.timedelta(days=365)  # a person should check every entry once a year
AVAILABILITY_SHOWN_FOR = dt.timedelta(days=60)  # free places go stale fast
AVAILABILITY_FIELDS = ("free_places", "waiting_time")


def is_stale(provider: Provider, today: dt.date) -> bool:
    """Not checked by a person within a year."""
    return provider.assured_date is None or today - provider.assured_date > STALE_AFTER


def availability_is_current(item: Provider | Mapping[str, object], today: dt.date) -> bool:
    """Free places and waiting time are shown only while they are under 60 days old."""
    get = item.get if isinstance(item, Mapping) else lambda name: getattr(item, name)
    date, places, waiting = get("availability_date"), get("free_places"), get("waiting_time")
    has_figures = places is not None or bool(waiting)
    return has_figures and isinstance(date, dt.date) and today - date <= AVAILABILITY_SHOWN_FOR
