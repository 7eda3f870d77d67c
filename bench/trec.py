"""TREC Clinical Trials-style ranking quality: NDCG@10 and P@10 against plain BM25.

``eligo bench trec --data DIR`` or ``python -m bench.trec --data DIR``.

DIR holds ``topics.jsonl`` (``id``, ``text``), ``qrels.tsv`` (query-id, corpus-id,
score: 2 eligible, 1 excluded, 0 not relevant; a header line is optional) and
``trials.jsonl`` (ClinicalTrials.gov API v2 records). The trials are imported with the
real importer into a fresh temporary SQLite database (so rules are compiled as in
production) and loaded back as matching sees them. Each topic is extracted with the note
extractor and matched against its judged trials only, with every status allowed (the
trials are old), its text relevance using the whole corpus's word statistics (as a
service's catalog does), the note's condition and procedure words and, at a fifth of
their weight, the note's other words (as ``POST /v1/match`` with a note does). Judged trials the engine drops (registry age or sex limits) or that
are missing from ``trials.jsonl`` go to the bottom of the ranking.

Metrics over the judged trials: NDCG@10 with gains 0/1/2 (linear, log2 discount, ideal
from all of the topic's judgements) and P@10 counting only "eligible" (2), dividing by
10 as trec_eval does. Plain BM25 (title + conditions + criteria, queried with the topic
text) is scored in the same run. The error breakdown classifies, by error type, the pairs
the system ranks in the top 10 above a better-judged trial, and the relevant pairs it
ranks below a trial judged not relevant (see :func:`classify`).

Last line: ``ndcg@10=... p@10=... bm25_ndcg@10=... bm25_p@10=... topics=...``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.data_files import BenchDataError, read_json_objects, write_json_objects

K = 10
ELIGIBLE = 2
# Every API v2 overallStatus: the judged trials are old, so none may be filtered out.
ALL_STATUSES = (
    "RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING", "COMPLETED",
    "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
)
DEFAULT_AS_OF = dt.date(2021, 6, 1)  # TREC 2021 topics were written then; dates count back from it




# --------------------------------------------------------------------------- metrics


def dcg(gains: list[float], k: int = K) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains[:k]))


def ndcg_at_k(ranked: list[str], judged: dict[str, int], k: int = K) -> float:
    """NDCG@k of a ranking; unjudged ids gain 0; the ideal orders all judgements."""
    ideal = dcg(sorted(judged.values(), reverse=True), k)
    if ideal <= 0:
        return 0.0
    return dcg([judged.get(doc, 0) for doc in ranked], k) / ideal


def precision_at_k(ranked: list[str], judged: dict[str, int], k: int = K, level: int = ELIGIBLE) -> float:
    """Share of the top k judged at ``level`` or above; always divided by k (trec_eval)."""
    return sum(1 for doc in ranked[:k] if judged.get(doc, 0) >= level) / k


# --------------------------------------------------------------------------- reading


def read_topics(path: Path) -> list[tuple[str, str]]:
    topics = []
    for number, record in read_json_objects(path):
        topic_id, text = (record.get("id") or record.get("_id")), record.get("text")
        if not isinstance(topic_id, (str, int)) or not isinstance(text, str):
            raise BenchDataError(f"{path}:{number}: a topic needs 'id' and 'text'")
        topics.append((str(topic_id), text))
    return topics


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            cells = line.rstrip("\n").split("\t") if "\t" in line else line.split()
            if not cells or not line.strip():
                continue
            if len(cells) == 4:  # trec_eval layout: query 0 doc score
                cells = [cells[0], cells[2], cells[3]]
            if len(cells) != 3:
                raise BenchDataError(f"{path}:{number}: expected query-id, corpus-id, score")
            try:
                score = int(cells[2])
            except ValueError:
                if number == 1:
                    continue  # header
                raise BenchDataError(f"{path}:{number}: score {cells[2]!r} is not a number") from None
            qrels[cells[0]][cells[1]] = score
    return dict(qrels)


# --------------------------------------------------------------------------- trials


@dataclass
class Corpus:
    summaries: dict  # nct_id -> TrialSummary (as loaded from the database)
    texts: dict[str, str]  # nct_id -> title + conditions + criteria, for BM25
    import_failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def load_corpus(trials_path: Path) -> Corpus:
    """Import with the real importer into a throw-away SQLite file; load back."""
    from app import migrate
    from app.ctgov import RecordError, parse_study
    from app.db import make_engine, make_session_factory
    from app.importer import import_records
    from app.repository import load_trial_summaries
    from app.sources import iter_path

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="eligo-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            factory = make_session_factory(engine)
            report = import_records(factory, iter_path(trials_path), kind="import", source=str(trials_path),
                                    compile_rules=True)
            with factory() as session:
                summaries = {t.nct_id: t for t in load_trial_summaries(session)}
        finally:
            engine.dispose()
    failures = [issue.describe() for issue in report.errors] + [f"{n}: {r}" for n, r in report.compile_failures]
    texts = {}
    for record in iter_path(trials_path):
        if record.error is not None:
            continue
        try:
            study = parse_study(record.payload)
        except RecordError:
            continue
        texts[study.nct_id] = "\n".join(
            p for p in (study.brief_title, study.official_title, *study.conditions, study.eligibility_criteria) if p)
    return Corpus(summaries, texts, failures, time.perf_counter() - started)


# --------------------------------------------------------------------------- ranking


@dataclass
class Ranked:
    """One judged trial as the system placed it, with what the error analysis needs."""

    nct_id: str
    verdict: str  # eligible | possibly_eligible | ineligible | filtered | missing
    relevance: float = 0.0
    bm25: float = 0.0
    settled_share: float = 0.0
    unknown: int = 0
    total: int = 0
    blocking: list[str] = field(default_factory=list)  # atom types (or registry fields) that ruled out
    # for the hybrid ranking: inclusion/exclusion-side BM25 (0..1) and the verdict's parts
    # when silence may only help the patient (see silence_safe_parts)
    text_inclusion: float = 0.0
    text_exclusion: float = 0.0
    inclusions_met: int = 0
    inclusion_not_met: bool = False
    exclusion_triggered: bool = False
    # the engine's score parts (matching.results.ScoreParts), for the error analysis
    score: float = 0.0
    text_relevance: float = 0.0
    concept_relevance: float = 0.0
    concepts_compared: bool = True


def _criterion_index(trial) -> dict:
    from criteria_rules.ir import iter_criteria

    from matching.packed_rules import rules_of

    rules = rules_of(trial)
    return {c.id: c for c in iter_criteria(rules.criteria)} if rules is not None else {}


def _blocking_types(match, trial) -> list[str]:
    from criteria_rules.ir import iter_atoms

    index = _criterion_index(trial)
    kinds = []

    def visit(result):
        blocking = (result.kind == "inclusion" and result.outcome == "not_met") or (
            result.kind == "exclusion" and result.outcome == "met")
        if not blocking:
            return
        if result.id.startswith("registry-"):
            kinds.append(result.id)
            return
        criterion = index.get(result.id)
        types = sorted({a.type for a in iter_atoms(criterion.expr)}) if criterion is not None else []
        kinds.append(f"{result.kind}:{'+'.join(types) or 'children'}")
        for child in result.children:
            visit(child)

    for result in match.criteria:
        visit(result)
    return kinds


def silence_safe_parts(trial, silent_no, silent_unknown) -> tuple[int, bool, bool]:
    """(inclusions met, an inclusion not met, an exclusion triggered) when what a note does
    not mention may clear a rule but never fail one: an inclusion fails only if it fails
    without the absent-means-no reading; everything else uses the note protocol."""
    from matching.evaluate import evaluate_trial

    strict = evaluate_trial(trial, silent_no.profile, silent_no.as_of, facts=silent_no).criteria
    lenient = {c.id: c.outcome for c in evaluate_trial(trial, silent_unknown.profile, silent_unknown.as_of,
                                                        facts=silent_unknown).criteria}
    inclusions = [c for c in strict if c.kind == "inclusion" and not c.id.startswith("registry-")]
    met = sum(1 for c in inclusions if c.outcome == "met")
    not_met = any(c.kind == "inclusion" and lenient.get(c.id) == "not_met" for c in strict)
    triggered = any(c.kind == "exclusion" and c.outcome == "met" for c in strict)
    return met, not_met, triggered


def rank_topic(profile, judged_ids: list[str], corpus: Corpus, bm25_scores: dict[str, float], as_of: dt.date,
               statuses: tuple[str, ...], text_scores: tuple[dict, dict] | None = None, *, text_index=None,
               query_text: str | None = None, context_text: str | None = None) -> list[Ranked]:
    """The engine's order over the judged trials; dropped and missing trials last."""
    from matching.engine import match_trials
    from matching.facts import PatientFacts

    trials = [corpus.summaries[n] for n in judged_ids if n in corpus.summaries]
    result = match_trials(profile, trials, as_of=as_of, statuses=statuses, include_healthy_volunteer_trials=True,
                          limit=max(1, len(trials)), max_questions=0, text_index=text_index, query_text=query_text,
                          context_text=context_text)
    by_id = {t.nct_id: t for t in trials}
    silent_no = PatientFacts(profile.model_copy(update={"absent_means_no": True}), as_of)
    silent_unknown = PatientFacts(profile.model_copy(update={"absent_means_no": False}), as_of)
    inc_text, exc_text = text_scores or ({}, {})
    ranked = []
    for match in result.trials:
        met, not_met, triggered = silence_safe_parts(by_id[match.nct_id], silent_no, silent_unknown)
        ranked.append(Ranked(match.nct_id, match.verdict, match.score.relevance, bm25_scores.get(match.nct_id, 0.0),
                             match.score.settled_share, match.summary.unknown, match.summary.total,
                             _blocking_types(match, by_id[match.nct_id]),
                             inc_text.get(match.nct_id, 0.0), exc_text.get(match.nct_id, 0.0), met, not_met, triggered,
                             match.score.score, match.score.text_relevance, match.score.concept_relevance,
                             match.score.concepts_compared))
    seen = {r.nct_id for r in ranked}
    for nct_id in sorted(n for n in judged_ids if n not in seen):
        ranked.append(Ranked(nct_id, "filtered" if nct_id in by_id else "missing",
                             bm25=bm25_scores.get(nct_id, 0.0),
                             blocking=["registry-age/sex"] if nct_id in by_id else []))
    return ranked


