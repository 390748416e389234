"""Views of the staff console: login, the queue, a ticket and its actions, reports, translations."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup

from helpcenter.account.operations import OrganisationError, OrganisationFacts, organisation_facts, save_organisation
from helpcenter.account.queries import all_organisations, organisation_by_id
from helpcenter.articles.operations import feedback_tallies
from helpcenter.attachments.labels import upload_error_text
from helpcenter.attachments.operations import UploadError, check_uploads
from helpcenter.attachments.responses import download
from helpcenter.attachments.store import attachment_store
from helpcenter.attachments.uploads import accepts_files, attachment_limits, uploads
from helpcenter.content import STALE
from helpcenter.content.frontmatter import split_front_matter
from helpcenter.content.history import source_diff
from helpcenter.db import get_session, utcnow
from helpcenter.extensions import limiter
from helpcenter.jira import push_change
from helpcenter.library import current_library, current_policies, search_tally
from helpcenter.oncall.forms import AcknowledgeForm
from helpcenter.oncall.queries import paging_state
from helpcenter.outbox import deliver_in_background, enqueue
from helpcenter.policy_text import PRIORITY_NAMES
from helpcenter.security import local_target
from helpcenter.sla import CATEGORIES, PRIORITIES
from helpcenter.sla.reports import satisfaction, sla_report, targets_report
from helpcenter.sla.targets import most_urgent
from helpcenter.templating import format_share
from helpcenter.tickets.models import STATUSES, Ticket
from helpcenter.tickets.notifications import reply_mails, status_mails
from helpcenter.tickets.operations import (
    add_note,
    assign,
    confirm_contract,
    first_response_deadline,
    reply,
    set_priority,
    set_status,
)
from helpcenter.tickets.queries import any_attachment, targets_of, ticket_by_reference

from .chart import sla_chart_svg
from .export import breaches_csv, sla_csv
from .forms import (
    ROLE_NAMES,
    AssignForm,
    LoginForm,
    NewStaffForm,
    NoteForm,
    OrganisationForm,
    PasswordForm,
    PriorityForm,
    ReplyForm,
    RoleForm,
    StatusForm,
    lines,
)
from .labels import ACCOUNT_ERRORS, ORGANISATION_ERRORS, TRANSLATION_STATUS_NAMES
from .login import (
    end_current_session,
    known_device,
    no_store,
    remember_device,
    require_admin,
    require_staff,
    start_session,
)
from .notifications import password_link_mail
from .operations import (
    AccountError,
    account_of_reset,
    authenticate,
    create_staff,
    reset_password,
    set_active,
    set_role,
    start_password_reset,
)
from .queries import (
    MINE,
    QUEUE_FILTERS,
    UNASSIGNED,
    active_staff,
    all_staff,
    funnel,
    queue_page,
    queue_state,
    ratings_of_tickets_created,
    staff_by_id,
    ticket_targets_created,
    tickets_created,
    top_queries,
)

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.before_request(require_staff)
bp.after_request(no_store)
bp.add_app_template_global(ROLE_NAMES.__getitem__, "role_name")
bp.add_app_template_global(TRANSLATION_STATUS_NAMES.__getitem__, "translation_status_name")

PAGE_SIZE = 25
#: The SLA and content reports cover the last 30 days unless asked otherwise.
DEFAULT_DAYS = 30


def _safe_next(target: str | None) -> str:
    return local_target(target, "/staff") or url_for("staff.queue")


def _posted_account() -> str:
    return "staff-account:" + request.form.get("email", "").strip().lower()[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["STAFF_LOGIN_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["STAFF_ACCOUNT_LOGIN_LIMIT"],
    methods=["POST"],
    key_func=_posted_account,
    # Only failures count, and never those of a browser that logged in to the account before.
    deduct_when=lambda response: response.status_code == 401,
    exempt_when=lambda: known_device(request.form.get("email", "")),
)
def login():
    """The login form; failed attempts are limited per client address and per account."""
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = authenticate(get_session(), form.email.data, form.password.data)
        if user is not None:
            start_session(user)
            response = redirect(_safe_next(request.args.get("next")))
            remember_device(response, user)
            return response
        failed = True
    status = 401 if failed else 200
    return render_template("staff/login.html", form=form, failed=failed), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End the session, on the server too."""
    end_current_session()
    return redirect(url_for("staff.login"))


