from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query

from app.api.deps import SessionDep
from app.api.schemas import RulesOut, SiteOut, TrialBrief, TrialDetail, TrialPage
from app.ctgov import is_valid_trial_id
from app.models import Trial
from app.repository import TrialFilters, get_trial, list_trials, trial_url
from app.rules import is_stale

router = APIRouter(prefix="/v1/trials", tags=["trials"])

TrialId = Annotated[
    str,
    Path(
        min_length=4,
        max_length=64,
        description="NCT id (NCT + 8 digits) or a local id (LOCAL-...)",
        examples=["NCT06599346", "LOCAL-RIOM-0001"],
    ),
]


def _brief(trial: Trial) -> TrialBrief:
    brief = TrialBrief.model_validate(trial)
    return brief.model_copy(update={"site_count": len(trial.sites), "url": trial_url(trial.nct_id)})


def _found(session, nct_id: str) -> Trial:
    if not is_valid_trial_id(nct_id):
        raise HTTPException(422, detail=f"{nct_id!r} is not a trial id (NCT12345678 or LOCAL-...)")
    trial = get_trial(session, nct_id)
    if trial is None:
        raise HTTPException(404, detail=f"no trial {nct_id}")
    return trial


@router.get("", response_model=TrialPage)
def search_trials(
    session: SessionDep,
    status: Annotated[list[str], Query(description="Overall status, repeatable (RECRUITING ...)")] = [],
    phase: Annotated[list[str], Query(description="Phase, repeatable (PHASE1, PHASE2 ...)")] = [],
    condition: Annotated[str | None, Query(max_length=200, description="Text in a condition, keyword or MeSH term")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in id, titles, conditions, keywords")] = None,
    sex: Annotated[Literal["FEMALE", "MALE", "female", "male"] | None, Query(description="Trials accepting this sex")] = None,
    age: Annotated[float | None, Query(ge=0, le=130, description="Trials whose age range includes this age (years)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> TrialPage:
    filters = TrialFilters(
        statuses=tuple(status), phases=tuple(p.upper() for p in phase),
        condition=condition, q=q, sex=sex, age=age,
    )
    total, trials = list_trials(session, filters, limit=limit, offset=offset)
    return TrialPage(total=total, limit=limit, offset=offset, items=[_brief(t) for t in trials])


@router.get("/{nct_id}", response_model=TrialDetail)
def read_trial(nct_id: TrialId, session: SessionDep) -> TrialDetail:
    trial = _found(session, nct_id)
    brief = _brief(trial)
    return TrialDetail(
        **brief.model_dump(),
        official_title=trial.official_title,
        acronym=trial.acronym,
        keywords=trial.keywords,
        mesh_terms=trial.mesh_terms,
        mesh_ancestors=trial.mesh_ancestors,
        eligibility_criteria=trial.eligibility_criteria,
        brief_summary=trial.brief_summary,
        lead_sponsor=trial.lead_sponsor,
        last_update_posted=trial.last_update_posted,
        source=trial.source,
        updated_at=trial.updated_at,
        sites=[SiteOut.model_validate(site) for site in trial.sites],
        rules_compiled=trial.rules is not None,
    )


@router.get("/{nct_id}/rules", response_model=RulesOut)
def read_trial_rules(nct_id: TrialId, session: SessionDep) -> RulesOut:
    """The compiled RuleSet of a trial, as stored (run `eligo recompile` if stale)."""
    trial = _found(session, nct_id)
    if trial.rules is None:
        raise HTTPException(404, detail=f"{nct_id} has no compiled rules yet (run `eligo recompile`)")
    return RulesOut(
        nct_id=trial.nct_id,
        compiler_version=trial.rules.compiler_version,
        compiled_at=trial.rules.compiled_at,
        stale=is_stale(trial),
        ruleset=trial.rules.ruleset,
    )