_TIER = {"eligible": 2, "possibly_eligible": 1, "ineligible": 0, "filtered": -1, "missing": -2}


def hybrid_order(ranked: list[Ranked]) -> list[Ranked]:
    """Experimental: ``matching.text_relevance.hybrid_score`` (inclusion-side BM25 and
    concept relevance, softened by the silence-safe verdict); dropped/missing trials last."""
    from matching.text_relevance import hybrid_score

    def key(r: Ranked):
        gone = r.verdict in ("filtered", "missing")
        score = hybrid_score(inclusion_text=r.text_inclusion, exclusion_text=r.text_exclusion,
                             concept_relevance=r.relevance, inclusions_met=r.inclusions_met,
                             inclusion_not_met=r.inclusion_not_met, exclusion_triggered=r.exclusion_triggered)
        return (gone, -score, r.nct_id)

    return sorted(ranked, key=key)


# --------------------------------------------------------------------------- error analysis


WEAK_TEXT = 0.3  # text relevance below this: the trial's words for the disease are not the note's


def classify(r: Ranked, gold: int, high: bool, worse_above: list[Ranked] = ()) -> str:
    """Why a pair is misplaced. ``high``: in the top 10 above a better-judged trial (judged 0
    above a relevant one, or 1 above an eligible one). Otherwise a relevant pair (1 or 2)
    below a not-relevant one, ``worse_above`` being the not-relevant trials above it."""
    if high:
        if gold == 0:
            if r.verdict == "eligible":
                return "not relevant above relevant: verdict eligible (tier 2) though off topic"
            if r.concepts_compared and r.concept_relevance >= 0.8:
                return "not relevant above relevant: names the patient's disease, but another population, stage or subtype"
            if r.concepts_compared and r.concept_relevance > 0:
                return "not relevant above relevant: a secondary condition or a broader term in its topic fields"
            return "not relevant above relevant: its text shares the note's secondary words (symptoms, history, procedures)"
        if r.verdict == "ineligible":
            return "excluded above eligible: ruled out, but more relevant than the eligible trial"
        if r.verdict == "eligible":
            return "excluded above eligible: verdict eligible (the excluding criterion missed)"
        return "excluded above eligible: the excluding criterion came out unknown"
    label = "eligible" if gold == ELIGIBLE else "excluded"
    if r.verdict == "missing":
        return f"{label} below not relevant: trial not in trials.jsonl"
    if r.verdict == "filtered":
        return f"{label} below not relevant: dropped by the registry age/sex filter"
    if r.score < r.relevance and any(r.relevance > w.score for w in worse_above):
        first = r.blocking[0] if r.blocking else "?"
        kind = "registry limit" if first.startswith("registry-") else first.partition(":")[0]
        return f"{label} below not relevant: ruled out (by an {kind}), relevance alone would place it higher"
    if r.text_relevance < WEAK_TEXT:
        return f"{label} below not relevant: weak text match (the note's words for the disease are not the trial's)"
    return f"{label} below not relevant: on topic, but scored below off-topic trials"


