"""Views of the Customer Area: sign in by e-mail link, my tickets, a ticket with its conversation and files."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from helpcenter.attachments.labels import upload_error_text
from helpcenter.attachments.operations import UploadError, check_uploads
from helpcenter.attachments.responses import download
from helpcenter.attachments.store import attachment_store
from helpcenter.attachments.uploads import accepts_files, attachment_limits, uploads
from helpcenter.db import get_session, utcnow
from helpcenter.extensions import limiter
from helpcenter.i18n import all_languages
from helpcenter.jira import push_change
from helpcenter.library import current_library, current_policies
from helpcenter.outbox import deliver_in_background, enqueue
from helpcenter.security import local_target
from helpcenter.sla import response_state
from helpcenter.tickets.models import STATUSES, Ticket
from helpcenter.tickets.notifications import customer_reply_notice, signature_matches, status_mails
from helpcenter.tickets.operations import (
    TicketStateError,
    can_reopen,
    customer_message,
    rate,
    reopen,
    resolve_by_customer,
    stop_mails,
)
from helpcenter.tickets.queries import customer_promise, public_attachment, ticket_by_reference

from .forms import SCORE_NAMES, CustomerReplyForm, RatingForm, SignInForm
from .labels import CUSTOMER_STATE_NAMES
from .login import current_customer, keep_signed_in, sign_out
from .notifications import sign_in_mail
from .operations import new_sign_in_link, normal_address, use_sign_in_link
from .queries import products_of, readable_ticket, visible_tickets

bp = Blueprint("account", __name__)
bp.add_app_template_global(SCORE_NAMES.__getitem__, "score_name")
bp.add_app_template_global(CUSTOMER_STATE_NAMES.__getitem__, "customer_state_name")
bp.add_app_template_global(response_state)


@bp.after_request
def private(response):
    """A customer's pages are theirs alone: never kept by a cache, never indexed."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _safe_next(lang: str, target: str | None) -> str | None:
    """``target`` when it is a page of this site's Customer Area (or the ticket form) in ``lang``, else None."""
    return local_target(target, f"/{lang}/account/", f"/{lang}/tickets/new")


def _sign_in_first(lang: str):
    """Send a reader who is not signed in to the sign-in form, to come back here after."""
    return redirect(url_for("account.sign_in", lang=lang, next=request.full_path.rstrip("?")))


def _posted_address() -> str:
    return "sign-in:" + normal_address(request.form.get("email", ""))[:254]


@bp.route("/<lang:lang>/account/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_ADDRESS_LIMIT"], methods=["POST"], key_func=_posted_address)
def sign_in(lang: str):
    """Ask for a sign-in link; the answer is the same whether the address is known or not."""
    form = SignInForm()
    if request.method == "GET":
        if current_customer():
            return redirect(_safe_next(lang, request.args.get("next")) or url_for("account.home", lang=lang))
        form.next.data = _safe_next(lang, request.args.get("next")) or ""
    if form.validate_on_submit():
        session = get_session()
        email = normal_address(form.email.data)
        token = new_sign_in_link(session, email)
        enqueue(session, sign_in_mail(email, lang, token, _safe_next(lang, form.next.data)))
        session.commit()
        deliver_in_background(current_app._get_current_object())
        return render_template("account/sign_in_sent.html", email=email, alternates=all_languages())
    status = 400 if form.errors else 200
    return render_template("account/sign_in.html", form=form, alternates=all_languages()), status


@bp.route("/<lang:lang>/account/sign-in/<token>")
def sign_in_link(lang: str, token: str):
    """The link from the mail: signs the reader in once; used or expired, it asks for a new one."""
    session_token = use_sign_in_link(get_session(), token)
    if session_token is None:
        form = SignInForm()
        page = render_template("account/sign_in.html", form=form, expired=True, alternates={})
        response = make_response(page, 404)
    else:
        response = redirect(_safe_next(lang, request.args.get("next")) or url_for("account.home", lang=lang))
        keep_signed_in(response, session_token)
    # The address carries the token: it must not leak to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/<lang:lang>/account/sign-out", methods=["POST"])
