"""What the drill found: the figures, compared with what customers and agents were told.

The expected mail is what the help centre promises, not what its outbox
holds: for every ticket a customer was given a reference for, a
confirmation to the customer and a notice to the helpdesk; for every reply
an agent saw go through, a mail to the customer.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass

from .load import CUSTOMER_DOMAIN, Ledger
from .mailsink import ReceivedMail
from .sites import HELPDESK_EMAIL

TICKET_MARKER = re.compile(r"drill-[0-9a-f]{32}")
REPLY_MARKER = re.compile(r"drill-reply-[0-9a-f]{32}")
SUBJECT_REFERENCE = re.compile(r"\[(HC-\d{4}-\d+)\]")


@dataclass(frozen=True)
class FaultRecord:
    """A fault as it happened: when, how long its handling took, what was done."""

    key: str
    title: str
    started: float
    seconds: float
    outcome: str


@dataclass(frozen=True)
class StoredState:
    """What a site's database holds of the drill's tickets and replies."""

    tickets: dict[str, list[str]]  # marker -> references
    replies: Counter  # reply marker -> stored messages
    unsent_mail: int
    slowest_mail_s: float  # the longest time from queued to sent

    @classmethod
    def from_rows(
        cls, tickets: list[tuple[str, str]], replies: list[tuple[str]], unsent_mail: int, slowest_mail_s: float
    ) -> StoredState:
        by_marker: dict[str, list[str]] = {}
        for reference, description in tickets:
            for marker in TICKET_MARKER.findall(description):
                by_marker.setdefault(marker, []).append(reference)
        reply_markers = Counter(marker for (body,) in replies for marker in REPLY_MARKER.findall(body))
        return cls(by_marker, reply_markers, unsent_mail, float(slowest_mail_s))


def mail_key(mail: ReceivedMail) -> tuple[str, str, str]:
    """Which mail a delivery is: (kind, ticket reference or reply marker, recipient).

    The promised kinds are ``confirmation``, ``notice`` and ``reply``; any
    other mail (an on-call page, a warning) is known by its subject.
    """
    reply = REPLY_MARKER.search(mail.body)
    if reply:
        return ("reply", reply.group(0), mail.recipient)
    found = SUBJECT_REFERENCE.search(mail.subject)
    reference = found.group(1) if found else ""
    if mail.recipient == HELPDESK_EMAIL and "New ticket:" in mail.subject:
        return ("notice", reference, mail.recipient)
    if mail.recipient.endswith(CUSTOMER_DOMAIN):
        return ("confirmation", reference, mail.recipient)
    return ("other", mail.subject, mail.recipient)


def expected_mail(ledger: Ledger) -> set[tuple[str, str, str]]:
    """The mail the help centre promised during the drill."""
    requesters = {ticket.reference: ticket.email for ticket in ledger.tickets if ticket.reference}
    expected = set()
    for reference, email in requesters.items():
        expected.add(("confirmation", reference, email))
        expected.add(("notice", reference, HELPDESK_EMAIL))
    for reply in ledger.replies:
        if reply.acknowledged_at is not None:
            expected.add(("reply", reply.marker, requesters[reply.reference]))
    return expected


def longest_gap(times: list[float], start: float, end: float) -> float:
    """The longest time within [start, end] with none of ``times``."""
    points = [start, *sorted(t for t in times if start < t < end), end]
    return max(later - earlier for earlier, later in zip(points, points[1:], strict=False))


def figures(
    ledger: Ledger,
    primary: StoredState,
    standby: StoredState,
    mails: list[ReceivedMail],
    faults: list[FaultRecord],
    load_seconds: float,
) -> dict:
    """The drill's figures (the JSON line)."""
    acknowledged = [ticket for ticket in ledger.tickets if ticket.reference]
    lost = [t for t in acknowledged if t.reference not in primary.tickets.get(t.marker, [])]
    missing_on_standby = [t for t in acknowledged if t.reference not in standby.tickets.get(t.marker, [])]
    duplicate_tickets = sum(len(references) - 1 for references in primary.tickets.values())
    asked = {ticket.marker for ticket in ledger.tickets}
    stored_unacknowledged = sum(1 for t in ledger.tickets if not t.reference and t.marker in primary.tickets)
    replies = [reply for reply in ledger.replies if reply.acknowledged_at is not None]
    lost_replies = sum(1 for reply in replies if primary.replies[reply.marker] == 0)
    duplicate_replies = sum(count - 1 for count in primary.replies.values() if count > 1)

    expected = expected_mail(ledger)
    deliveries = Counter(mail_key(mail) for mail in mails)
    same_message = Counter((mail.message_id, mail.recipient) for mail in mails)
    duplicate_mails = sum(count - 1 for count in deliveries.values())
    others = sum(count for key, count in deliveries.items() if key not in expected)

    exchanges = ledger.exchanges
    failed = [exchange for exchange in exchanges if not exchange.intended]
    acknowledgements = [t.acknowledged_at for t in acknowledged]
    recovery, failed_by_fault = {}, {}
    for fault, following in zip(faults, [*faults[1:], None], strict=True):
        end = following.started if following else load_seconds
        recovery[fault.key] = round(longest_gap(acknowledgements, fault.started, end), 2)
        failed_by_fault[fault.key] = sum(1 for e in failed if fault.started <= e.started + e.seconds < end)
    first = min(acknowledgements, default=load_seconds)
    return {
        "acknowledged": len(acknowledged),
        "lost": len(lost),
        "duplicate_tickets": duplicate_tickets,
        "mails_expected": len(expected),
        "mails_received": sum(1 for key in expected if deliveries[key]),
        "duplicate_mails": duplicate_mails,
        "requests": len(exchanges),
        "failed_requests": len(failed),
        "availability": round(100 * (len(exchanges) - len(failed)) / max(1, len(exchanges)), 2),
        "recovery_s": round(longest_gap(acknowledgements, first, load_seconds), 2),
        "recovery_by_fault_s": recovery,
        "failed_requests_by_fault": failed_by_fault,
        "tickets_asked": len(asked),
        "tickets_sent_again": sum(1 for t in acknowledged if t.attempts > 1),
        "tickets_stored_unacknowledged": stored_unacknowledged,
        "missing_on_standby": len(missing_on_standby),
        "replies_acknowledged": len(replies),
        "lost_replies": lost_replies,
        "duplicate_replies": duplicate_replies,
        "other_mails": others,
        "duplicate_message_ids": sum(count - 1 for count in same_message.values()),
        "outbox_unsent": primary.unsent_mail,
        "slowest_mail_s": round(primary.slowest_mail_s, 1),
        "load_s": round(load_seconds, 1),
    }


