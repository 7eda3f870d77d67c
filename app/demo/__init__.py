"""Demo trials shipped with Eligo: the five seed trials written by hand as
ClinicalTrials.gov API v2 records (facts from their public pages). Loaded into an empty
database at start so a fresh install has something to match against.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.importer import ImportReport, import_records
from app.models import Trial
from app.sources import iter_json_document

DEMO_DIR = Path(__file__).parent


def demo_paths() -> list[Path]:
    return sorted(DEMO_DIR.glob("*.json"))


def load_demo(factory: sessionmaker[Session], *, compile_rules: bool = True) -> ImportReport:
    records = (record for path in demo_paths() for record in iter_json_document(path))
    return import_records(
        factory,
        records,
        kind="demo",
        source=str(DEMO_DIR),
        source_kind="demo",
        compile_rules=compile_rules,
    )


def load_demo_if_empty(factory: sessionmaker[Session], **kwargs) -> ImportReport | None:
    with factory() as session:
        if session.scalar(select(func.count()).select_from(Trial)):
            return None
    return load_demo(factory, **kwargs)
