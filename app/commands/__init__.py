"""CLI subcommands: one module per area, each with ``register(cli: typer.Typer)``."""
