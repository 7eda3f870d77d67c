"""ClinicalTrials.gov API v2 study record -> the normalised fields Eligo stores.

Pure functions, no database. A record that cannot be read raises ``RecordError`` with a
reason a person can act on ("eligibilityModule.minimumAge: '18 Yrs' is not an age").
Optional fields that are absent are fine; a field that is present with the wrong type is
an error, because silently dropping it would change who a trial accepts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from matching.trial import Site

NCT_ID = re.compile(r"^NCT\d{8}$")
# Trials registered nowhere public (e.g. a page without an NCT id) get a local id.
LOCAL_ID = re.compile(r"^LOCAL-[A-Z0-9][A-Z0-9-]{0,39}$")

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")
_DAYS_PER_YEAR = 365.2425
_YEARS_PER_UNIT = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / _DAYS_PER_YEAR,
    "day": 1 / _DAYS_PER_YEAR,
    "hour": 1 / (24 * _DAYS_PER_YEAR),
    "minute": 1 / (24 * 60 * _DAYS_PER_YEAR),
}
_NO_AGE = {"", "n/a", "na", "none", "not applicable"}
_SEXES = {"ALL", "FEMALE", "MALE"}


class RecordError(ValueError):
    """A record that cannot be imported, with the reason."""


def is_valid_trial_id(value: str) -> bool:
    return bool(NCT_ID.match(value) or LOCAL_ID.match(value))


def parse_age_years(value: str | None) -> float | None:
    """"18 Years" -> 18.0, "6 Months" -> 0.5, "N/A" or missing -> None."""
    if value is None or value.strip().lower() in _NO_AGE:
        return None
    match = _AGE.match(value)
    if not match:
        raise RecordError(f"{value!r} is not an age")
    unit = match.group(2).lower().rstrip("s")
    if unit not in _YEARS_PER_UNIT:
        raise RecordError(f"{value!r} has an unknown age unit")
    return round(float(match.group(1)) * _YEARS_PER_UNIT[unit], 6)


_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m", "%B %d, %Y", "%B %Y", "%b %d, %Y", "%b %Y")


def parse_registry_date(value: str | None) -> dt.date | None:
    """API v2 dates are ISO ("2024-09-14" or "2024-09"); the classic API wrote
    "September 14, 2024" or "September 2024". A month alone means its first day."""
    if value is None or not value.strip():
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise RecordError(f"{value!r} is not a date")


def record_sha256(record: dict[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# A parsed site is exactly what matching knows of a site: one type for both.
ParsedSite = Site


@dataclass(frozen=True, slots=True)
class ParsedStudy:
    nct_id: str
    brief_title: str = ""
    official_title: str = ""
    acronym: str | None = None
    overall_status: str | None = None
    phases: list[str] = field(default_factory=list)
    study_type: str | None = None
    conditions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    mesh_terms: list[str] = field(default_factory=list)
    mesh_ancestors: list[str] = field(default_factory=list)
    min_age_years: float | None = None
    max_age_years: float | None = None
    sex: str = "ALL"
    healthy_volunteers: bool | None = None
    eligibility_criteria: str = ""
    brief_summary: str = ""
    lead_sponsor: str | None = None
    last_update_posted: dt.date | None = None
    sites: list[ParsedSite] = field(default_factory=list)
    record_sha256: str = ""


# --- typed access to nested JSON ------------------------------------------------------


def _module(section: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    value = section.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordError(f"{where}.{name} should be an object, got {_type_name(value)}")
    return value


def _text(module: dict[str, Any], key: str, where: str) -> str | None:
    value = module.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{where}.{key} should be text, got {_type_name(value)}")
    return value


def _number(module: dict[str, Any], key: str, where: str) -> float | None:
    value = module.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(f"{where}.{key} should be a number, got {_type_name(value)}")
    return float(value)


def _flag(module: dict[str, Any], key: str, where: str) -> bool | None:
    value = module.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise RecordError(f"{where}.{key} should be true or false, got {_type_name(value)}")
    return value


def _texts(module: dict[str, Any], key: str, where: str) -> list[str]:
    value = module.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RecordError(f"{where}.{key} should be a list of text")
    return list(value)


def _objects(module: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = module.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise RecordError(f"{where}.{key} should be a list of objects")
    return value


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(item.strip() for item in items if item and item.strip()))


# --- the parser ----------------------------------------------------------------------


def study_id(record: Any) -> str | None:
    """The record's id if it can be found, for error messages; never raises."""
    try:
        value = record["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return None
    return value if isinstance(value, str) else None


def parse_study(record: Any) -> ParsedStudy:
    if not isinstance(record, dict):
        raise RecordError(f"a study record should be a JSON object, got {_type_name(record)}")
    protocol = record.get("protocolSection")
    if not isinstance(protocol, dict):
        raise RecordError("no protocolSection object")
    derived = _module(record, "derivedSection", "record")

    ident = _module(protocol, "identificationModule", "protocolSection")
    nct_id = _text(ident, "nctId", "identificationModule")
    if not nct_id:
        raise RecordError("no identificationModule.nctId")
    if not is_valid_trial_id(nct_id):
        raise RecordError(f"nctId {nct_id!r} is neither NCT + 8 digits nor LOCAL-<ID>")

    status = _module(protocol, "statusModule", "protocolSection")
    last_update = _module(status, "lastUpdatePostDateStruct", "statusModule")
    conditions_module = _module(protocol, "conditionsModule", "protocolSection")
    design = _module(protocol, "designModule", "protocolSection")
    eligibility = _module(protocol, "eligibilityModule", "protocolSection")
    description = _module(protocol, "descriptionModule", "protocolSection")
    sponsors = _module(protocol, "sponsorCollaboratorsModule", "protocolSection")
    lead_sponsor = _module(sponsors, "leadSponsor", "sponsorCollaboratorsModule")
    contacts = _module(protocol, "contactsLocationsModule", "protocolSection")
    condition_browse = _module(derived, "conditionBrowseModule", "derivedSection")

    min_age_text = _text(eligibility, "minimumAge", "eligibilityModule")
    max_age_text = _text(eligibility, "maximumAge", "eligibilityModule")
    try:
        min_age = parse_age_years(min_age_text)
        max_age = parse_age_years(max_age_text)
    except RecordError as error:
        raise RecordError(f"eligibilityModule age: {error}") from None
    if min_age is not None and max_age is not None and min_age > max_age:
        raise RecordError(f"minimumAge ({min_age:g} y) is above maximumAge ({max_age:g} y)")

    sex = (_text(eligibility, "sex", "eligibilityModule") or "ALL").upper()
    if sex not in _SEXES:
        raise RecordError(f"eligibilityModule.sex {sex!r} is not ALL, FEMALE or MALE")

    try:
        last_update_posted = parse_registry_date(
            _text(last_update, "date", "lastUpdatePostDateStruct")
        )
    except RecordError as error:
        raise RecordError(f"lastUpdatePostDateStruct.date: {error}") from None

    return ParsedStudy(
        nct_id=nct_id,
        brief_title=_text(ident, "briefTitle", "identificationModule") or "",
        official_title=_text(ident, "officialTitle", "identificationModule") or "",
        acronym=_text(ident, "acronym", "identificationModule"),
        overall_status=_text(status, "overallStatus", "statusModule"),
        phases=_texts(design, "phases", "designModule"),
        study_type=_text(design, "studyType", "designModule"),
        conditions=_unique(_texts(conditions_module, "conditions", "conditionsModule")),
        keywords=_unique(_texts(conditions_module, "keywords", "conditionsModule")),
        mesh_terms=_unique(_mesh_terms(condition_browse, "meshes")),
        mesh_ancestors=_unique(_mesh_terms(condition_browse, "ancestors")),
        min_age_years=min_age,
        max_age_years=max_age,
        sex=sex,
        healthy_volunteers=_flag(eligibility, "healthyVolunteers", "eligibilityModule"),
        eligibility_criteria=_text(eligibility, "eligibilityCriteria", "eligibilityModule") or "",
        brief_summary=_text(description, "briefSummary", "descriptionModule") or "",
        lead_sponsor=_text(lead_sponsor, "name", "leadSponsor"),
        last_update_posted=last_update_posted,
        sites=[_parse_site(location, i) for i, location in enumerate(_objects(contacts, "locations", "contactsLocationsModule"))],
        record_sha256=record_sha256(record),
    )


def _mesh_terms(browse: dict[str, Any], key: str) -> list[str]:
    return [
        _text(item, "term", f"conditionBrowseModule.{key}[]") or ""
        for item in _objects(browse, key, "conditionBrowseModule")
    ]


def _parse_site(location: dict[str, Any], index: int) -> ParsedSite:
    where = f"locations[{index}]"
    geo = _module(location, "geoPoint", where)
    latitude = _number(geo, "lat", f"{where}.geoPoint")
    longitude = _number(geo, "lon", f"{where}.geoPoint")
    if latitude is not None and not -90 <= latitude <= 90:
        raise RecordError(f"{where}.geoPoint.lat {latitude} is out of range")
    if longitude is not None and not -180 <= longitude <= 180:
        raise RecordError(f"{where}.geoPoint.lon {longitude} is out of range")
    # Site contacts: the first one that has any way to reach someone.
    contact: dict[str, Any] = next(
        (c for c in _objects(location, "contacts", where) if c.get("phone") or c.get("email")),
        {},
    )
    return ParsedSite(
        facility=_text(location, "facility", where),
        city=_text(location, "city", where),
        state=_text(location, "state", where),
        zip=_text(location, "zip", where),
        country=_text(location, "country", where),
        status=_text(location, "status", where),
        latitude=latitude,
        longitude=longitude,
        contact_name=_text(contact, "name", f"{where}.contacts[]"),
        contact_phone=_text(contact, "phone", f"{where}.contacts[]"),
        contact_email=_text(contact, "email", f"{where}.contacts[]"),
    )


def search_key(items: list[str]) -> str:
    """``|a|b|`` lower-cased: lets a portable LIKE match whole items or substrings."""
    return "|" + "|".join(item.lower() for item in items) + "|" if items else ""
