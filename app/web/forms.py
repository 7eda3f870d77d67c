"""HTML form fields <-> PatientProfile, with errors in words next to the right field.

Forms post plain strings. The functions here turn them into the data a PatientProfile is
validated from, remembering which form field each profile path came from, so that a
pydantic error (``("conditions", 1, "text")``) is shown next to its input
(``conditions-2-text``). Validation itself is the PatientProfile model's: the pages add no
rules of their own beyond reading numbers and dates out of text.

Nothing here is stored; the state of a questionnaire lives in the page's own fields.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from matching.profile import PatientProfile

ANSWER_PREFIX = "answer:"  # answer:<question id> = the patient's answer, as typed
DATE_PREFIX = "date:"  # date:<question id> = the date part of a yes/no/date answer
TYPE_PREFIX = "qtype:"  # qtype:<question id> = the question's answer type
TEXT_PREFIX = "qtext:"  # qtext:<question id> = the question's wording, to show it again
CHOICES_PREFIX = "qchoices:"  # qchoices:<question id> = its choices, "|"-separated
UNKNOWN = "unknown"  # "I don't know"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

SEXES = ("female", "male", "other")
CONDITION_STATUSES = ("active", "history", "absent")
PROCEDURE_TYPES = {  # form value -> words the matcher reads
    "hsct": "stem cell transplant",
    "radiotherapy": "radiotherapy",
    "chemotherapy": "chemotherapy",
    "surgery": "surgery",
    "transfusion": "blood transfusion",
}
HSCT_SUBTYPES = ("allogeneic", "autologous")
YES_NO_UNKNOWN = ("yes", "no", UNKNOWN)
ROW_KINDS = {"conditions": 2, "procedures": 1, "medications": 1, "labs": 1}  # minimum rows shown


@dataclass
class ParsedForm:
    """A profile (when the form is valid) or the errors by form field name."""

    profile: PatientProfile | None = None
    errors: dict[str, str] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.profile is not None and not self.errors and not self.general_errors


# --- pydantic errors in words -----------------------------------------------------------


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def plain_message(error: Mapping[str, Any]) -> str:
    """A pydantic error as a short sentence a patient can act on."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "finite_number"):
        return "Please enter a number, for example 45."
    if kind == "int_from_float":
        return "Please enter a whole number."
    if kind in ("greater_than_equal", "greater_than"):
        limit = _number(ctx.get("ge", ctx.get("gt")))
        return f"Please enter a number {'of at least' if kind == 'greater_than_equal' else 'above'} {limit}."
    if kind in ("less_than_equal", "less_than"):
        limit = _number(ctx.get("le", ctx.get("lt")))
        return f"Please enter a number {'of at most' if kind == 'less_than_equal' else 'below'} {limit}."
    if kind.startswith("date"):
        return "Please enter a date as year-month-day, for example 2024-03-01."
    if kind == "string_too_long":
        return f"This is too long: at most {ctx.get('max_length')} characters."
    if kind == "too_long":
        return f"Too many entries: at most {ctx.get('max_length')}."
    if kind in ("literal_error", "enum"):
        return "Please choose one of the options."
    if kind in ("bool_parsing", "bool_type"):
        return "Please answer yes or no."
    message = str(error.get("msg", "This value is not valid."))
    return message.removeprefix("Value error, ").rstrip(".") + "."


def validate(data: dict, field_of: Mapping[tuple, str]) -> ParsedForm:
    """Validate ``data`` as a PatientProfile; map each error to its form field."""
    try:
        return ParsedForm(profile=PatientProfile.model_validate(data))
    except ValidationError as exc:
        parsed = ParsedForm()
        for error in exc.errors():
            name = field_for(tuple(error["loc"]), field_of)
            message = plain_message(error)
            if name is None:
                parsed.general_errors.append(message)
            else:
                parsed.errors.setdefault(name, message)
        return parsed


