"""`eligo bench make-corpus` and `eligo bench speed`: the speed-and-scale benchmarks.

They join the ``bench`` group of ``app/commands/bench.py`` (commands register in module
name order, so that group exists by now); the work is done in ``bench.corpus`` and
``bench.speed``, which also run as ``python -m bench.<module>``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from app.commands._common import console


def bench_group(cli: typer.Typer) -> typer.Typer:
    try:
        from app.commands.bench import bench_cli
    except ImportError:  # the group's module is absent: make the group here
        bench_cli = typer.Typer(name="bench", help="Quality and speed benchmarks (bench/).", no_args_is_help=True)
        cli.add_typer(bench_cli, name="bench")
    return bench_cli


def register(cli: typer.Typer) -> None:
    group = bench_group(cli)

    @group.command("make-corpus")
    def make_corpus(
        size: int = typer.Option(..., "--size", "-n", min=1, help="Trials to write."),
        out: Path = typer.Option(None, "--out", "-o",
                                 help="JSON Lines file, outside the repository (default /tmp/eligo-bench/...)."),
        seed: int = typer.Option(0, "--seed", help="Same seed and size, same file."),
    ) -> None:
        """A scale corpus of N trials (API v2 JSON Lines) around the real eligibility texts in ../shared/data."""
        from bench.corpus import CorpusError, default_path, write_corpus

        target = out or default_path(size, seed)
        try:
            sha = write_corpus(size, target, seed=seed)
        except CorpusError as error:
            console.print(f"[red]{error}[/red]", soft_wrap=True)
            raise typer.Exit(2) from None
        console.print(f"wrote {size} trials to {target}")
        typer.echo(f"path={target} size={size} seed={seed} sha256={sha}")

    # Options are bench.speed's own (argparse), so --help is passed on to it too.
    @group.command("speed", add_help_option=False,
                   context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def speed(ctx: typer.Context) -> None:
        """Compile throughput, match p50/p95 at 1.5k/10k/100k trials, worker memory, HTTP load
        (e.g. --quick, --skip-http, --sizes 1500,10000; --help lists all)."""
        from bench.speed import main

        code = main(list(ctx.args))
        if code:
            raise typer.Exit(code)
