"""`eligo compile` (one text or record, no database) and `eligo recompile` (stale trials)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer

from app.commands._common import console, open_database


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        console.print(f"[red]not a file:[/red] {source}")
        raise typer.Exit(2)
    return path.read_text(encoding="utf-8")


def text_and_facts(content: str):
    """A v2 study record gives its eligibility text and registry facts; anything else is
    read as plain eligibility text."""
    from app.ctgov import RecordError, parse_study
    from app.rules import facts_of

    stripped = content.lstrip()
    if stripped.startswith("{"):
        try:
            record = json.loads(content)
        except json.JSONDecodeError:
            record = None
        if isinstance(record, dict) and "protocolSection" in record:
            try:
                study = parse_study(record)
            except RecordError as error:
                console.print(f"[red]not a usable study record:[/red] {error}")
                raise typer.Exit(1) from None
            return study.eligibility_criteria, facts_of(study)
    return content, None


def register(cli: typer.Typer) -> None:
    @cli.command("compile")
    def compile_(
        source: str = typer.Argument(..., help="A study record (API v2 JSON) or plain eligibility text; '-' for stdin."),
        explain: bool = typer.Option(False, "--explain", help="Print a readable outline instead of JSON."),
    ) -> None:
        """Compile eligibility criteria and print the RuleSet (JSON) or its outline."""
        from app import rules

        if not rules.compiler_available():
            console.print("[red]the criteria compiler (criteria_rules.compile_eligibility) is not available[/red]")
            raise typer.Exit(1)
        text, facts = text_and_facts(_read(source))
        ruleset = rules.compile_eligibility(text or None, facts)
        if explain:
            if rules.explain is None:
                console.print("[red]criteria_rules.explain is not available[/red]")
                raise typer.Exit(1)
            typer.echo(rules.explain(ruleset))
        else:
            typer.echo(ruleset.model_dump_json(indent=2))

    @cli.command()
    def recompile(
        force: bool = typer.Option(False, "--force", help="Recompile every trial, not only stale ones."),
        batch_size: int = typer.Option(200, min=1, help="Trials per transaction."),
        workers: int = typer.Option(
            1, "--workers", "-w", min=1,
            help="Compiler processes (this one writes). A rerun after an interruption resumes."),
    ) -> None:
        """Recompile trials whose eligibility text, facts or compiler version changed."""
        from app import rules
        from app.commands.trials import _progress
        from app.repository import count_trials

        if not rules.compiler_available():
            console.print("[red]the criteria compiler (criteria_rules.compile_eligibility) is not available[/red]")
            raise typer.Exit(1)
        settings, engine, factory = open_database()
        started = time.perf_counter()
        try:
            with factory() as session:
                total = count_trials(session)
            with _progress() as progress:
                task = progress.add_task(f"compiling ({workers} worker{'s' if workers > 1 else ''})", total=total)
                report = rules.recompile_stale(factory, batch_size=batch_size, force=force, workers=workers,
                                               on_progress=lambda n: progress.advance(task, n))
        except KeyboardInterrupt:
            console.print("[yellow]interrupted: committed batches are kept; run it again to continue[/yellow]")
            raise typer.Exit(130) from None
        finally:
            engine.dispose()
        for nct_id, reason in report.failures[:50]:
            console.print(f"[yellow]not compiled[/yellow] {nct_id}: {reason}", soft_wrap=True)
        console.print(
            f"compiler {rules.COMPILER_VERSION}: {report.compiled} compiled, {report.skipped} up to date, "
            f"{len(report.failures)} failed in {time.perf_counter() - started:.1f}s"
            + (f" ({report.reused} shared an identical text)" if report.reused else ""),
            soft_wrap=True,
        )
        if report.failures:
            raise typer.Exit(1)
