"""SYNTHETIC provider data for benchmarks only. Never loaded into the app's own data.

Every generated name starts with "SYNTEETTINEN" so that nobody can mistake a row for a
real provider.
"""

from __future__ import annotations

import random

from sqlalchemy import insert
from sqlmodel import Session, select

from app.catalogue.vocabularies import load_vocabularies
from app.guide.content import SERVICE_CODES
from app.models import (
    Municipality,
    Organization,
    Provider,
    ProviderActivity,
    ProviderService,
    ProviderTargetGroup,
)

WORDS = ["työpaja", "kierrätyskeskus", "puupaja", "kahvila", "tekstiilipaja", "verhoomo",
         "kiinteistöhuolto", "digipaja", "keittiö", "ompelimo", "pesula", "myymälä"]  # fmt: skip


def add_synthetic_providers(session: Session, count: int, seed: int = 7) -> None:
    """Insert `count` clearly marked synthetic providers spread over all municipalities."""
    rng = random.Random(seed)
    vocabularies = load_vocabularies()
    activities = list(vocabularies.activity_types)
    groups = list(vocabularies.target_groups)
    municipalities = [m for m in session.exec(select(Municipality)) if m.region_code != "91"]
    organization = Organization(name="SYNTEETTINEN testiorganisaatio (benchmark)")
    session.add(organization)
    session.flush()
    start = (session.exec(select(Provider.id).order_by(Provider.id.desc())).first() or 0) + 1  # type: ignore[union-attr]
    providers, services, acts, targets = [], [], [], []
    for number in range(count):
        provider_id = start + number
        municipality = rng.choice(municipalities)
        word = rng.choice(WORDS)
        providers.append({
            "id": provider_id,
            "external_id": f"synthetic:{provider_id}",
            "organization_id": organization.id,
            "name": f"SYNTEETTINEN {word} {municipality.name_fi} {number:06d}",
            "region_code": municipality.region_code,
            "municipality_code": municipality.code,
            "status": rng.choice(["current", "verify", "verify", "closed"]),
            "description": f"Synteettinen testirivi: {word}, {rng.choice(WORDS)}",
            "source_date": "2026",
            "source_year": 2026,
        })  # fmt: skip
        for code in rng.sample(SERVICE_CODES, rng.randint(1, 3)):
            services.append({"provider_id": provider_id, "code": code})
        for code in rng.sample(activities, rng.randint(0, 3)):
            acts.append({"provider_id": provider_id, "code": code})
        for code in rng.sample(groups, rng.randint(0, 2)):
            targets.append({"provider_id": provider_id, "code": code})
    session.execute(insert(Provider), providers)
    session.execute(insert(ProviderService), services)
    session.execute(insert(ProviderActivity), acts)
    session.execute(insert(ProviderTargetGroup), targets)
    session.commit()
