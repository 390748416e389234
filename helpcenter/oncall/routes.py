"""The acknowledgement page that every on-call page links to (staff sign-in first)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from helpcenter.db import get_session
from helpcenter.staff.login import no_store, require_staff
from helpcenter.tickets.queries import ticket_by_reference

from .forms import AcknowledgeForm
from .operations import acknowledge_page
from .queries import paging_state

bp = Blueprint("oncall", __name__, url_prefix="/staff")
bp.before_request(require_staff)
bp.after_request(no_store)


@bp.route("/tickets/<reference>/acknowledge", methods=["GET", "POST"])
def acknowledge(reference: str):
    """Show the ticket that paged, and acknowledge its page with the button (pages then stop)."""
    session = get_session()
    ticket = ticket_by_reference(session, reference)
    if ticket is None:
        abort(404)
    form = AcknowledgeForm()
    if form.validate_on_submit():
        acknowledgement = acknowledge_page(session, ticket, current_user)
        if acknowledgement.staff_id == current_user.id:
            flash(_("Page acknowledged: on-call pages about %(reference)s have stopped.", reference=ticket.reference))
        else:
            flash(_("%(email)s had already acknowledged this page.", email=acknowledgement.staff_email))
        return redirect(url_for("staff.ticket", reference=ticket.reference))
    status = 400 if form.errors else 200
    return render_template(
        "staff/acknowledge.html", ticket=ticket, paging=paging_state(session, ticket), form=form
    ), status
