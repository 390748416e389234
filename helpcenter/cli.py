"""The ``helpcenter`` command: the app's Flask command group and its commands.

Each command imports the operations it calls when it runs, not when this
module is imported: the script starts without importing every part of the
site, and ``helpcenter index build`` runs without building the app at all
(see :func:`settings_only`).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import zoneinfo
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup

from helpcenter.progress import Progress
from helpcenter.sla import CATEGORIES, PRIORITIES
from helpcenter.staff.roles import ROLES

if TYPE_CHECKING:
    from helpcenter.content import Library
    from helpcenter.sla import Deadline

db_cli = AppGroup("db", help="Manage the database.")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade_command(revision: str) -> None:
    """Apply the database migrations."""
    from helpcenter.db import database, upgrade

    upgrade(current_app, revision)
    click.echo(f"Database at {database().engine.url.render_as_string(hide_password=True)} is up to date.")


@db_cli.command("downgrade")
@click.option("--revision", required=True, help="The revision to go back to (base: an empty database).")
def db_downgrade_command(revision: str) -> None:
    """Undo the database migrations after a revision (to roll a release back)."""
    from helpcenter.db import database, downgrade

    downgrade(current_app, revision)
    click.echo(f"Database at {database().engine.url.render_as_string(hide_password=True)} is at {revision}.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does.")
def db_revision_command(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from helpcenter.db import write_revision

    write_revision(current_app, message)


mail_cli = AppGroup("mail", help="Send the mail in the outbox.")


@mail_cli.command("send")
def mail_send_command() -> None:
    """Send the outbox's messages that are due (mail and the other channels)."""
    from helpcenter.db import database
    from helpcenter.outbox import channels, deliver_pending

    sent = deliver_pending(database().sessions, channels())
    click.echo(f"{sent} messages sent.")


jobs_cli = AppGroup("jobs", help="Run the periodic jobs (outbox delivery and the rest).")


@jobs_cli.command("run")
@click.option("--once", is_flag=True, help="Run every job once and stop (from a timer), instead of running on.")
def jobs_run_command(once: bool) -> None:
    """Run the periodic jobs as they fall due; on several servers, one runs each job at a time."""
    from helpcenter.jobs import JobRunner

    runner = JobRunner(current_app._get_current_object())
    if once:
        for name, result in runner.run_due(every_job=True).items():
            click.echo(f"{name}: {result}")
        return
    click.echo("Running the periodic jobs (Ctrl+C to stop).")
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")


jira_cli = AppGroup("jira", help="The Jira Service Management channel.")


@jira_cli.command("sync")
def jira_sync_command() -> None:
    """Apply what changed in JSM since the last run (what webhooks missed); one server runs it at a time."""
    from helpcenter.jira import jira_settings, synchronise
    from helpcenter.jira.client import JiraError
    from helpcenter.jira.sync import SYNC_JOB
    from helpcenter.jobs import job_lock

    app = current_app._get_current_object()
    if jira_settings(app) is None:
        raise click.ClickException("the Jira channel is off: set HELPCENTER_JIRA_URL (README: Connecting JSM)")
    with job_lock(app, SYNC_JOB) as held:
        if not held:
            click.echo("Another server is reconciling with Jira now; nothing done.")
            return
        try:
            report = synchronise(app)
        except JiraError as exc:
            raise click.ClickException(f"Jira could not be reached or refused: {exc}") from None
    click.echo(f"Reconciled with Jira: {report}.")


content_cli = AppGroup("content", help="Check and maintain the Markdown content.")


def _load(*, progress: bool = False) -> Library:
    """The content, loaded again from the folder as the app loads it; with ``progress``, a terminal shows how far it got.

    Only the settings are read: ``index build`` loads the content without the rest of the app.
    """
    from helpcenter.library import ContentStore

    store = ContentStore(current_app, live=False)
    if not progress:
        return store.load()
    with Progress("Loading content", "files") as shown:
        return store.load(progress=lambda done, total, rendered: shown(done, total, f"{rendered:,} rendered"))


