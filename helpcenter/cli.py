"""The ``helpcenter`` command: the app's Flask command group and its commands."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
import zoneinfo
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup

from helpcenter.content import OK, Library, check_library
from helpcenter.content.stamp import stamp_file
from helpcenter.db import get_session
from helpcenter.library import content_store
from helpcenter.staff.accounts import AccountError, create_staff
from helpcenter.staff.models import ROLES
from helpcenter.search import build
from helpcenter.sla import CATEGORIES, PRIORITIES, Deadline, PolicyError, first_response_due, load_policy_set


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
    problems = check_library(library)
    matrix = {page_id: {lang: library.status(page_id, lang) for lang in languages} for page_id in library.page_ids}
    errors = [problem for problem in problems if problem.severity == "error"]
    warnings = [problem for problem in problems if problem.severity != "error"]
    untranslated = sum(status != OK for row in matrix.values() for status in row.values())
    if output == "json":
        click.echo(
            json.dumps(
                {
                    "problems": [
                        {"path": p.path, "line": p.line, "severity": p.severity, "message": p.message}
                        for p in problems
                    ],
                    "languages": list(languages),
                    "translations": matrix,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for problem in problems:
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
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--all-ok", is_flag=True, help="Stamp every existing translation (of the given languages' folders, or all).")
def stamp_command(paths: tuple[Path, ...], all_ok: bool) -> None:
    """Record the current source revision in translations (files or folders).

    Run it once a translation has been brought up to date with its English
    source.  A translation that does not exist is never created or stamped.
    """
    library = _load()
    content_dir = Path(current_app.config["CONTENT_DIR"]).resolve()
    if not paths and not all_ok:
        raise click.UsageError("name the translations to stamp, or use --all-ok")
    if all_ok and not paths:
        paths = tuple(content_dir / lang for lang in library.languages if lang != library.source_language)
        paths = tuple(path for path in paths if path.is_dir())
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


class StatusLine:
    """One line of standard error, rewritten as long work goes on; silent unless it is a terminal."""

    #: Seconds between two rewrites, at least (the last state is always shown).
    INTERVAL = 0.1

    def __init__(self, stream=None) -> None:
        self.stream = stream if stream is not None else click.get_text_stream("stderr")
        self.active = self.stream.isatty()
        self.width = 0
        self.shown_at = 0.0

    def show(self, text: str, *, final: bool = False) -> None:
        """Show ``text`` in place of the line shown before (at most every :attr:`INTERVAL`)."""
        now = time.monotonic()
        if not self.active or (not final and now - self.shown_at < self.INTERVAL):
            return
        self.shown_at = now
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        """Leave the terminal's line empty, for what is printed next."""
        if self.active and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


@index_cli.command("build")
@click.option("--full", is_flag=True, help="Rebuild every index from scratch.")
def index_build_command(full: bool) -> None:
    """Build the search indexes, or update them with the articles that changed.

    On a terminal, standard error shows how far loading the content and
    indexing each language are.
    """
    status = StatusLine()

    def loading(done: int, total: int, rendered: int) -> None:
        if done == total:
            status.clear()  # what loading reports about the files comes next, on lines of its own
        else:
            status.show(f"Loading content: {done}/{total} files ({rendered} rendered)")

    def indexing(languages: list[str], total: int) -> None:
        text = f"Indexing: {len(languages)}/{total} languages ({', '.join(languages)})"
        status.show(text, final=len(languages) == total)

    library = content_store().load(progress=loading if status.active else None)
    status.show(f"Indexing: 0/{len(library.languages)} languages", final=True)
    try:
        report = build(
            library, current_app.config["INDEX_DIR"], full=full, wait=True, progress=indexing if status.active else None
        )
    finally:
        status.clear()
    if not report.changed:
        click.echo(f"Search indexes are up to date ({report.generation}).")
        return
    kind = "built" if report.full else "updated"
    click.echo(
        f"Search indexes {kind} in {report.seconds:.2f} s: {report.added} added, "
        f"{report.updated} updated, {report.removed} removed ({report.generation})."
    )


sla_cli = AppGroup("sla", help="First-response deadlines under the support policy.")


