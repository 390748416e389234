"""The webhook Jira calls: ``POST /integrations/jira/webhook``, signed with the shared secret.

Jira signs the raw body with HMAC-SHA256 and the webhook's secret, and
sends ``X-Hub-Signature: sha256=<hex digest>``; anything else is a 401 and
nothing is stored.  A delivery is known by ``X-Atlassian-Webhook-Identifier``
(the same on every retry), so a retry changes nothing.  The view only checks
and hands over: :func:`helpcenter.jira.operations.apply_webhook` does the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from flask import Blueprint, jsonify, request

from helpcenter.db import get_session
from helpcenter.extensions import csrf
from helpcenter.library import current_policies

from .operations import apply_webhook
from .settings import jira_settings

bp = Blueprint("jira", __name__)
log = logging.getLogger(__name__)
#: The largest webhook body taken (Jira's carry one issue; a megabyte leaves room for long descriptions).
WEBHOOK_MAX_BYTES = 1024 * 1024


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is ``sha256=`` and the HMAC-SHA256 of ``body`` with ``secret``, compared in constant time."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


@bp.post("/integrations/jira/webhook")
@csrf.exempt
def webhook():
    """Take one signed webhook event from Jira; 401 unsigned, 413 too large, 400 not an event."""
    settings = jira_settings()
    request.max_content_length = WEBHOOK_MAX_BYTES
    body = request.get_data(cache=False)
    if settings is None or not signature_valid(settings.webhook_secret, body, request.headers.get("X-Hub-Signature")):
        log.warning("Jira webhook refused: no valid signature")
        return jsonify(error="invalid signature"), 401
    try:
        event = json.loads(body)
    except ValueError:
        return jsonify(error="the body is not JSON"), 400
    if not isinstance(event, dict) or not isinstance(event.get("webhookEvent"), str):
        return jsonify(error="not a Jira webhook event"), 400
    # Data Center may send no identifier: the body itself (with its timestamp) then tells a retry.
    delivery = request.headers.get("X-Atlassian-Webhook-Identifier", "").strip()[:100]
    delivery = delivery or "sha256:" + hashlib.sha256(body).hexdigest()
    outcome = apply_webhook(get_session(), settings, event, current_policies(), delivery=delivery)
    log.info("Jira webhook %s (%s): %s", delivery, event["webhookEvent"], outcome)
    return jsonify(outcome=outcome)
