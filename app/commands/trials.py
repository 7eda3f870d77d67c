"""`eligo import` and `eligo sync`: get trials into the database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from app.commands._common import console, open_database, safe_url
from app.importer import ImportReport, import_records
from app.sources import SourceError, SourceRecord, count_records, iter_path

MAX_ERRORS_SHOWN = 50


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def print_report(report: ImportReport, seconds: float) -> None:
    for issue in report.errors[:MAX_ERRORS_SHOWN]:
        console.print(f"[red]skipped[/red] {issue.describe()}", soft_wrap=True)
    if report.failed > MAX_ERRORS_SHOWN:
        console.print(
            f"... and {report.failed - MAX_ERRORS_SHOWN} more (all stored with import run {report.run_id})"
        )
    for nct_id, reason in report.compile_failures[:MAX_ERRORS_SHOWN]:
        console.print(f"[yellow]not compiled[/yellow] {nct_id}: {reason}", soft_wrap=True)
    console.print(
        f"import run {report.run_id}: {report.seen} records in {seconds:.1f}s: "
        f"{report.inserted} inserted, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.failed} failed; {report.compiled} rule sets compiled",
        soft_wrap=True,
    )


def _finish(report: ImportReport, started: float) -> None:
    print_report(report, time.perf_counter() - started)
    if report.failed:
        console.print(f"[red]{report.failed} record(s) were not imported; the rest were.[/red]")
        raise typer.Exit(1)


def _compile_in_parallel(factory, workers: int) -> tuple[int, list[tuple[str, str]]]:
    """The stale trials (those just imported among them), compiled by ``workers`` processes."""
    from app import rules

    if not rules.compiler_available():
        return 0, []
    with _progress() as progress:
        task = progress.add_task(f"compiling ({workers} workers)", total=None)
        compiled = rules.recompile_stale(factory, workers=workers, on_progress=lambda n: progress.advance(task, n))
    return compiled.compiled, compiled.failures


def register(cli: typer.Typer) -> None:
    @cli.command("import")
    def import_(
        paths: list[Path] = typer.Argument(
            ..., help="Study JSON, JSON list, JSON Lines (.jsonl) or the registry's bulk .zip."
        ),
        batch_size: int = typer.Option(None, help="Records per transaction (ELIGO_IMPORT_BATCH_SIZE)."),
        compile_rules: bool = typer.Option(
            None, "--compile/--no-compile", help="Compile eligibility rules as trials land."
        ),
        workers: int = typer.Option(
            1, "--workers", "-w", min=1,
            help="With N > 1, import first, then compile in N processes (identical texts once; "
                 "for big imports)."),
    ) -> None:
        """Import ClinicalTrials.gov API v2 study records (upsert; not-newer records change nothing)."""
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            console.print(f"[red]not a file:[/red] {', '.join(missing)}")
            raise typer.Exit(2)
        settings, engine, factory = open_database()
        counts = [count_records(p) for p in paths]
        total = sum(counts) if None not in counts else None

        def records() -> Iterator[SourceRecord]:
            for path in paths:
                yield from iter_path(path)

        started = time.perf_counter()
        compile_now = settings.compile_on_import if compile_rules is None else compile_rules
        try:
            with _progress() as progress:
                task = progress.add_task("importing", total=total)
                report = import_records(
                    factory,
                    records(),
                    kind="import",
                    source=" ".join(str(p) for p in paths),
                    compile_rules=compile_now and workers == 1,
                    batch_size=batch_size or settings.import_batch_size,
                    on_progress=lambda n: progress.advance(task, n),
                )
            if compile_now and workers > 1:
                report.compiled, report.compile_failures = _compile_in_parallel(factory, workers)
        except SourceError as error:
            console.print(f"[red]{error}[/red] (batches before it were imported)")
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            console.print("[yellow]interrupted: committed batches are kept, the batch in flight was rolled back[/yellow]")
            raise typer.Exit(130) from None
        finally:
            engine.dispose()
        console.print(f"database: {safe_url(settings.database_url)}")
        _finish(report, started)

    @cli.command()
    def sync(
        condition: str = typer.Option(None, "--condition", "-c", help="query.cond, e.g. 'graft versus host disease'."),
        status: list[str] = typer.Option([], "--status", "-s", help="filter.overallStatus, repeatable (RECRUITING ...)."),
        page_size: int = typer.Option(None, help="Studies per page (ELIGO_SYNC_PAGE_SIZE)."),
        max_studies: int = typer.Option(None, help="Stop after this many studies."),
        compile_rules: bool = typer.Option(None, "--compile/--no-compile"),
    ) -> None:
        """Fetch studies from ClinicalTrials.gov (CTGOV_BASE_URL) and import them."""
        from app.sync import RegistryClient, RegistryError, RetryPolicy, StudyQuery, statuses_of

        if not condition and not status:
            console.print("[red]give --condition and/or --status; syncing the whole registry is not supported[/red]")
            raise typer.Exit(2)
        settings, engine, factory = open_database()
        query = StudyQuery(
            condition=condition,
            statuses=statuses_of(status),
            page_size=page_size or settings.sync_page_size,
            max_studies=max_studies,
        )
        retry = RetryPolicy(
            max_retries=settings.http_max_retries,
            backoff_seconds=settings.http_backoff_seconds,
            max_wait_seconds=settings.http_max_wait_seconds,
        )
        started = time.perf_counter()
        console.print(f"sync {query.describe()} from {settings.ctgov_base_url}")
        try:
            with RegistryClient(settings.ctgov_base_url, timeout=settings.http_timeout_seconds, retry=retry) as client, _progress() as progress:
                task = progress.add_task("syncing", total=max_studies)
                report = import_records(
                    factory,
                    client.iter_records(query),
                    kind="sync",
                    source=f"{settings.ctgov_base_url} {query.describe()}",
                    compile_rules=settings.compile_on_import if compile_rules is None else compile_rules,
                    batch_size=settings.import_batch_size,
                    on_progress=lambda n: progress.advance(task, n),
                )
        except RegistryError as error:
            console.print(f"[red]sync failed:[/red] {error}")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            console.print("[yellow]interrupted: committed batches are kept[/yellow]")
            raise typer.Exit(130) from None
        finally:
            engine.dispose()
        _finish(report, started)