def field_for(loc: tuple, field_of: Mapping[tuple, str]) -> str | None:
    """The form field for a pydantic error location: the longest known prefix."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in field_of:
            return field_of[loc[:end]]
    return None


# --- small readers ----------------------------------------------------------------------


def text(form: Mapping[str, str], name: str) -> str:
    return (form.get(name) or "").strip()


def optional(value: str) -> str | None:
    return value or None


def answer_value(raw: str, answer_type: str, date_part: str = "") -> tuple[Any, str | None]:
    """A typed answer from what the form posted, or an error in words.

    "" and "unknown" are "I don't know" (None: the question counts as asked, the fact stays
    unknown). Yes/no -> bool; numbers -> float; a date question takes no, yes, or a date.
    """
    raw, date_part = raw.strip(), date_part.strip()
    if answer_type == "date" and date_part:
        if not _ISO_DATE.match(date_part):
            return None, "Please enter a date as year-month-day, for example 2024-03-01."
        try:
            dt.date.fromisoformat(date_part)
        except ValueError:
            return None, "This date does not exist; please check it."
        return date_part, None
    if raw.lower() in ("", UNKNOWN):
        return None, None
    if answer_type in ("yes_no", "date"):
        lowered = raw.lower()
        if lowered in ("yes", "true"):
            return True, None
        if lowered in ("no", "false"):
            return False, None
        return None, "Please answer yes, no, or I don't know."
    if answer_type == "number":
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            return None, "Please enter a number, or choose I don't know."
        if number != number or number in (float("inf"), float("-inf")):
            return None, "Please enter a number, or choose I don't know."
        return number, None
    return raw[:500], None


@dataclass(frozen=True)
class Answer:
    """A question the patient has answered (or said "I don't know" to), for the page."""

    id: str
    text: str
    answer_type: str
    raw: str  # as posted: "yes", "no", "unknown", "12", "2024-03-01", "active" ...
    date: str = ""
    choices: tuple[str, ...] = ()


def answered_questions(form: Mapping[str, str]) -> list[Answer]:
    """Every ``answer:<id>`` field in the form, in the order posted."""
    answers = []
    for key in form:
        if key.startswith(ANSWER_PREFIX) or key.startswith(DATE_PREFIX):
            qid = key.split(":", 1)[1]
            if not qid or any(a.id == qid for a in answers):
                continue
            answers.append(Answer(
                id=qid,
                text=text(form, TEXT_PREFIX + qid) or qid,
                answer_type=text(form, TYPE_PREFIX + qid) or "text",
                raw=text(form, ANSWER_PREFIX + qid),
                date=text(form, DATE_PREFIX + qid),
                choices=tuple(c for c in text(form, CHOICES_PREFIX + qid).split("|") if c),
            ))
    return answers


def _answers_data(answers: list[Answer], data: dict, field_of: dict, errors: dict) -> None:
    values = {}
    for answer in answers:
        value, error = answer_value(answer.raw, answer.answer_type, answer.date)
        name = ANSWER_PREFIX + answer.id
        if error:
            errors[name] = error
        values[answer.id] = value
        field_of[("answers", answer.id)] = name
    if values:
        data["answers"] = values
    field_of[("answers",)] = "answers"


def _location(form: Mapping[str, str], data: dict, field_of: dict) -> None:
    names = ("postal_code", "city", "country", "max_distance_km")
    values = {name: text(form, name) for name in names}
    for name in names:
        field_of[("location", name)] = name
    field_of[("location",)] = "city"
    if any(values.values()):
        data["location"] = {name: value for name, value in values.items() if value}


def _sex(form: Mapping[str, str], data: dict, field_of: dict) -> None:
    field_of[("sex",)] = "sex"
    sex = text(form, "sex")
    if sex and sex != UNKNOWN:
        data["sex"] = sex


# --- the patient questionnaire ------------------------------------------------------------


def parse_patient(form: Mapping[str, str]) -> ParsedForm:
    """The questionnaire's fields (first questions + answers so far) -> a profile."""
    data: dict[str, Any] = {}
    field_of: dict[tuple, str] = {("age_years",): "age", ("conditions",): "condition"}
    errors: dict[str, str] = {}
    if age := text(form, "age"):
        data["age_years"] = age
    _sex(form, data, field_of)
    if condition := text(form, "condition"):
        data["conditions"] = [{"text": condition}]
        field_of[("conditions", 0)] = "condition"
    _location(form, data, field_of)
    _answers_data(answered_questions(form), data, field_of, errors)
    parsed = validate(data, field_of)
    for name, message in errors.items():
        parsed.errors.setdefault(name, message)
    if parsed.errors:
        parsed.profile = None
    return parsed


def with_dont_know(form: Mapping[str, str]) -> dict[str, str]:
    """The posted form, where an "I don't know" button overrides its question's input."""
    values = dict(form)
    skipped = text(form, "dont_know")
    if skipped:
        values[ANSWER_PREFIX + skipped] = UNKNOWN
        values.pop(DATE_PREFIX + skipped, None)
    values.pop("dont_know", None)
    return values


# --- the clinician's structured profile ---------------------------------------------------


def row_indices(form: Mapping[str, str], kind: str) -> list[int]:
    """Row numbers present in the form for ``kind`` ("conditions-3-text" -> 3), sorted."""
    pattern = re.compile(rf"^{kind}-(\d+)-")
    found = {int(m.group(1)) for key in form if (m := pattern.match(key))}
    return sorted(i for i in found if i < 200)


def rows_to_show(form: Mapping[str, str], kind: str, minimum: int) -> int:
    """How many rows of a repeated group to render: every row posted, one empty, at least ``minimum``."""
    filled = [i for i in row_indices(form, kind)
              if any(form.get(k, "").strip() for k in form if k.startswith(f"{kind}-{i}-")
                     and not k.endswith(("-status", "-unit")))]
    return max(minimum, (max(filled) + 2) if filled else 0)