def sign_out_view(lang: str):
    """Sign out: the session ends on the server too."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    response = redirect(url_for("account.sign_in", lang=lang, signed_out=1))
    sign_out(response)
    return response


@bp.route("/<lang:lang>/account/")
def home(lang: str):
    """My tickets (and shared colleagues'), filterable by status; my organisation's products and tutorials."""
    email = current_customer()
    if email is None:
        return _sign_in_first(lang)
    session = get_session()
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    library = current_library()
    known = dict(library.products(lang))
    products = [
        (slug, known[slug], library.articles(lang, "tutorials", slug))
        for slug in products_of(session, email)
        if slug in known
    ]
    return render_template(
        "account/home.html",
        email=email,
        tickets=visible_tickets(session, email, status or None),
        status=status,
        statuses=STATUSES,
        products=products,
        now=utcnow(),
        alternates=all_languages(),
    )


def _readable(lang: str, reference: str) -> tuple[str, Ticket]:
    """The signed-in address and the ticket, or the same 404 as for no ticket: to a reader who is not
    signed in, or may not read it.  (Links in mails go through the sign-in page, which leads here.)"""
    email = current_customer()
    if email is None:
        abort(404)
    ticket = readable_ticket(get_session(), email, reference)
    if ticket is None:
        abort(404)
    return email, ticket


def _ticket_page(lang: str, email: str, ticket: Ticket, reply_form=None, rating_form=None, status: int = 200):
    now = utcnow()
    return (
        render_template(
            "account/ticket.html",
            email=email,
            ticket=ticket,
            messages=[message for message in ticket.messages if not message.internal],
            reply_form=reply_form or CustomerReplyForm(),
            rating_form=rating_form or RatingForm(),
            action_form=FlaskForm(),
            can_reopen=can_reopen(ticket, now),
            promise=customer_promise(ticket, current_policies(), now),
            now=now,
            limits=attachment_limits(),
            alternates=all_languages(),
        ),
        status,
    )


def _back_to_ticket(lang: str, ticket: Ticket, said: str, *, sent: bool = False):
    """After a change: say ``said`` on the ticket's page (``sent``: what the change queued leaves now)."""
    if sent:
        deliver_in_background(current_app._get_current_object())
    flash(said)
    return redirect(url_for("account.ticket", lang=lang, reference=ticket.reference), 303)


@bp.route("/<lang:lang>/account/tickets/<reference>")
def ticket(lang: str, reference: str):
    """A ticket for its customer: facts, the public conversation and its files, reply, resolve, reopen, rate."""
    email, found = _readable(lang, reference)
    return _ticket_page(lang, email, found)


@bp.route("/<lang:lang>/account/tickets/<reference>/reply", methods=["POST"])
@accepts_files
def send_reply(lang: str, reference: str):
    """The customer's reply, with files; a ticket that waited for them goes back to the staff queue."""
    email, found = _readable(lang, reference)
    form = CustomerReplyForm()
    if not form.validate_on_submit():
        return _ticket_page(lang, email, found, reply_form=form, status=400)
    limits = attachment_limits()
    try:
        files = check_uploads(uploads(), limits)
    except UploadError as error:
        form.files.errors = [upload_error_text(error, limits), _("Your text is kept; choose the files again.")]
        return _ticket_page(lang, email, found, reply_form=form, status=400)
    if found.status in ("resolved", "closed"):
        abort(409)  # the page offers "Reopen" (or a follow-up) instead of a reply
    customer_message(
        get_session(),
        found,
        form.body.data,
        author_name=found.requester_name if normal_address(found.requester_email) == email else email,
        actor=email,
        mails=customer_reply_notice,
        files=files,
        store=attachment_store(),
        announce=push_change,
    )
    return _back_to_ticket(lang, found, _("Your reply has been sent."), sent=True)


@bp.route("/<lang:lang>/account/tickets/<reference>/resolve", methods=["POST"])
def resolve(lang: str, reference: str):
    """ "Mark as resolved": the customer says the problem is solved."""
    email, found = _readable(lang, reference)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        resolve_by_customer(get_session(), found, actor=email, mails=status_mails, announce=push_change)
    except TicketStateError:
        abort(409)
    return _back_to_ticket(
        lang, found, _("Thank you: the ticket is resolved. You can reopen it within 14 days."), sent=True
    )


@bp.route("/<lang:lang>/account/tickets/<reference>/reopen", methods=["POST"])
def reopen_ticket(lang: str, reference: str):
    """ "Reopen": back to the staff queue, within 14 days of its resolution."""
    email, found = _readable(lang, reference)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        reopen(get_session(), found, actor=email, mails=status_mails, announce=push_change)
    except TicketStateError:
        return _back_to_ticket(
            lang, found, _("This ticket was resolved more than 14 days ago: file a new ticket that follows it up.")
        )
    return _back_to_ticket(lang, found, _("The ticket is open again; the support team has been told."), sent=True)


@bp.route("/<lang:lang>/account/tickets/<reference>/rate", methods=["POST"])
def rate_ticket(lang: str, reference: str):
    """How satisfied the customer is with the answer, once per resolved ticket."""
    email, found = _readable(lang, reference)
    form = RatingForm()
    if not form.validate_on_submit():
        return _ticket_page(lang, email, found, rating_form=form, status=400)
    try:
        rate(get_session(), found, int(form.score.data), form.comment.data or "")
    except TicketStateError:
        abort(409)
    return _back_to_ticket(lang, found, _("Thank you for your rating."))


@bp.route("/<lang:lang>/account/tickets/<reference>/files/<int:attachment_id>")
def file(lang: str, reference: str, attachment_id: int):
    """A file of the ticket's public conversation, for whoever may read the ticket (else the same 404)."""
    _email, found = _readable(lang, reference)
    attachment = public_attachment(found, attachment_id)
    if attachment is None:
        abort(404)
    return download(get_session(), attachment_store(), attachment)


@bp.route("/<lang:lang>/account/tickets/<reference>/stop-mails", methods=["GET", "POST"])
def stop_mails_view(lang: str, reference: str):
    """The "stop mails" link of every mail: no sign-in needed, the link is signed; a button confirms."""
    found = ticket_by_reference(get_session(), reference)
    signature = request.args.get("signature", "")
    if found is None or not signature_matches(found, signature):
        abort(404)
    form = FlaskForm()
    if form.validate_on_submit():
        stop_mails(get_session(), found)
    response = make_response(
        render_template("account/stop_mails.html", ticket=found, form=form, signature=signature, alternates={})
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