@dataclass
class TopicResult:
    topic_id: str
    ndcg: float
    p10: float
    bm25_ndcg: float
    bm25_p10: float
    hybrid_ndcg: float
    hybrid_p10: float
    ranked: list[Ranked]
    bm25_ranked: list[str]


@dataclass
class TrecReport:
    topics: list[TopicResult]
    qrels: dict[str, dict[str, int]]
    corpus: Corpus
    seconds: float = 0.0
    skipped_topics: list[str] = field(default_factory=list)

    def mean(self, name: str) -> float:
        return sum(getattr(t, name) for t in self.topics) / len(self.topics) if self.topics else 0.0

    def errors(self) -> list[tuple[str, TopicResult, Ranked, int, int]]:
        """(category, topic, pair, gold, rank) for each misplaced pair: a top-10 pair judged
        0/1 with a better-judged trial below it, and a relevant pair (1 or 2) with a trial
        judged not relevant above it (a pair may be both)."""
        found = []
        for topic in self.topics:
            judged = self.qrels[topic.topic_id]
            golds = [judged.get(r.nct_id, 0) for r in topic.ranked]
            for position, (r, gold) in enumerate(zip(topic.ranked, golds), start=1):
                below = golds[position:]
                worse_above = [a for a, g in zip(topic.ranked[: position - 1], golds) if g == 0]
                if position <= K and gold < ELIGIBLE and any(g > gold for g in below):
                    found.append((classify(r, gold, True), topic, r, gold, position))
                if gold > 0 and worse_above:
                    found.append((classify(r, gold, False, worse_above), topic, r, gold, position))
        return found


