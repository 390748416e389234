"""What Jira sends, read into plain values: requests, comments and changes, from webhooks and from searches.

Jira's webhooks carry an issue as the platform API shows it (``issue.fields``,
a comment with ``jsdPublic``, a ``changelog`` of what changed); the
service-management API shows comments with ``public`` and dates as
``{"epochMillis": …}``; the platform API version 3 writes rich text as
Atlassian Document Format where webhooks write plain text.  Everything
here accepts each form.  Pure functions: no database, no Flask.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .settings import JiraMapping

#: A Jira issue key: a project key, a dash, a number.
ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,63}-[1-9][0-9]{0,17}$")


@dataclass(frozen=True)
class JiraUser:
    """Someone in Jira: ``id`` is the Cloud ``accountId`` (the user name on Data Center)."""

    id: str = ""
    display_name: str = ""
    email: str = ""
    account_type: str = ""

    @property
    def label(self) -> str:
        """How the audit trail names them."""
        return f"{self.display_name or self.email or self.id or 'someone'} (Jira)"


@dataclass(frozen=True)
class InboundRequest:
    """A JSM request as a ticket needs it; ``values`` holds the mapped help-centre values found on it."""

    key: str
    summary: str
    description: str
    reporter: JiraUser
    created: dt.datetime | None
    request_type_id: str | None
    service_desk_id: str | None
    status: str | None
    priority: str | None
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundComment:
    """A comment on a request: public (the customer sees it) or internal."""

    id: str
    body: str
    public: bool
    author: JiraUser
    created: dt.datetime | None


@dataclass(frozen=True)
class InboundChange:
    """What an update changed: the new status and priority names (None where unchanged), and who changed it."""

    status: str | None
    priority: str | None
    actor: JiraUser


def user_from(raw: Any) -> JiraUser:
    """A user object of either API (``accountId`` or, on Data Center, ``name``)."""
    if not isinstance(raw, dict):
        return JiraUser()
    return JiraUser(
        id=str(raw.get("accountId") or raw.get("name") or ""),
        display_name=str(raw.get("displayName") or ""),
        email=str(raw.get("emailAddress") or ""),
        account_type=str(raw.get("accountType") or ""),
    )


def text_of(value: Any) -> str:
    """Plain text of a field: a string as it is, an Atlassian Document Format document as its text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return str(value)
    blocks: list[str] = []

    def walk(node: dict, out: list[str]) -> None:
        kind = node.get("type")
        if kind == "text":
            out.append(str(node.get("text", "")))
        elif kind == "hardBreak":
            out.append("\n")
        elif kind == "mention":
            out.append(str((node.get("attrs") or {}).get("text", "")))
        for child in node.get("content") or []:
            if isinstance(child, dict):
                walk(child, out)

    for block in value.get("content") or []:
        if isinstance(block, dict):
            words: list[str] = []
            walk(block, words)
            blocks.append("".join(words))
    return "\n\n".join(block for block in blocks if block)


def parse_instant(value: Any) -> dt.datetime | None:
    """An instant as Jira writes it (``2026-05-14T16:30:00.000+0200``, or ``{"epochMillis": …}``), in UTC."""
    if isinstance(value, dict):
        if isinstance(value.get("epochMillis"), int | float):
            return dt.datetime.fromtimestamp(value["epochMillis"] / 1000, dt.UTC)
        value = value.get("iso8601") or value.get("jira")
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(dt.UTC) if moment.tzinfo else None


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    return value if isinstance(value, str) and value else None


def request_from_issue(issue: dict, mapping: JiraMapping) -> InboundRequest | None:
    """A request from an issue of a webhook or a search (``{"key", "fields"}``); None without a valid key."""
    key = issue.get("key") if isinstance(issue, dict) else None
    if not isinstance(key, str) or not ISSUE_KEY.match(key):
        return None
    fields = issue.get("fields") if isinstance(issue.get("fields"), dict) else {}
    request_type = fields.get(mapping.request_type_field)
    type_info = request_type.get("requestType") if isinstance(request_type, dict) else None
    type_info = type_info if isinstance(type_info, dict) else {}
    values = {}
    for name, mapped in mapping.fields.items():
        text = mapped.read(fields.get(mapped.id))
        if text:
            values[name] = text
    return InboundRequest(
        key=key,
        summary=text_of(fields.get("summary")).strip(),
        description=text_of(fields.get("description")).strip(),
        reporter=user_from(fields.get("reporter")),
        created=parse_instant(fields.get("created")),
        request_type_id=str(type_info["id"]) if type_info.get("id") is not None else None,
        service_desk_id=str(type_info["serviceDeskId"]) if type_info.get("serviceDeskId") is not None else None,
        status=_name(fields.get("status")),
        priority=_name(fields.get("priority")),
        values=values,
    )


def comment_from_webhook(raw: Any) -> InboundComment | None:
    """The comment of a ``comment_created`` webhook (``jsdPublic`` says whether the customer sees it)."""
    if not isinstance(raw, dict) or raw.get("id") is None:
        return None
    return InboundComment(
        id=str(raw["id"]),
        body=text_of(raw.get("body")).strip(),
        public=raw.get("jsdPublic", True) is not False,
        author=user_from(raw.get("author")),
        created=parse_instant(raw.get("created")),
    )


def comment_from_servicedesk(raw: Any) -> InboundComment | None:
    """A comment of ``GET /rest/servicedeskapi/request/{key}/comment``."""
    if not isinstance(raw, dict) or raw.get("id") is None:
        return None
    return InboundComment(
        id=str(raw["id"]),
        body=text_of(raw.get("body")).strip(),
        public=raw.get("public", True) is not False,
        author=user_from(raw.get("author")),
        created=parse_instant(raw.get("created")),
    )


def change_from_webhook(event: dict) -> InboundChange:
    """What a ``jira:issue_updated`` webhook changed, from its ``changelog``."""
    status = priority = None
    changelog = event.get("changelog") if isinstance(event.get("changelog"), dict) else {}
    for item in changelog.get("items") or []:
        if not isinstance(item, dict):
            continue
        if item.get("field") == "status" and isinstance(item.get("toString"), str):
            status = item["toString"]
        elif item.get("field") == "priority" and isinstance(item.get("toString"), str):
            priority = item["toString"]
    return InboundChange(status=status, priority=priority, actor=user_from(event.get("user")))
