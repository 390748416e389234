"""The customer's side of tickets: the form, suggested articles, the ticket's private page."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from wtforms.fields.choices import SelectChoice

from helpcenter.account.login import current_customer
from helpcenter.account.queries import readable_ticket, requester_name_of
from helpcenter.attachments.labels import upload_error_text
from helpcenter.attachments.operations import UploadError, check_uploads
from helpcenter.attachments.responses import download
from helpcenter.attachments.store import attachment_store
from helpcenter.attachments.uploads import accepts_files, attachment_limits, uploads
from helpcenter.content import page_url
from helpcenter.db import get_session, utcnow
from helpcenter.extensions import limiter
from helpcenter.i18n import all_languages
from helpcenter.jira import push_change
from helpcenter.library import current_library, current_policies, run_search
from helpcenter.outbox import deliver_in_background
from helpcenter.search import SearchRequest, SearchUnavailable

from .forms import CATEGORY_DESCRIPTIONS, TICKET_LANGUAGES, TicketForm, impact_descriptions
from .labels import EVENT_NAMES, SLA_STATE_NAMES, STATUS_NAMES
from .notifications import ticket_created_mails, tracking_url
from .operations import (
    FUNNEL_STAGES,
    Submission,
    TicketRequest,
    count_funnel,
    create_ticket,
    find_submitted,
    find_ticket,
)
from .queries import customer_promise, public_attachment

bp = Blueprint("tickets", __name__)
# A ticket's words, for the customer's pages and the staff console alike.
bp.add_app_template_global(STATUS_NAMES.__getitem__, "status_name")
bp.add_app_template_global(SLA_STATE_NAMES.__getitem__, "sla_state_name")
bp.add_app_template_global(lambda kind: EVENT_NAMES.get(kind, kind), "event_name")
log = logging.getLogger(__name__)
SUGGESTIONS = 5
#: The session remembers the ticket just filed, for the confirmation on its page.
JUST_CREATED = "ticket_created"
#: The session's key that identifies the browser to the form's submissions.
BROWSER_KEY = "ticket_browser"


def _form(lang: str) -> TicketForm:
    form = TicketForm()
    products = current_library().products(lang)
    form.product.choices = [SelectChoice("", _("No particular product"))] + [
        SelectChoice(slug, product.page.title if product else slug) for slug, product in products
    ]
    customer = current_customer()
    if request.method == "GET":
        form.language.data = lang if lang in TICKET_LANGUAGES else "en"
        form.subject.data = request.args.get("subject", "")[:200]
        form.submission.data = secrets.token_urlsafe(18)
        session.setdefault(BROWSER_KEY, secrets.token_urlsafe(18))
        if customer:
            # Signed in to the Customer Area: who they are is known already.
            form.email.data = customer
            form.name.data = requester_name_of(get_session(), customer) or ""
        follow_up = request.args.get("follow_up", "")[:32]
        if follow_up and customer and readable_ticket(get_session(), customer, follow_up) is not None:
            form.follow_up_of.data = follow_up.upper()
            form.subject.data = form.subject.data or _("Follow-up to %(reference)s", reference=follow_up.upper())
    elif form.follow_up_of.data and not (customer and readable_ticket(get_session(), customer, form.follow_up_of.data)):
        form.follow_up_of.data = ""  # only a ticket its requester can read is followed up
    return form


def _submission(form: TicketForm) -> Submission | None:
    """This filling-in of the form by this browser; None for a form that does not say (an old page)."""
    browser = session.get(BROWSER_KEY)
    if not form.submission.data or not browser:
        return None
    return Submission.of(current_app.secret_key, browser, form.submission.data)


def _render_form(form: TicketForm, status: int = 200, **extra):
    return (
        render_template(
            "tickets/new.html",
            form=form,
            category_descriptions=CATEGORY_DESCRIPTIONS,
            impact_descriptions=impact_descriptions(),
            alternates=all_languages(),
            limits=attachment_limits(),
            **extra,
        ),
        status,
    )


@bp.route("/<lang:lang>/tickets/new", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TICKET_LIMIT"], methods=["POST"])
@accepts_files
def new(lang: str):
    """The ticket form, with files; without JavaScript, a first submit shows suggested articles.

    A form with files skips that step: files cannot be carried through it.
    """
    form = _form(lang)
    if request.method == "POST" and not form.validate():
        return _render_form(form, 400)
    if request.method == "GET":
        return _render_form(form)
    if form.website.data:
        log.info("ticket form honeypot filled; nothing stored")
        return _render_form(form, 400, rejected=True)
    limits = attachment_limits()
    try:
        files = check_uploads(uploads(), limits)
    except UploadError as error:
        form.files.errors = [upload_error_text(error, limits), _("Your text is kept; choose the files again.")]
        return _render_form(form, 400)
    product = form.product.data or ""
    if not form.suggestions_seen.data and not files:
        suggestions = suggested_articles(lang, f"{form.subject.data} {form.description.data}")
        if suggestions:
            _count(lang, product, "shown")
            form.suggestions_seen.data = "1"
            return render_template(
                "tickets/suggestions.html", form=form, suggestions=suggestions, alternates=all_languages()
            )
    wanted = TicketRequest(
        category=form.category.data,
        product=product,
        subject=form.subject.data.strip(),
        description=form.description.data.strip(),
        requester_name=form.name.data.strip(),
        requester_email=form.email.data.strip(),
        company=(form.company.data or "").strip(),
        contract_number=(form.contract.data or "").strip(),
        priority=form.impact.data,
        language=form.language.data,
        site_language=lang,
        follow_up_of=form.follow_up_of.data or "",
    )
    submission = _submission(form)
    try:
        ticket = find_submitted(get_session(), submission) if submission else None
        if ticket is not None:
            token = submission.token  # sent again: the ticket it filed, nothing more
        else:
            ticket, token = create_ticket(
                get_session(),
                wanted,
                current_policies(),
                mails=ticket_created_mails,
                files=files,
                store=attachment_store(),
                announce=push_change,
                submission=submission,
            )
            if form.suggestions_seen.data:
                _count(lang, product, "submitted")
            deliver_in_background(current_app._get_current_object())
    except SQLAlchemyError:
        log.exception("ticket could not be stored")
        get_session().rollback()
        return _render_form(form, 503, unavailable=True)
    # Said once, on the page the form leads to; the private link itself stays clean.
    session[JUST_CREATED] = ticket.reference
    return redirect(url_for("tickets.track", lang=lang, reference=ticket.reference, token=token), 303)


def suggested_articles(lang: str, text: str) -> list:
    """Up to five articles that may answer the request (none while search is unavailable)."""
    try:
        results = run_search(SearchRequest(text[:200], lang, per_page=SUGGESTIONS))
    except SearchUnavailable:
        return []
    library = current_library()
    return [(hit, page) for hit in results.hits if (page := library.exact(hit.lang, hit.id)) is not None]


@bp.route("/<lang:lang>/tickets/open")
def open_suggestion(lang: str):
    """Count a suggested article opened from the ticket form, then show it."""
    article = request.args.get("article", "")
    found = current_library().resolve(lang, article)
    if found is None:
        abort(404)
    _count(lang, request.args.get("product", "")[:100], "opened")
    return redirect(page_url(found.page.lang if found.fallback else lang, article))


@bp.route("/<lang:lang>/tickets/funnel", methods=["POST"])
def funnel(lang: str):
    """Count a step of the deflection funnel reported by the form's script."""
    stage = request.form.get("stage", "")
    if stage not in FUNNEL_STAGES or stage == "submitted":
        abort(400)
    _count(lang, request.form.get("product", "")[:100], stage)
    return "", 204