def run(data: Path, *, as_of: dt.date = DEFAULT_AS_OF, progress=None) -> TrecReport:
    from matching.note import extract_profile
    from matching.text_relevance import BM25Index, EligibilityTextIndex, TermIndex, note_query_text

    for name in ("topics.jsonl", "qrels.tsv", "trials.jsonl"):
        if not (data / name).is_file():
            raise BenchDataError(f"{data}: {name} is missing")
    started = time.perf_counter()
    topics = read_topics(data / "topics.jsonl")
    qrels = read_qrels(data / "qrels.tsv")
    corpus = load_corpus(data / "trials.jsonl")
    index = BM25Index.build(corpus.texts)
    sides = EligibilityTextIndex.build(corpus.summaries.values())
    # the collection's word statistics, as a service's catalog holds them
    text_index = TermIndex(sorted(corpus.summaries.values(), key=lambda t: t.nct_id))
    statuses = tuple(sorted(set(ALL_STATUSES) | {t.overall_status for t in corpus.summaries.values()
                                                  if t.overall_status}))
    results, skipped = [], []
    for topic_id, text in topics:
        judged = qrels.get(topic_id)
        if not judged:
            skipped.append(topic_id)
            continue
        ids = sorted(judged)
        bm25 = index.scores(text, ids)
        bm25_ranked = sorted(ids, key=lambda n: (-bm25[n], n))
        extracted = extract_profile(text, as_of=as_of)
        ranked = rank_topic(extracted.profile, ids, corpus, bm25, as_of, statuses, sides.scores(text, ids),
                            text_index=text_index, query_text=note_query_text(extracted.facts),
                            context_text=text)
        order = [r.nct_id for r in ranked]
        hybrid = [r.nct_id for r in hybrid_order(ranked)]
        results.append(TopicResult(topic_id, ndcg_at_k(order, judged), precision_at_k(order, judged),
                                   ndcg_at_k(bm25_ranked, judged), precision_at_k(bm25_ranked, judged),
                                   ndcg_at_k(hybrid, judged), precision_at_k(hybrid, judged), ranked, bm25_ranked))
        if progress is not None:
            progress()
    return TrecReport(results, qrels, corpus, time.perf_counter() - started, skipped)


