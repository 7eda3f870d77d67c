"""`eligo bench ...`: the benchmarks in ``bench/`` (quality and speed).

One typer group; each benchmark is one subcommand here that calls its ``bench`` module,
which also runs as ``python -m bench.<module>``. Reports go to stdout and end with a
``key=value`` summary line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from app.commands._common import console

bench_cli = typer.Typer(name="bench", help="Quality and speed benchmarks (bench/).", no_args_is_help=True)


@bench_cli.command("criteria")
def criteria(
    data: Path = typer.Option(..., "--data", help="TrialGPT criterion-level JSONL (note x criterion x expert label)."),
    as_of: str = typer.Option("2020-01-01", "--as-of", help="Day that relative dates in the notes count back from."),
    absent_for_inclusions: bool = typer.Option(
        True, "--absent-for-inclusions/--unknown-for-inclusions",
        help="Read inclusions against the note as a complete record (the default; the evaluator keeps silence "
             "from failing an inclusion) or with silence as unknown."),
    errors: int = typer.Option(0, "--errors", help="Print up to N misclassified rows."),
    dump: Path = typer.Option(None, "--dump", help="Write per-row results as JSON Lines."),
) -> None:
    """Criterion-level accuracy against expert labels; last line `accuracy=... n=...`."""
    from bench.criterion_level import BenchDataError, run_and_print

    if not data.is_file():
        console.print(f"[red]not a file:[/red] {data}")
        raise typer.Exit(2)
    try:
        run_and_print(data, as_of=dt.date.fromisoformat(as_of), absent_for_inclusions=absent_for_inclusions,
                      errors=errors, dump=dump)
    except BenchDataError as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None


@bench_cli.command("trec")
def trec(
    data: Path = typer.Option(..., "--data", help="Directory with topics.jsonl, qrels.tsv and trials.jsonl."),
    as_of: str = typer.Option("2021-06-01", "--as-of", help="Day that relative dates in the topics count back from."),
    errors: int = typer.Option(15, "--errors", help="Examples of ranking errors to print."),
    dump: Path = typer.Option(None, "--dump", help="Write per-pair results as JSON Lines."),
) -> None:
    """TREC-style ranking quality (NDCG@10, P@10) against plain BM25 in the same run."""
    from bench.trec import BenchDataError, run_and_print

    if not data.is_dir():
        console.print(f"[red]not a directory:[/red] {data}")
        raise typer.Exit(2)
    try:
        run_and_print(data, as_of=dt.date.fromisoformat(as_of), errors=errors, dump=dump)
    except BenchDataError as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None


def register(cli: typer.Typer) -> None:
    cli.add_typer(bench_cli, name="bench")
