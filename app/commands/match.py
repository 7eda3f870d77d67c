"""`eligo match PROFILE.json`: rank the stored trials for a patient profile.

The file holds a PatientProfile, or a whole ``POST /v1/match`` request body (``{"profile":
{...}, "as_of": ...}``). Prints a ranked table and the next questions, or the API's JSON
with ``--json``. The profile is not stored or logged.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from pydantic import ValidationError

from app.commands._common import console


def read_profile(path: Path):
    """(profile, as_of from the file or None, statuses from the file or None)."""
    from app.api.match_models import MatchRequest
    from app.api.routes.match import unreadable_lab_units
    from app.match_service import with_answers
    from matching.profile import PatientProfile

    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "profile" in data:
        request = MatchRequest.model_validate(data)
        if request.profile is None:
            raise ValueError("the request has no `profile` (notes and FHIR go through the API)")
        profile, as_of, statuses = with_answers(request.profile, request.answers), request.as_of, request.statuses
    else:
        profile, as_of, statuses = PatientProfile.model_validate(data), None, None
    if problems := unreadable_lab_units(profile):
        raise ValueError("; ".join(f"labs[{p['loc'][3]}].unit: {p['msg']}" for p in problems))
    return profile, as_of, statuses


def describe_errors(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'profile'}: {e['msg']}" for e in error.errors()[:10])


def print_table(result) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Console(highlight=False, markup=False)  # stdout; trial text may contain [brackets]
    table = Table(title=f"{result.total} trials ({result.counts['eligible']} eligible, "
                        f"{result.counts['possibly_eligible']} possibly, {result.counts['ineligible']} ineligible) "
                        f"as of {result.meta.as_of}")
    for column in ("#", "verdict", "trial", "title", "relevance", "settled", "km", "why"):
        table.add_column(column, overflow="fold", no_wrap=column in ("#", "trial"))
    for rank, trial in enumerate(result.trials, start=1):
        distance = trial.score.distance_km
        table.add_row(str(rank), trial.verdict.replace("_", " "), trial.nct_id, trial.title[:70],
                      f"{trial.score.relevance:.2f}", f"{trial.score.settled_share:.0%}",
                      "" if distance is None else f"{distance:.0f}", trial.verdict_reason[:160])
    out.print(table)
    if result.questions:
        out.print("Next questions:")
        for question in result.questions:
            out.print(f"  [{question.id}] {question.text} ({question.answer_type}; {question.trials} trials)",
                      soft_wrap=True)
    out.print(f"{result.meta.candidates_evaluated} of {result.meta.candidates_considered} candidates evaluated")


def register(cli: typer.Typer) -> None:
    @cli.command("match")
    def match(
        profile_file: Path = typer.Argument(..., metavar="PROFILE.json", help="A patient profile (JSON)."),
        as_of: str = typer.Option(None, "--as-of", help="Date windows count back from (default today)."),
        limit: int = typer.Option(20, "--limit", min=0, max=1000, help="Trials to show."),
        status: list[str] = typer.Option(None, "--status", help="Recruitment status, repeatable "
                                                                "(default RECRUITING, NOT_YET_RECRUITING)."),
        as_json: bool = typer.Option(False, "--json", help="Print the POST /v1/match response as JSON."),
    ) -> None:
        """Rank the stored trials for a patient profile."""
        from app.commands._common import open_database
        from app.match_service import match_profile

        if not profile_file.is_file():
            console.print(f"[red]not a file:[/red] {profile_file}")
            raise typer.Exit(2)
        try:
            profile, file_as_of, file_statuses = read_profile(profile_file)
            day = dt.date.fromisoformat(as_of) if as_of else file_as_of
        except ValidationError as error:
            console.print(f"[red]not a valid profile:[/red] {profile_file}: {describe_errors(error)}", soft_wrap=True)
            raise typer.Exit(2) from None
        except ValueError as error:  # bad JSON, bad date, unreadable unit
            console.print(f"[red]cannot read {profile_file}:[/red] {error}", soft_wrap=True)
            raise typer.Exit(2) from None
        settings, engine, factory = open_database()
        try:
            with factory() as session:
                result = match_profile(session, profile, as_of=day, statuses=status or file_statuses,
                                       limit=limit, candidate_limit=settings.match_candidate_limit)
        finally:
            engine.dispose()
        if as_json:
            typer.echo(result.model_dump_json(indent=2))
        else:
            print_table(result)