@bp.route("/password/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["STAFF_LOGIN_LIMIT"], methods=["POST"])
def set_password(token: str):
    """Choose a password from a mailed link (a new account's first one, or after a reset)."""
    session = get_session()
    user = account_of_reset(session, token)
    if user is None:
        return render_template("staff/set_password.html", form=None, expired=True), 404
    form = PasswordForm()
    if form.validate_on_submit():
        reset_password(session, token, form.password.data)
        flash(_("Your password is set. You can log in with it now."))
        return redirect(url_for("staff.login"))
    response = make_response(render_template("staff/set_password.html", form=form, account=user, expired=False))
    # The address carries the token: it must not leak to other sites.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response, 400 if form.errors else 200


@bp.route("/")
def queue():
    """Tickets in order of first-response deadline, filtered, searched and paginated."""
    filters = {name: request.args.get(name, "").strip()[:100] for name in QUEUE_FILTERS}
    filters["status"] = filters["status"] or "active"
    found = queue_page(
        get_session(), filters, request.args.get("page", 1, type=int) or 1, PAGE_SIZE, me=current_user.id
    )
    now, policies = utcnow(), current_policies()
    return render_template(
        "staff/queue.html",
        rows=[
            (ticket, queue_state(ticket, now), most_urgent(targets_of(ticket, policies, now)))
            for ticket in found.tickets
        ],
        now=now,
        filters=filters,
        total=found.total,
        page=found.page,
        pages=found.pages,
        statuses=STATUSES,
        categories=CATEGORIES,
        priorities=PRIORITIES,
        products=[slug for slug, _product in current_library().products("en")],
        assignee_filters={MINE: _("Mine"), UNASSIGNED: _("Unassigned")},
    )


def _ticket(reference: str) -> Ticket:
    ticket = ticket_by_reference(get_session(), reference)
    if ticket is None:
        abort(404)
    return ticket


def _ticket_page(found: Ticket, reply_form: ReplyForm | None = None) -> str:
    policies, now, session = current_policies(), utcnow(), get_session()
    return render_template(
        "staff/ticket.html",
        ticket=found,
        deadline=first_response_deadline(found, policies),
        policy=policies.by_code(found.policy_code),
        claimed_policy=policies.for_contract(found.contract_number) if found.contract_number else None,
        state=queue_state(found, now),
        targets=targets_of(found, policies, now),
        paging=paging_state(session, found),
        priority_form=PriorityForm(priority=found.priority or "average"),
        reply_form=reply_form or ReplyForm(),
        note_form=NoteForm(),
        status_form=StatusForm(status=found.status),
        action_form=FlaskForm(),
        limits=attachment_limits(),
        assign_form=_assign_form(AssignForm(assignee=str(found.assignee_id or ""))),
        acknowledge_form=AcknowledgeForm(),
    )


@bp.route("/tickets/<reference>")
def ticket(reference: str):
    """Everything about one ticket, and what can be done with it."""
    return _ticket_page(_ticket(reference))


def _assign_form(form: AssignForm) -> AssignForm:
    form.offer(active_staff(get_session()), _("Nobody (the team)"))
    return form


@bp.route("/tickets/<reference>/assign", methods=["POST"])
def change_assignee(reference: str):
    """Give the ticket to an agent (its warnings go to them), or back to the team."""
    found = _ticket(reference)
    form = _assign_form(AssignForm())
    if not form.validate_on_submit():
        abort(400)
    assignee = staff_by_id(get_session(), int(form.assignee.data)) if form.assignee.data else None
    assign(get_session(), found, assignee, actor=current_user.email)
    if assignee is None:
        flash(_("The ticket is now assigned to nobody: it is the team's."))
    else:
        flash(_("Ticket assigned to %(name)s.", name=assignee.name))
    return redirect(url_for("staff.ticket", reference=found.reference))


@bp.route("/tickets/<reference>/priority", methods=["POST"])
def change_priority(reference: str):
    """Set the priority: the deadline is recomputed from the creation instant."""
    found = _ticket(reference)
    form = PriorityForm()
    if found.category != "technical" or not form.validate_on_submit():
        abort(400)
    set_priority(
        get_session(), found, form.priority.data, current_policies(), actor=current_user.email, announce=push_change
    )
    deliver_in_background(current_app._get_current_object())
    flash(_("Priority set; the first-response deadline has been recomputed."))
    return redirect(url_for("staff.ticket", reference=found.reference))


@bp.route("/tickets/<reference>/reply", methods=["POST"])
@accepts_files
def send_reply(reference: str):
    """Answer the customer by mail, in the ticket's language, with files."""
    found = _ticket(reference)
    form = ReplyForm()
    if not form.validate_on_submit():
        abort(400)
    limits = attachment_limits()
    try:
        files = check_uploads(uploads(), limits)
    except UploadError as error:
        form.files.errors = [upload_error_text(error, limits)]
        return _ticket_page(found, reply_form=form), 400
    reply(
        get_session(),
        found,
        form.body.data.strip(),
        author_name=current_user.name,
        actor=current_user.email,
        mails=reply_mails,
        files=files,
        store=attachment_store(),
        announce=push_change,
    )
    deliver_in_background(current_app._get_current_object())
    flash(_("Reply sent."))
    return redirect(url_for("staff.ticket", reference=found.reference))


@bp.route("/tickets/<reference>/files/<int:attachment_id>")
def ticket_file(reference: str, attachment_id: int):
    """A file of the ticket, as a download."""
    attachment = any_attachment(_ticket(reference), attachment_id)
    if attachment is None:
        abort(404)
    return download(get_session(), attachment_store(), attachment)


@bp.route("/tickets/<reference>/contract", methods=["POST"])
def confirm_claimed_contract(reference: str):
    """Confirm the contract the requester claimed: its policy applies, the deadline is recomputed from creation."""
    found = _ticket(reference)
    if not FlaskForm().validate_on_submit() or not found.contract_number or found.contract_verified:
        abort(400)
    confirm_contract(get_session(), found, current_policies(), actor=current_user.email)
    flash(_("Contract confirmed; the first-response deadline has been recomputed."))
    return redirect(url_for("staff.ticket", reference=found.reference))


@bp.route("/tickets/<reference>/note", methods=["POST"])
def write_note(reference: str):
    """Add an internal note."""
    found = _ticket(reference)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    add_note(
        get_session(),
        found,
        form.body.data.strip(),
        author_name=current_user.name,
        actor=current_user.email,
        announce=push_change,
    )
    deliver_in_background(current_app._get_current_object())
    flash(_("Note added."))
    return redirect(url_for("staff.ticket", reference=found.reference))


@bp.route("/tickets/<reference>/status", methods=["POST"])
def change_status(reference: str):
    """Move the ticket to another status."""
    found = _ticket(reference)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    set_status(
        get_session(), found, form.status.data, actor=current_user.email, mails=status_mails, announce=push_change
    )
    deliver_in_background(current_app._get_current_object())
    flash(_("Status changed."))
    return redirect(url_for("staff.ticket", reference=found.reference))


@bp.route("/accounts", methods=["GET", "POST"])
def accounts():
    """Administrators: every staff account, and a form to add one (its owner gets a link to set a password)."""
    require_admin()
    session = get_session()
    form = NewStaffForm()
    if form.validate_on_submit():
        try:
            user = create_staff(
                session, email=form.email.data, name=form.name.data or "", role=form.role.data, password=None
            )
        except AccountError as error:
            form.email.errors.append(ACCOUNT_ERRORS[error.reason])
        else:
            _mail_password_link(user)
            flash(_("Account created; %(email)s has been sent a link to choose a password.", email=user.email))
            return redirect(url_for("staff.accounts"))
    status = 400 if form.errors else 200
    return render_template("staff/accounts.html", form=form, users=all_staff(session), role_names=ROLE_NAMES), status


def _account(user_id: int):
    require_admin()
    user = staff_by_id(get_session(), user_id)
    if user is None:
        abort(404)
    return user


def _mail_password_link(user) -> None:
    token = start_password_reset(get_session(), user)
    session = get_session()
    enqueue(session, password_link_mail(user, token))
    session.commit()
    deliver_in_background(current_app._get_current_object())


def _account_change(change) -> None:
    try:
        change()
    except AccountError as error:
        get_session().rollback()
        flash(ACCOUNT_ERRORS[error.reason], "error")


@bp.route("/accounts/<int:user_id>/role", methods=["POST"])
def change_role(user_id: int):
    """Administrators: make an account an agent or an administrator."""
    user = _account(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    _account_change(lambda: set_role(get_session(), user, form.role.data, by=current_user))
    return redirect(url_for("staff.accounts"))


@bp.route("/accounts/<int:user_id>/active", methods=["POST"])
def change_active(user_id: int):
    """Administrators: disable an account (its sessions end at once) or enable it again."""
    user = _account(user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    _account_change(lambda: set_active(get_session(), user, active, by=current_user))
    return redirect(url_for("staff.accounts"))


@bp.route("/accounts/<int:user_id>/reset", methods=["POST"])
def force_reset(user_id: int):
    """Administrators: forget an account's password, end its sessions, mail its owner a link to choose another."""
    user = _account(user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    _mail_password_link(user)
    flash(_("%(email)s must now choose a new password; a link has been mailed.", email=user.email))
    return redirect(url_for("staff.accounts"))


#: Reports cover days of these years (beyond, dates are typing mistakes, and day arithmetic overflows).
REPORT_YEARS = (2000, 2999)


def _report_date(name: str, default: dt.date) -> dt.date:
    """The date of parameter ``name``, or ``default``; a date outside :data:`REPORT_YEARS` is a 400."""
    text = request.args.get(name, "")
    try:
        day = dt.date.fromisoformat(text) if text else default
    except ValueError:
        return default
    if not REPORT_YEARS[0] <= day.year <= REPORT_YEARS[1]:
        abort(
            400,
            description=_(
                "Reports cover the years %(first)d to %(last)d.", first=REPORT_YEARS[0], last=REPORT_YEARS[1]
            ),
        )
    return day


@bp.route("/organisations", methods=["GET", "POST"])
@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def organisations(organisation_id: int | None = None):
    """Administrators: customer organisations, their members, contracts and products; add one or change one."""
    require_admin()
    session = get_session()
    organisation = None
    if organisation_id is not None:
        organisation = organisation_by_id(session, organisation_id)
        if organisation is None:
            abort(404)
    form = OrganisationForm()
    products = current_library().products("en")
    form.products.choices = [(slug, product.page.title if product else slug) for slug, product in products]
    if request.method == "GET" and organisation is not None:
        facts = organisation_facts(organisation)
        form.name.data, form.share_tickets.data, form.products.data = (
            facts.name,
            facts.share_tickets,
            list(facts.products),
        )
        form.domains.data, form.members.data, form.contracts.data = (
            "\n".join(facts.domains),
            "\n".join(facts.members),
            "\n".join(facts.contracts),
        )
    if form.validate_on_submit():
        facts = OrganisationFacts(
            name=form.name.data,
            domains=lines(form.domains.data),
            members=lines(form.members.data),
            contracts=lines(form.contracts.data),
            products=tuple(slug for slug in form.products.data or () if slug in dict(products)),
            share_tickets=bool(form.share_tickets.data),
        )
        try:
            saved = save_organisation(session, facts, organisation=organisation)
        except OrganisationError as error:
            session.rollback()
            form.name.errors.append(ORGANISATION_ERRORS[error.reason])
        else:
            flash(_("Organisation %(name)s saved.", name=saved.name))
            return redirect(url_for("staff.organisations"))
    return (
        render_template(
            "staff/organisations.html", form=form, organisation=organisation, organisations=all_organisations(session)
        ),
        400 if form.errors else 200,
    )


def _period() -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    """The period asked for (``start`` and ``end`` dates, end included), in Paris days."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    today = utcnow().astimezone(zone).date()
    end = _report_date("end", today)
    start = _report_date("start", max(end - dt.timedelta(days=DEFAULT_DAYS - 1), dt.date(REPORT_YEARS[0], 1, 1)))
    if start > end:
        start, end = end, start
    begin = dt.datetime.combine(start, dt.time(), zone).astimezone(dt.UTC)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    return start, end, begin, finish


def _labels() -> dict[str, str]:
    return {
        **{code: str(name) for code, name in PRIORITY_NAMES.items()},
        "in_hours": _("In business hours"),
        "out_of_hours": _("Outside business hours"),
        "no_data": _("no ticket"),
    }


@bp.route("/reports/sla")
def sla_report_page():
    """First-response compliance for a period: figures, chart, breaches."""
    start, end, begin, finish = _period()
    session, now = get_session(), utcnow()
    report = sla_report(tickets_created(session, begin, finish), start=begin, end=finish, now=now)
    ratings = satisfaction(ratings_of_tickets_created(session, begin, finish))
    chart = sla_chart_svg(
        report, title=_("First responses on time, by priority and window"), labels=_labels(), percent=format_share
    )
    targets = targets_report(
        ticket_targets_created(get_session(), begin, finish, current_policies(), now), start=begin, end=finish
    )
    return render_template(
        "staff/sla_report.html",
        report=report,
        targets=targets,
        chart=Markup(chart),
        start=start,
        end=end,
        labels=_labels(),
        ratings=ratings,
    )


@bp.route("/reports/sla.csv")
def sla_report_csv():
    """The tickets of the period, one row each, for a spreadsheet."""
    start, end, begin, finish = _period()
    columns = {
        "reference": _("Ticket reference"),
        "created_at": _("Created"),
        "category": _("Category"),
        "priority": _("Priority"),
        "window": _("Window"),
        "first_response_due": _("First response due"),
        "first_response_at": _("First response"),
        "response_minutes": _("Minutes to first response"),
        "status": _("SLA"),
    }
    text = sla_csv(
        tickets_created(get_session(), begin, finish), start=begin, end=finish, now=utcnow(), columns=columns
    )
    return _csv(text, f"sla-{start.isoformat()}-{end.isoformat()}.csv")


@bp.route("/reports/sla-breaches.csv")
def sla_breaches_csv():
    """Every missed target (first response, next response, resolution) of the period's tickets, one row each."""
    start, end, begin, finish = _period()
    report = targets_report(
        ticket_targets_created(get_session(), begin, finish, current_policies(), utcnow()), start=begin, end=finish
    )
    columns = {
        "reference": _("Ticket reference"),
        "target": _("Target"),
        "priority": _("Priority"),
        "window": _("Window"),
        "clock": _("Clock"),
        "target_minutes": _("Target (minutes)"),
        "started_at": _("Started"),
        "due": _("Missed at"),
        "ended_at": _("Ended"),
        "minutes_over": _("Minutes over"),
    }
    return _csv(
        breaches_csv(report.breaches, columns=columns), f"sla-breaches-{start.isoformat()}-{end.isoformat()}.csv"
    )


def _csv(text: str, filename: str):
    response = make_response(text)
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/reports/content")
def content_report():
    """The deflection funnel, searches that found nothing, and article feedback."""
    start, end, _begin, _finish = _period()
    session = get_session()
    search_tally().flush()
    searches = {
        lang: (
            top_queries(session, found=True, lang=lang, limit=15),
            top_queries(session, found=False, lang=lang, limit=15),
        )
        for lang in current_app.config["LANGUAGES"]
    }
    library = current_library()
    feedback = [(tally, library.exact(tally.lang, tally.article_id)) for tally in feedback_tallies(session)]
    return render_template(
        "staff/content_report.html",
        funnel=funnel(session, start, end),
        searches=searches,
        feedback=feedback,
        start=start,
        end=end,
    )


@bp.route("/translations")
def translations():
    """Every page in every language: ok, missing, stale or orphan; filterable."""
    library = current_library()
    languages = library.languages
    wanted_lang = request.args.get("lang", "")
    wanted_status = request.args.get("status", "")
    shown = [lang for lang in languages if not wanted_lang or lang == wanted_lang]
    rows = [
        (page_id, cells)
        for page_id, cells in library.translation_matrix().items()
        if not wanted_status or any(cells[lang] == wanted_status for lang in shown)
    ]
    statuses = tuple(TRANSLATION_STATUS_NAMES)
    counts = {status: sum(cells[lang] == status for _id, cells in rows for lang in shown) for status in statuses}
    return render_template(
        "staff/translations.html",
        rows=rows,
        shown_languages=shown,
        all_languages=languages,
        statuses=statuses,
        wanted_lang=wanted_lang,
        wanted_status=wanted_status,
        counts=counts,
        source_language=library.source_language,
    )


@bp.route("/translations/<lang>/<path:page_id>/diff")
def translation_diff(lang: str, page_id: str):
    """What changed in the source of a stale translation since it was translated."""
    library = current_library()
    if lang not in current_app.config["LANGUAGES"] or library.status(page_id, lang) != STALE:
        abort(404)
    translation = library.exact(lang, page_id)
    source = library.exact(library.source_language, page_id)
    if translation.source_revision is None:
        diff = None
    else:
        _meta, body, _line = split_front_matter(source.path.read_text(encoding="utf-8"))
        diff = source_diff(source.path, translation.source_revision, body)
    return render_template("staff/translation_diff.html", translation=translation, source=source, diff=diff)
