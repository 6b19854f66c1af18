"""Database tables (SQLModel)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

OUTSIDE_SYSTEM_REGION_CODE = "91"  # Åland: a pseudo-code, not a wellbeing region


class Region(SQLModel, table=True):
    """An organiser of social services: a wellbeing region, Helsinki, or Åland (outside)."""

    code: str = Field(primary_key=True, max_length=2)
    name_fi: str
    name_sv: str
    name_en: str
    kind: str = Field(description="hyvinvointialue, kaupunki or outside the system")
    is_organiser: bool = Field(description="False for Åland, which is outside the system")
    website: str | None = None
    website_evidence_url: str | None = None
    social_services_contact: str | None = Field(
        default=None, description="Free-text note from a public page, in English"
    )
    contact_evidence_url: str | None = None


class Municipality(SQLModel, table=True):
    """A municipality valid on 1.1.2025 and its organiser region."""

    code: str = Field(primary_key=True, max_length=3)
    name_fi: str
    name_sv: str
    region_code: str = Field(foreign_key="region.code", index=True)