def rows(form: Mapping[str, str], kind: str, names: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Filled rows of a repeated group: (row number, {name: value})."""
    found = []
    for i in row_indices(form, kind):
        values = {name: text(form, f"{kind}-{i}-{name}") for name in names}
        if any(v for k, v in values.items() if k not in ("status", "unit")):
            found.append((i, values))
    return found


def _conditions(form, data, field_of):
    items = []
    for i, row in rows(form, "conditions", ("text", "status")):
        k = len(items)
        field_of[("conditions", k)] = f"conditions-{i}-text"
        field_of[("conditions", k, "status")] = f"conditions-{i}-status"
        status = row["status"] or "active"
        item: dict[str, Any] = {"text": optional(row["text"])}
        if status == "absent":
            item["present"] = False
        else:
            item["status"] = status
        items.append(item)
    if items:
        data["conditions"] = items


def _procedures(form, data, field_of, errors):
    items = []
    for i, row in rows(form, "procedures", ("type", "text", "subtype", "site", "date")):
        k = len(items)
        field_of[("procedures", k)] = f"procedures-{i}-text"
        for name in ("subtype", "site", "date"):
            field_of[("procedures", k, name)] = f"procedures-{i}-{name}"
        words = row["text"] or PROCEDURE_TYPES.get(row["type"], "")
        if not words:
            errors[f"procedures-{i}-text"] = "Please choose a type or describe the procedure."
            continue
        items.append({"text": words, "subtype": optional(row["subtype"]),
                      "site": optional(row["site"]), "date": optional(row["date"])})
    if items:
        data["procedures"] = items


def _medications(form, data, field_of, errors):
    items = []
    for i, row in rows(form, "medications", ("text", "dose", "unit")):
        k = len(items)
        field_of[("medications", k)] = f"medications-{i}-text"
        field_of[("medications", k, "dose")] = f"medications-{i}-dose"
        field_of[("medications", k, "unit")] = f"medications-{i}-unit"
        if not row["text"]:
            errors[f"medications-{i}-text"] = "Please name the medicine."
            continue
        items.append({"text": row["text"], "dose": optional(row["dose"]), "unit": optional(row["unit"])})
    if items:
        data["medications"] = items


def _labs(form, data, field_of, errors):
    items = []
    for i, row in rows(form, "labs", ("analyte", "value", "unit", "date")):
        k = len(items)
        for name in ("analyte", "value", "unit", "date"):
            field_of[("labs", k, name)] = f"labs-{i}-{name}"
        field_of[("labs", k)] = f"labs-{i}-analyte"
        if not row["value"]:
            errors[f"labs-{i}-value"] = "Please enter the result."
            continue
        items.append({"analyte": row["analyte"], "value": row["value"], "unit": row["unit"],
                      "date": optional(row["date"])})
    if items:
        data["labs"] = items


def _flag(form, data, field_of, name: str) -> None:
    field_of[(name,)] = name
    value = text(form, name)
    if value in ("yes", "no"):
        data[name] = value == "yes"


def parse_screening(form: Mapping[str, str]) -> ParsedForm:
    """The clinician's structured form -> a profile, or errors by field."""
    data: dict[str, Any] = {}
    field_of: dict[tuple, str] = {("age_years",): "age", ("ecog",): "ecog"}
    errors: dict[str, str] = {}
    if age := text(form, "age"):
        data["age_years"] = age
    _sex(form, data, field_of)
    _conditions(form, data, field_of)
    _procedures(form, data, field_of, errors)
    _medications(form, data, field_of, errors)
    _labs(form, data, field_of, errors)
    for name in ("pregnant", "breastfeeding", "can_consent"):
        _flag(form, data, field_of, name)
    if (ecog := text(form, "ecog")) and ecog != UNKNOWN:
        data["ecog"] = ecog
    _location(form, data, field_of)
    if text(form, "absent_means_no"):
        data["absent_means_no"] = True
    parsed = validate(data, field_of)
    for name, message in errors.items():
        parsed.errors.setdefault(name, message)
    if parsed.errors:
        parsed.profile = None
    return parsed


def merge_note_profile(note_profile: PatientProfile, form_profile: PatientProfile) -> ParsedForm:
    """The note's profile with the form's entries on top: the form's single values win,
    its list entries are added to the note's. Both were valid alone, so an error here is
    about the two together (e.g. a man who is pregnant) and is shown above the form."""
    merged = note_profile.model_dump(mode="json", exclude_defaults=True)
    for key, value in form_profile.model_dump(mode="json", exclude_defaults=True).items():
        if isinstance(value, list):
            merged[key] = list(merged.get(key, [])) + value
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return validate(merged, {})


# --- a profile carried in one hidden field (printable view) -----------------------------------


def profile_to_field(profile: PatientProfile) -> str:
    return profile.model_dump_json(exclude_defaults=True)


def profile_from_field(raw: str) -> PatientProfile | None:
    try:
        return PatientProfile.model_validate(json.loads(raw))
    except (ValueError, TypeError):
        return None
