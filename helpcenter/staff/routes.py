"""The queue, a ticket's page and its actions."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from helpcenter.articles.routes import policy_set
from helpcenter.db import get_session, utcnow
from helpcenter.library import current_library
from helpcenter.mail import deliver_in_background
from helpcenter.sla import CATEGORIES, PRIORITIES, first_response_due
from helpcenter.tickets.models import STATUSES, Ticket
from helpcenter.tickets.notifications import reply_mails
from helpcenter.tickets.operations import add_note, breach_state, reply, set_priority, set_status

from . import bp
from .forms import NoteForm, PriorityForm, ReplyForm, StatusForm

PAGE_SIZE = 25
ACTIVE = ("new", "open", "waiting")
FILTERS = ("status", "category", "priority", "product", "language", "q")


def _filters() -> dict[str, str]:
    return {name: request.args.get(name, "").strip()[:100] for name in FILTERS}


@bp.route("/")
def queue():
    """Tickets in order of first-response deadline, filtered, searched and paginated."""
    filters = _filters()
    query = select(Ticket)
    status = filters["status"] or "active"
    if status == "active":
        query = query.where(Ticket.status.in_(ACTIVE))
    elif status in STATUSES:
        query = query.where(Ticket.status == status)
    for name in ("category", "priority", "product", "language"):
        if filters[name]:
            query = query.where(getattr(Ticket, name) == filters[name])
    if filters["q"]:
        like = f"%{filters['q']}%"
        query = query.where(
            or_(
                Ticket.reference.ilike(like),
                Ticket.subject.ilike(like),
                Ticket.requester_email.ilike(like),
                Ticket.requester_name.ilike(like),
                Ticket.company.ilike(like),
            )
        )
    session = get_session()
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, min(request.args.get("page", 1, type=int) or 1, max(1, -(-total // PAGE_SIZE))))
    tickets = session.scalars(
        query.order_by(Ticket.first_response_due.is_(None), Ticket.first_response_due, Ticket.created_at)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    now = utcnow()
    return render_template(
        "staff/queue.html",
        rows=[(ticket, breach_state(ticket, now)) for ticket in tickets],
        now=now,
        filters={**filters, "status": status},
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        statuses=STATUSES,
        categories=CATEGORIES,
        priorities=PRIORITIES,
        products=[slug for slug, _product in current_library().products("en")],
    )


def _ticket(reference: str) -> Ticket:
    ticket = get_session().scalars(select(Ticket).filter_by(reference=reference.upper())).first()
    if ticket is None:
        abort(404)
    return ticket


@bp.route("/tickets/<reference>")
def ticket(reference: str):
    """Everything about one ticket, and what can be done with it."""
    found = _ticket(reference)
    policies = policy_set()
    policy = policies.policies.get(found.policy_code, policies.default)
    deadline = first_response_due(found.created_at, found.category, found.priority, policy)
    return render_template(
        "staff/ticket.html",
        ticket=found,
        deadline=deadline,
        policy=policy,
        state=breach_state(found, utcnow()),
        priority_form=PriorityForm(priority=found.priority or "average"),
        reply_form=ReplyForm(),
        note_form=NoteForm(),
        status_form=StatusForm(status=found.status),
    )


@bp.route("/tickets/<reference>/priority", methods=["POST"])
def change_priority(reference: str):
    """Set the priority: the deadline is recomputed from the creation instant."""
    found = _ticket(reference)
    form = PriorityForm()
    if found.category != "technical" or not form.validate_on_submit():
        abort(400)
    set_priority(get_session(), found, form.priority.data, policy_set(), actor=current_user.email)
    flash(_("Priority set; the first-response deadline has been recomputed."))
    return redirect(url_for("staff.ticket", reference=found.reference))


@bp.route("/tickets/<reference>/reply", methods=["POST"])
def send_reply(reference: str):
    """Answer the customer by mail, in the ticket's language."""
    found = _ticket(reference)
    form = ReplyForm()
    if not form.validate_on_submit():
        abort(400)
    reply(
        get_session(),
        found,
        form.body.data.strip(),
        author_name=current_user.name,
        actor=current_user.email,
        mails=reply_mails,
    )
    deliver_in_background(current_app._get_current_object())
    flash(_("Reply sent."))
    return redirect(url_for("staff.ticket", reference=found.reference))


@bp.route("/tickets/<reference>/note", methods=["POST"])
def write_note(reference: str):
    """Add an internal note."""
    found = _ticket(reference)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    add_note(get_session(), found, form.body.data.strip(), author_name=current_user.name, actor=current_user.email)
    flash(_("Note added."))
    return redirect(url_for("staff.ticket", reference=found.reference))


@bp.route("/tickets/<reference>/status", methods=["POST"])
def change_status(reference: str):
    """Move the ticket to another status."""
    found = _ticket(reference)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    set_status(get_session(), found, form.status.data, actor=current_user.email)
    flash(_("Status changed."))
    return redirect(url_for("staff.ticket", reference=found.reference))
