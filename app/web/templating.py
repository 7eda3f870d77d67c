"""Jinja2 templates of the pages (``app/templates``), with a few plain-language filters."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from app import __version__
from app.web import views

APP_DIR = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = APP_DIR / "templates"
STATIC_DIR = APP_DIR / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals.update(
    app_version=__version__,
    status_words=views.status_words,
    phase_words=views.phase_words,
    distance_words=views.distance_words,
    verdict_short=views.VERDICT_SHORT,
    verdict_icons=views.VERDICT_ICONS,
    effect_icons=views.EFFECT_ICONS,
    effect_counts=views.effect_counts,
)
CHOICE_WORDS = {
    "active": "Yes, I have it now",
    "history": "I had it in the past",
    "no": "No",
    "yes": "Yes",
    "female": "Female",
    "male": "Male",
    "other": "Other",
    "allogeneic": "Allogeneic (cells from a donor)",
    "autologous": "Autologous (my own cells)",
}


def choice_words(value: str) -> tuple[str, str]:
    """A question's choice as (value, words to show)."""
    return value, CHOICE_WORDS.get(value, value.replace("_", " ").capitalize())


templates.env.globals["BASICS"] = ("age", "sex", "condition", "postal_code", "city", "country", "max_distance_km")
templates.env.filters["choice_words"] = choice_words
templates.env.filters["field_id"] = lambda name: "f-" + "".join(c if c.isalnum() else "-" for c in name)