# --------------------------------------------------------------------------- output


def summary_line(report: TrecReport) -> str:
    return (f"ndcg@10={report.mean('ndcg'):.4f} p@10={report.mean('p10'):.4f} "
            f"bm25_ndcg@10={report.mean('bm25_ndcg'):.4f} bm25_p@10={report.mean('bm25_p10'):.4f} "
            f"topics={len(report.topics)}")


def _topic_number(topic_id: str) -> int:
    digits = "".join(ch for ch in topic_id if ch.isdigit())
    return int(digits) if digits else 0


def _mean(topics: list[TopicResult], name: str) -> float:
    return sum(getattr(t, name) for t in topics) / len(topics) if topics else 0.0


def print_report(report: TrecReport, console, *, examples: int = 15) -> None:
    from rich.table import Table

    table = Table(title=f"ranking quality over {len(report.topics)} topics (judged trials only)")
    table.add_column("ranker")
    table.add_column("NDCG@10", justify="right")
    table.add_column("P@10", justify="right")
    table.add_row("eligo (match_trials)", f"{report.mean('ndcg'):.4f}", f"{report.mean('p10'):.4f}")
    table.add_row("BM25 (title+conditions+criteria)", f"{report.mean('bm25_ndcg'):.4f}",
                  f"{report.mean('bm25_p10'):.4f}")
    table.add_row("hybrid (experimental: text_relevance.hybrid_score)", f"{report.mean('hybrid_ndcg'):.4f}",
                  f"{report.mean('hybrid_p10'):.4f}")
    console.print(table)
    halves = {"even": [t for t in report.topics if _topic_number(t.topic_id) % 2 == 0],
              "odd": [t for t in report.topics if _topic_number(t.topic_id) % 2 == 1]}
    console.print("held-out check, topics by parity of their number: " + "; ".join(
        f"{name} ({len(ts)}) eligo {_mean(ts, 'ndcg'):.4f} bm25 {_mean(ts, 'bm25_ndcg'):.4f}"
        for name, ts in halves.items() if ts), soft_wrap=True)

    verdicts = Table(title="engine verdict (rows) x expert judgement (columns), judged pairs")
    verdicts.add_column("verdict")
    for label in ("0 not relevant", "1 excluded", "2 eligible"):
        verdicts.add_column(label, justify="right")
    counts = Counter()
    for topic in report.topics:
        judged = report.qrels[topic.topic_id]
        for r in topic.ranked:
            counts[(r.verdict, judged.get(r.nct_id, 0))] += 1
    for verdict in ("eligible", "possibly_eligible", "ineligible", "filtered", "missing"):
        if any(counts[(verdict, g)] for g in (0, 1, 2)):
            verdicts.add_row(verdict, *(str(counts[(verdict, g)]) for g in (0, 1, 2)))
    console.print(verdicts)

    errors = report.errors()
    breakdown = Table(title="what the ranking gets wrong: top-10 pairs judged 0/1 above a better trial; relevant pairs below a not-relevant one")
    breakdown.add_column("error type")
    breakdown.add_column("pairs", justify="right")
    for category, n in Counter(e[0] for e in errors).most_common():
        breakdown.add_row(category, str(n))
    console.print(breakdown)
    atoms = Counter(b for e in errors if e[3] == ELIGIBLE for b in e[2].blocking[:1])
    if atoms:
        console.print("first blocking criterion of eligible pairs ruled out: "
                      + ", ".join(f"{k} {v}" for k, v in atoms.most_common(12)), soft_wrap=True)
    for category, topic, r, gold, position in errors[:examples]:
        console.print(f"  {topic.topic_id} {r.nct_id} rank {position} gold {gold} verdict {r.verdict} "
                      f"relevance {r.relevance:.2f} bm25 {r.bm25:.1f} unknown {r.unknown}/{r.total} "
                      f"blocking {','.join(r.blocking[:3]) or '-'}: {category}", soft_wrap=True, markup=False)
    if report.corpus.import_failures:
        console.print(f"{len(report.corpus.import_failures)} trial(s) not imported or not compiled, e.g. "
                      f"{report.corpus.import_failures[0]}", soft_wrap=True, markup=False)
    if report.skipped_topics:
        console.print(f"{len(report.skipped_topics)} topic(s) without judgements skipped")
    console.print(f"{len(report.corpus.summaries)} trials imported in {report.corpus.seconds:.1f}s; "
                  f"whole run {report.seconds:.1f}s")