def _timestamp(ctx: click.Context, param: click.Parameter, value: str) -> dt.datetime:
    """An ISO 8601 timestamp; text that is not one is a usage error (exit 2)."""
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 timestamp, such as 2026-05-14T16:30+02:00") from None


def _require_offset(instant: dt.datetime, zone_name: str) -> None:
    """Refuse a timestamp without a UTC offset (exit 2), suggesting the calendar zone's one."""
    if instant.utcoffset() is not None:
        return
    # A local time alone names no instant (which zone? which side of a DST change?).
    guess = instant.replace(tzinfo=zoneinfo.ZoneInfo(zone_name)).isoformat()
    raise click.BadParameter(
        f"{instant.isoformat()} has no UTC offset, so it names no single instant; "
        f"add one, such as {guess} if that is {zone_name} time",
        param_hint="'--created-at'",
    )


@sla_cli.command("due")
@click.option(
    "--created-at",
    "created_at",
    required=True,
    metavar="ISO",
    callback=_timestamp,
    help="When the ticket was created: ISO 8601 with a UTC offset, e.g. 2026-05-14T16:30+02:00 or 2026-05-14T14:30Z.",
)
@click.option(
    "--priority",
    type=click.Choice(PRIORITIES, case_sensitive=False),
    help="Ticket priority. Required for technical assistance; optional for the other categories, "
    "which have no committed target in the standard policy.",
)
@click.option("--category", type=click.Choice(CATEGORIES), default="technical", show_default=True)
@click.option("--contract", metavar="CODE", help="Contract number; a contract with a customised SLA uses its policy.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the explanation.")
def sla_due_command(
    created_at: dt.datetime, priority: str | None, category: str, contract: str | None, as_json: bool
) -> None:
    """Compute a ticket's first-response deadline, with its explanation.

    The policy is the configured policy file (HELPCENTER_SLA_POLICY) or the
    shipped one. Times are shown in the policy calendar's zone, with offset.
    """
    if category == "technical" and priority is None:
        raise click.UsageError("--priority is required for technical assistance (high, average or low).")
    try:
        policies = load_policy_set(current_app.config.get("SLA_POLICY"))
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    policy = policies.for_contract(contract)
    _require_offset(created_at, policy.calendar.timezone)
    if contract and policy is policies.default and not as_json:
        # Not in --json mode: the "policy" field says which applied, and
        # stdout must stay one JSON object for scripts.
        click.echo(f"Contract {contract} has no customised SLA; the {policy.name} policy applies.", err=True)
    deadline = first_response_due(created_at, category, priority, policy)
    if as_json:
        click.echo(json.dumps(_deadline_report(deadline), ensure_ascii=False, indent=2))
    else:
        click.echo(deadline.explain())


def _deadline_report(deadline: Deadline) -> dict[str, object]:
    """The ``sla due --json`` object: instants in the calendar's zone, nulls where no target applies."""
    due = deadline.due_local()
    return {
        "created_at": deadline.created_local().isoformat(),
        "category": deadline.category,
        "priority": deadline.priority,
        "policy": deadline.policy_code,
        "window": deadline.window,
        "target_minutes": deadline.target_minutes,
        "due": None if due is None else due.isoformat(),
        "explanation": deadline.explain(),
    }


staff_cli = AppGroup("staff", help="Manage staff accounts.")


@staff_cli.command("create")
@click.option("--email", required=True, help="The account's e-mail address (its login).")
@click.option("--name", default="", help="The name shown to colleagues and customers.")
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
def staff_create_command(email: str, name: str, role: str) -> None:
    """Create a staff account; the password is asked for, or read from standard input."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_staff(get_session(), email=email, name=name, role=role, password=password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.role} account {user.email}.")


def init_app(app: Flask) -> None:
    """Register the commands on the app's command group."""
    app.cli.add_command(staff_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(index_cli)
    app.cli.add_command(sla_cli)


def _create_app() -> Flask:
    from helpcenter import create_app

    return create_app()


main = FlaskGroup(name="helpcenter", create_app=_create_app, help="The help centre's commands.")
