"""The ``helpcenter`` command: the app's Flask command group and its commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup

from helpcenter.content import OK, Library
from helpcenter.content.stamp import stamp_file
from helpcenter.library import content_store
from helpcenter.search import build


content_cli = AppGroup("content", help="Check and maintain the Markdown content.")


def _load() -> Library:
    return content_store().load()


@content_cli.command("check")
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--strict", is_flag=True, help="Treat missing and stale translations as errors.")
def check_command(output: str, strict: bool) -> None:
    """Validate the content and print the translation matrix.

    Exit status: 0 clean, 1 when a file is broken (or, with --strict, when a
    translation is missing, stale or orphaned).
    """
    library = _load()
    languages = library.languages
    matrix = {page_id: {lang: library.status(page_id, lang) for lang in languages} for page_id in library.page_ids}
    errors = [problem for problem in library.problems if problem.severity == "error"]
    warnings = [problem for problem in library.problems if problem.severity != "error"]
    untranslated = sum(status != OK for row in matrix.values() for status in row.values())
    if output == "json":
        click.echo(
            json.dumps(
                {
                    "problems": [
                        {"path": p.path, "line": p.line, "severity": p.severity, "message": p.message}
                        for p in library.problems
                    ],
                    "languages": list(languages),
                    "translations": matrix,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for problem in library.problems:
            click.echo(str(problem))
        width = max([len(page_id) for page_id in matrix] + [7])
        click.echo("article".ljust(width) + "  " + "  ".join(lang.ljust(7) for lang in languages))
        for page_id, row in matrix.items():
            click.echo(page_id.ljust(width) + "  " + "  ".join(row[lang].ljust(7) for lang in languages))
        click.echo(
            f"{len(matrix)} articles, {len(errors)} errors, {len(warnings)} warnings, "
            f"{untranslated} translations not ok"
        )
    if errors or (strict and (untranslated or warnings)):
        sys.exit(1)


@content_cli.command("stamp")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def stamp_command(paths: tuple[Path, ...]) -> None:
    """Record the current source revision in translations (files or folders)."""
    library = _load()
    content_dir = Path(current_app.config["CONTENT_DIR"]).resolve()
    failed = False
    files = [file for path in paths for file in (sorted(path.rglob("*.md")) if path.is_dir() else [path])]
    for file in files:
        try:
            lang, page_id = _locate(file.resolve(), content_dir)
        except ValueError as exc:
            click.echo(f"{file}: {exc}", err=True)
            failed = True
            continue
        if lang == library.source_language:
            continue
        source = library.exact(library.source_language, page_id)
        if source is None:
            click.echo(f"{file}: no {library.source_language} source for {page_id}; not stamped", err=True)
            failed = True
            continue
        changed = stamp_file(file, source.revision)
        click.echo(f"{file}: {'stamped' if changed else 'already at'} {source.revision}")
    if failed:
        sys.exit(1)


def _locate(file: Path, content_dir: Path) -> tuple[str, str]:
    try:
        relative = file.relative_to(content_dir)
    except ValueError:
        raise ValueError(f"not under the content folder {content_dir}") from None
    if len(relative.parts) < 2 or relative.suffix != ".md":
        raise ValueError("not a Markdown file of a language folder")
    return relative.parts[0], relative.relative_to(relative.parts[0]).with_suffix("").as_posix()


index_cli = AppGroup("index", help="Build the search indexes.")


@index_cli.command("build")
@click.option("--full", is_flag=True, help="Rebuild every index from scratch.")
def index_build_command(full: bool) -> None:
    """Build the search indexes, or update them with the articles that changed."""
    report = build(_load(), current_app.config["INDEX_DIR"], full=full, wait=True)
    if not report.changed:
        click.echo(f"Search indexes are up to date ({report.generation}).")
        return
    kind = "built" if report.full else "updated"
    click.echo(
        f"Search indexes {kind} in {report.seconds:.2f} s: {report.added} added, "
        f"{report.updated} updated, {report.removed} removed ({report.generation})."
    )


def init_app(app: Flask) -> None:
    """Register the commands on the app's command group."""
    app.cli.add_command(content_cli)
    app.cli.add_command(index_cli)


def _create_app() -> Flask:
    from helpcenter import create_app

    return create_app()


main = FlaskGroup(name="helpcenter", create_app=_create_app, help="The help centre's commands.")