def run_and_print(data: Path, *, as_of: dt.date = DEFAULT_AS_OF, errors: int = 15, dump: Path | None = None,
                  out=None) -> TrecReport:
    from rich.console import Console

    out = out or sys.stdout
    console = Console(file=out, highlight=False, width=140)
    report = run(data, as_of=as_of)
    print_report(report, console, examples=errors)
    if dump is not None:
        write_json_objects(dump, ({"topic": topic.topic_id, "nct_id": r.nct_id, "rank": position,
                                   "gold": report.qrels[topic.topic_id].get(r.nct_id, 0), "verdict": r.verdict,
                                   "relevance": r.relevance, "score": r.score, "text_relevance": r.text_relevance,
                                   "concept_relevance": r.concept_relevance,
                                   "concepts_compared": r.concepts_compared, "bm25": r.bm25, "unknown": r.unknown,
                                   "total": r.total, "blocking": r.blocking}
                                  for topic in report.topics for position, r in enumerate(topic.ranked, start=1)))
    print(summary_line(report), file=out, flush=True)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.trec", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="directory with topics.jsonl, qrels.tsv, trials.jsonl")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF)
    parser.add_argument("--errors", type=int, default=15, help="examples of ranking errors to print")
    parser.add_argument("--dump", type=Path, default=None, help="write per-pair results as JSONL")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"not a directory: {args.data}", file=sys.stderr)
        return 2
    try:
        run_and_print(args.data, as_of=args.as_of, errors=args.errors, dump=args.dump)
    except BenchDataError as error:
        print(str(error), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