@bp.route("/<lang:lang>/tickets/solved", methods=["POST"])
def solved(lang: str):
    """Count "This solved my problem", and end here without a ticket."""
    _count(lang, request.form.get("product", "")[:100], "solved")
    return render_template("tickets/solved.html", alternates=all_languages())


def _count(lang: str, product: str, stage: str) -> None:
    product = product if product in {slug for slug, _p in current_library().products(lang)} else ""
    try:
        count_funnel(get_session(), lang=lang, product=product, stage=stage)
    except SQLAlchemyError:
        log.warning("could not count the %s step of the deflection funnel", stage, exc_info=True)
        get_session().rollback()


@bp.route("/<lang:lang>/tickets/<reference>/files/<int:attachment_id>")
def file(lang: str, reference: str, attachment_id: int):
    """A file of the ticket's public conversation, for whoever holds its private link (else the same 404)."""
    found = find_ticket(get_session(), reference, request.args.get("token"))
    attachment = public_attachment(found, attachment_id) if found is not None else None
    if attachment is None:
        abort(404)
    return download(get_session(), attachment_store(), attachment)


@bp.route("/<lang:lang>/tickets/<reference>")
def track(lang: str, reference: str):
    """The requester's private page of a ticket; a wrong token is the same 404 as no ticket."""
    ticket = find_ticket(get_session(), reference, request.args.get("token"))
    if ticket is None:
        abort(404)
    response = current_app.make_response(
        render_template(
            "tickets/track.html",
            ticket=ticket,
            created=session.pop(JUST_CREATED, None) == ticket.reference,
            link=tracking_url(ticket, request.args["token"], lang),
            token=request.args["token"],
            messages=[message for message in ticket.messages if not message.internal],
            promise=customer_promise(ticket, current_policies(), utcnow()),
        )
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "private, no-store"
    return response
