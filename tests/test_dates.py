"""Deadlines as people read them, in the six languages: the date in words, the time without seconds, the zone named."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from helpcenter.db import database
from helpcenter.library import current_policies
from helpcenter.outbox.models import OutboxMessage
from helpcenter.policy_text import explain_deadline, format_deadline
from helpcenter.sla import first_response_due
from helpcenter.tickets.notifications import ticket_created_mails
from helpcenter.tickets.operations import create_ticket

from .helpers import ticket_request

# 1 December 2026, 06:54:26 in Paris (winter time, UTC+1); 2 July 2026, 01:04 in Paris (summer time, UTC+2).
WINTER = dt.datetime(2026, 12, 1, 5, 54, 26, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 1, 23, 4, 59, tzinfo=dt.UTC)

EXPECTED = {
    "en": ("December 1, 2026 at 6:54\u202fAM (Paris time)", "July 2, 2026 at 1:04\u202fAM (Paris time)"),
    "fr": ("1 décembre 2026 à 06:54 (heure de Paris)", "2 juillet 2026 à 01:04 (heure de Paris)"),
    "de": ("1. Dezember 2026 um 06:54 (Ortszeit Paris)", "2. Juli 2026 um 01:04 (Ortszeit Paris)"),
    "es": ("1 de diciembre de 2026, 6:54 (hora de París)", "2 de julio de 2026, 1:04 (hora de París)"),
    "it": ("1 dicembre 2026 alle ore 06:54 (ora di Parigi)", "2 luglio 2026 alle ore 01:04 (ora di Parigi)"),
    "pt": ("1 de dezembro de 2026, 06:54 (hora de Paris)", "2 de julho de 2026, 01:04 (hora de Paris)"),
}


@pytest.mark.parametrize("lang", EXPECTED)
def test_a_deadline_reads_in_words_to_the_minute_with_its_zone_named(app, lang):
    with app.test_request_context(), force_locale(lang):
        assert (format_deadline(WINTER), format_deadline(SUMMER)) == EXPECTED[lang]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_ticket_page_and_the_mail_say_the_deadline_that_way(app, lang):
    # Filed on Monday 30 November 2026 at 17:54:26 in Paris, after closing: a High ticket is due 12 hours later.
    created = dt.datetime(2026, 11, 30, 16, 54, 26, tzinfo=dt.UTC)
    with app.test_request_context():
        policies = current_policies()
        with database(app).sessions() as session:
            ticket, token = create_ticket(
                session,
                ticket_request(language=lang, site_language=lang),
                policies,
                now=created,
                mails=ticket_created_mails,
            )
            reference = ticket.reference
    due = EXPECTED[lang][0].replace("06:54", "05:54").replace("6:54", "5:54")
    html = app.test_client().get(f"/{lang}/tickets/{reference}", query_string={"token": token}).get_data(as_text=True)
    shown = re.search(r'<dd class="due"><time datetime="([^"]+)">([^<]+)</time>', html)
    assert shown.groups() == ("2026-12-01T04:54:26+00:00", due)
    with database(app).sessions() as session:
        bodies = [message.body for message in session.scalars(select(OutboxMessage))]
    [confirmation] = [body for body in bodies if token in body]
    assert f": {due}\n" in confirmation


def test_the_staff_explanation_reads_the_same_way(app):
    with app.test_request_context():
        deadline = first_response_due(WINTER, "technical", "high", current_policies().default)
        with force_locale("fr"):
            french = explain_deadline(deadline)
        with force_locale("en"):
            english = explain_deadline(deadline)
    assert french == (
        "Créé le 1 décembre 2026 à 06:54 (heure de Paris), en dehors des heures ouvrées (avant l’heure d’ouverture). "
        "Haute\u00a0: 12\u00a0heures. Échéance le 1 décembre 2026 à 18:54 (heure de Paris)."
    )
    assert english == (
        "Created December 1, 2026 at 6:54\u202fAM (Paris time), outside business hours (before opening time). "
        "High: 12 hours. Due December 1, 2026 at 6:54\u202fPM (Paris time)."
    )