@content_cli.command("check")
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--strict", is_flag=True, help="Treat missing and stale translations as errors.")
def check_command(output: str, strict: bool) -> None:
    """Validate the content and print the translation matrix.

    Exit status: 0 clean, 1 when a file is broken (or, with --strict, when a
    translation is missing, stale or orphaned).
    """
    from helpcenter.content import OK, check_library, missing_versions

    library = _load(progress=True)
    languages = library.languages
    with Progress("Checking content", "pages") as shown:
        problems = check_library(library, progress=shown)
    matrix = library.translation_matrix()
    lacking = missing_versions(library.all_pages(), library.assets, library.source_language)
    errors = [problem for problem in problems if problem.severity == "error"]
    warnings = [problem for problem in problems if problem.severity != "error"]
    untranslated = sum(status != OK for row in matrix.values() for status in row.values())
    if output == "json":
        click.echo(
            json.dumps(
                {
                    "problems": [
                        {"path": p.path, "line": p.line, "severity": p.severity, "message": p.message} for p in problems
                    ],
                    "languages": list(languages),
                    "translations": matrix,
                    "missing_asset_versions": lacking,
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
        for lang, names in lacking.items():
            click.echo(f"pictures without a {lang} version: {', '.join(names)}")
        click.echo(
            f"{len(matrix)} articles, {len(errors)} errors, {len(warnings)} warnings, "
            f"{untranslated} translations not ok"
        )
    if errors or (strict and (untranslated or warnings)):
        sys.exit(1)


@content_cli.command("stamp")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--all-ok", is_flag=True, help="Stamp every existing translation (of the given languages' folders, or all)."
)
def stamp_command(paths: tuple[Path, ...], all_ok: bool) -> None:
    """Record the current source revision in translations (files or folders).

    Run it once a translation has been brought up to date with its English
    source.  A translation that does not exist is never created or stamped.
    """
    from helpcenter.content.stamp import stamp_file

    library = _load(progress=True)
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


@index_cli.command("build")
@click.option("--full", is_flag=True, help="Rebuild every index from scratch.")
def index_build_command(full: bool) -> None:
    """Build the search indexes, or update them with the articles that changed.

    Only the files changed since the last build are read, when the index
    knows which files it was made from.  On a terminal, standard error shows
    how far loading the content and indexing each language are.
    """
    from helpcenter.search import refresh_index

    settings = current_app.config
    with Progress("Indexing", "languages") as shown:
        report = refresh_index(
            settings["CONTENT_DIR"],
            settings["LANGUAGES"],
            settings["INDEX_DIR"],
            load=lambda: _load(progress=True),
            full=full,
            wait=True,
            progress=lambda languages, total: shown(len(languages), total, ", ".join(languages)),
        )
    click.echo(report.line())


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
    from helpcenter.library import current_policies
    from helpcenter.sla import PolicyError, first_response_due

    try:
        policies = current_policies()
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
    from helpcenter.db import get_session
    from helpcenter.staff.operations import AccountError, create_staff

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_staff(get_session(), email=email, name=name, role=role, password=password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.role} account {user.email}.")


org_cli = AppGroup("org", help="Manage customer organisations (who belongs, their contracts and products).")


@org_cli.command("create")
@click.option("--name", required=True, help="The organisation's name.")
@click.option(
    "--domain", "domains", multiple=True, help="Every address at this domain belongs to it (repeat for several)."
)
@click.option("--member", "members", multiple=True, help="An address that belongs to it (repeat for several).")
@click.option("--contract", "contracts", multiple=True, help="A contract number it holds (repeat for several).")
@click.option("--product", "products", multiple=True, help="A product it uses, as its tutorials' folder name (repeat).")
@click.option("--share-tickets", is_flag=True, help="Members see their colleagues' tickets too.")
def org_create_command(
    name: str,
    domains: tuple[str, ...],
    members: tuple[str, ...],
    contracts: tuple[str, ...],
    products: tuple[str, ...],
    share_tickets: bool,
) -> None:
    """Create a customer organisation."""
    from helpcenter.account.operations import OrganisationError, OrganisationFacts, save_organisation
    from helpcenter.db import get_session

    facts = OrganisationFacts(name, domains, members, contracts, products, share_tickets)
    try:
        organisation = save_organisation(get_session(), facts)
    except OrganisationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created organisation {organisation.name}.")


@org_cli.command("add-member")
@click.option("--org", "name", required=True, help="The organisation's name.")
@click.option("--email", required=True, help="The address to add.")
def org_add_member_command(name: str, email: str) -> None:
    """Add an address to an organisation."""
    from helpcenter.account.operations import OrganisationError, add_member
    from helpcenter.db import get_session

    try:
        organisation = add_member(get_session(), name, email)
    except OrganisationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{email.strip().lower()} now belongs to {organisation.name}.")


def init_app(app: Flask) -> None:
    """Register the commands on the app's command group."""
    app.cli.add_command(db_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(org_cli)
    app.cli.add_command(jira_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(index_cli)
    app.cli.add_command(sla_cli)


def _create_app() -> Flask:
    from helpcenter import create_app

    return create_app()


class _SettingsOnlyGroup(click.Group):
    """A command group whose commands run in the context of an app made of the settings alone."""

    def invoke(self, ctx: click.Context):
        """Run the command in the settings' app, unless an app is current already."""
        if not current_app:
            from helpcenter import configured_app

            ctx.with_resource(configured_app().app_context())
        return super().invoke(ctx)


def settings_only(group: click.Group) -> click.Group:
    """``group``'s commands, for the ``helpcenter`` script, run without building the app.

    Building the app imports every part of the site (views, models, the
    outbound channels), most of a second; commands that work on the content
    folder and the index need only the settings.  The app's own command group
    keeps ``group`` itself: ``flask --app helpcenter`` and the tests' command
    runner run its commands in the app they build, as before.
    """
    return _SettingsOnlyGroup(group.name, commands=group.commands, help=group.help)


class _Script(FlaskGroup):
    """Flask's command group, where the settings-only commands are found before the plugins' are loaded.

    Flask loads the commands that installed packages declare (Flask-Limiter's
    ``limiter``, which imports the limiter) on the first look-up of a
    command; the settings-only commands do without them.
    """

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """The command called ``name``: a settings-only one at once, else as Flask finds it."""
        command = self.commands.get(name)
        if isinstance(command, _SettingsOnlyGroup):
            return command
        return super().get_command(ctx, name)


main = _Script(name="helpcenter", create_app=_create_app, help="The help centre's commands.")
main.add_command(settings_only(index_cli))