def table(result: dict, ledger: Ledger, faults: list[FaultRecord]) -> str:
    """The human-readable report printed before the JSON line."""
    lines = ["", "Faults", f"  {'at (s)':>7}  {'took (s)':>8}  {'recovery (s)':>12}  {'failed':>6}  fault"]
    for fault in faults:
        recovery = result["recovery_by_fault_s"][fault.key]
        failed = result["failed_requests_by_fault"][fault.key]
        lines.append(
            f"  {fault.started:7.1f}  {fault.seconds:8.1f}  {recovery:12.2f}  {failed:6d}  {fault.title}: {fault.outcome}"
        )
    lines += ["", "Requests", f"  {'kind':<18}{'total':>7}{'failed':>8}  answers"]
    kinds: dict[str, list] = {}
    for exchange in ledger.exchanges:
        kinds.setdefault(exchange.kind, []).append(exchange)
    for kind, exchanges in kinds.items():
        failed = [e for e in exchanges if not e.intended]
        statuses = Counter("none" if e.status is None else str(e.status) for e in exchanges)
        answers = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        lines.append(f"  {kind:<18}{len(exchanges):>7}{len(failed):>8}  {answers}")
    lines += [
        "",
        "Outcome",
        f"  tickets      asked {result['tickets_asked']}, acknowledged {result['acknowledged']} "
        f"({result['tickets_sent_again']} after sending the form again), "
        f"lost {result['lost']}, duplicates {result['duplicate_tickets']}, "
        f"stored without acknowledgement {result['tickets_stored_unacknowledged']}, "
        f"missing on the standby {result['missing_on_standby']}",
        f"  replies      acknowledged {result['replies_acknowledged']}, lost {result['lost_replies']}, "
        f"duplicates {result['duplicate_replies']}",
        f"  mail         expected {result['mails_expected']}, received {result['mails_received']}, "
        f"duplicates {result['duplicate_mails']}, other mail (pages, warnings) {result['other_mails']}, "
        f"left in the outbox {result['outbox_unsent']}, slowest {result['slowest_mail_s']} s from queued to sent",
        f"  requests     {result['requests']}, failed {result['failed_requests']}, "
        f"availability {result['availability']} %",
        f"  recovery     longest time without a ticket acknowledged: {result['recovery_s']} s",
        f"  jobs         still running at {result['jobs_running']} of 2 sites",
    ]
    return "\n".join(lines)


def timeline(ledger: Ledger) -> str:
    """Every exchange as CSV, in order: when, who, what, the status, whether it was intended."""
    rows = ["started_s,seconds,client,kind,status,intended"]
    for e in sorted(ledger.exchanges, key=lambda e: e.started):
        rows.append(f"{e.started:.3f},{e.seconds:.3f},{e.client},{e.kind},{e.status or ''},{int(e.intended)}")
    return "\n".join(rows) + "\n"


def json_line(result: dict) -> str:
    """The last line of the drill's output."""
    return json.dumps(result, sort_keys=False)
