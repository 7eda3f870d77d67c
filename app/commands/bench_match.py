"""`eligo bench match-latency`: in-process latency of POST /v1/match (bench/match_latency.py).

Added to the ``eligo bench`` group defined in ``bench.py`` (commands register in name
order, so that group exists by now)."""

from __future__ import annotations

import typer


def match_latency(
    requests: int = typer.Option(240, "--requests", min=1, help="Timed requests after one warm-up per profile."),
    database_url: str = typer.Option(None, "--database-url", help="Default: a fresh SQLite file in a temp dir."),
    candidate_limit: int = typer.Option(None, "--candidate-limit", min=1,
                                        help="Trials evaluated per match (default ELIGO_MATCH_CANDIDATE_LIMIT)."),
) -> None:
    """p50/p95 of POST /v1/match over varied profiles, msc + demo trials loaded; last line key=value."""
    from bench.match_latency import MSC_TRIALS, main

    args = ["--requests", str(requests), "--corpus", str(MSC_TRIALS)]
    if database_url:
        args += ["--database-url", database_url]
    if candidate_limit:
        args += ["--candidate-limit", str(candidate_limit)]
    raise typer.Exit(main(args))


def register(cli: typer.Typer) -> None:
    from app.commands.bench import bench_cli

    bench_cli.command("match-latency")(match_latency)
