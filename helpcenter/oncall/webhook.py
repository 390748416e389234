"""The webhook channel: an outbox message POSTed as JSON, signed with HMAC-SHA256 when a secret is set.

The body is the message's payload exactly as the outbox stored it, so that
every attempt sends (and signs) the same bytes; the signature is
``X-Helpcenter-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` under
``HELPCENTER_ONCALL_WEBHOOK_SECRET``, read when sending (a new secret signs
what is still waiting). A 2xx answer delivers; 408, 429 and 5xx answers and
network faults are tried again later; any other answer (4xx, and 3xx: a
signed call is never replayed to wherever a redirect points) is final.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from helpcenter.outbox import DeliveryError, OutboxMessage

CHANNEL = "webhook"
SIGNATURE_HEADER = "X-Helpcenter-Signature"
#: Answers that say "try again later" although they are 4xx.
RETRY_STATUSES = frozenset({408, 429})
USER_AGENT = "helpcenter-webhook/1"


@dataclass(frozen=True)
class WebhookCall:
    """A JSON POST to put in the outbox (``subject`` names it in the outbox and the logs)."""

    recipient: str
    subject: str
    payload: dict[str, Any]
    body: str = ""
    channel: str = CHANNEL


def signature(secret: str, body: bytes) -> str:
    """The value of the signature header for ``body``: ``sha256=`` and the hex HMAC-SHA256 under ``secret``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        """Follow no redirect."""
        return None  # the 3xx answer comes back as an HTTPError, judged like any other


_OPENER = urllib.request.build_opener(_NoRedirects)


class WebhookChannel:
    """POSTs outbox messages to their URL, signed when a secret is set; each attempt waits at most ``timeout`` seconds."""

    def __init__(self, secret: str | None, *, timeout: float = 10.0) -> None:
        self.secret = secret
        self.timeout = timeout

    def send(self, message: OutboxMessage) -> None:
        """POST one message (``DeliveryError`` unless the receiver answers 2xx; ``permanent`` when retrying cannot help)."""
        body = (message.payload or "{}").encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            # The same at every attempt: a receiver can tell a resend from a new call.
            "X-Helpcenter-Delivery": str(message.id),
        }
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, body)
        request = urllib.request.Request(message.recipient, data=body, headers=headers, method="POST")
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
            error.close()
        except (OSError, http.client.HTTPException) as error:
            # Refused, unreachable, timed out, or an answer that is not HTTP: the receiver may be back later.
            raise DeliveryError(f"{type(error).__name__}: {error}") from error
        except ValueError as error:  # not a URL urllib can call: no later attempt will do better
            raise DeliveryError(f"{type(error).__name__}: {error}", permanent=True) from error
        if 200 <= status < 300:
            return
        final = status < 500 and status not in RETRY_STATUSES
        raise DeliveryError(f"the receiver answered HTTP {status}", permanent=final)
