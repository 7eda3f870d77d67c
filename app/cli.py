"""The ``eligo`` command.

Subcommands live in ``app/commands/``: each module there defines ``register(cli)`` and is
picked up automatically, so adding a command (``match``, ``bench`` ...) is adding a file.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil

import typer

from app import __version__, commands

cli = typer.Typer(
    name="eligo",
    help="Eligo: clinical-trial eligibility matching.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"eligo {__version__}")
        raise typer.Exit()


@cli.callback()
def root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True),
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def register_commands(app: typer.Typer) -> None:
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{module_info.name}")
        module.register(app)


register_commands(cli)


def main() -> None:
    cli()
