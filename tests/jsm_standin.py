"""A Jira Service Management site on loopback, for the tests: a real HTTP server in threads.

It answers the endpoints the help centre calls as Atlassian's OpenAPI
documents describe them (service management: ``/rest/servicedeskapi/…``;
platform: ``/rest/api/3/…``): the same status codes (201 with the created
object, 204 without a body, 400 for a missing required field, 401 without
credentials, 404 for an unknown request, 409 for an existing customer with
``strictConflictStatusCode=true``, 410 for the removed search, 412 for an
experimental call without ``X-ExperimentalApi: opt-in``, 403 for a
multipart upload without ``X-Atlassian-Token: no-check``), the same JSON
shapes (``issueKey``, ``DateDTO``, paged ``values``, ``nextPageToken``).
It keeps every call it was sent, for assertions, and what agents and
customers do "in Jira" (:meth:`raise_in_portal`, :meth:`comment_as`,
:meth:`transition_as`, :meth:`set_priority_as`) returns the webhook event
Jira would send, signed by :meth:`signed`.

It can be switched down: :meth:`stop` (connection refused), ``unavailable``
(503 to everything), :meth:`slow` (carries a call out, then answers too late).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

OWN_ACCOUNT = "557058:help-centre-integration"
AGENT = {
    "accountId": "557058:maya-agent",
    "displayName": "Maya Agent",
    "emailAddress": "maya@fulgur.example",
    "accountType": "atlassian",
    "active": True,
}
PRIORITIES = {"Blocker": "6", "Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}
STATUS_IDS = {"Waiting for support": "10001", "Waiting for customer": "10002", "In Progress": "3", "Resolved": "10003"}
STATUS_CATEGORY = {
    "Waiting for support": "NEW",
    "Waiting for customer": "INDETERMINATE",
    "In Progress": "INDETERMINATE",
}
#: The customer transitions of the workflow: from any open status, resolve; from Resolved, reopen.
RESOLVE = {"id": "761", "name": "Resolve this issue"}
REOPEN = {"id": "801", "name": "Reopen"}


def jira_time(moment: dt.datetime) -> str:
    """``2026-05-14T16:30:00.000+0000``, as Jira writes instants."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}" + moment.strftime("%z")


def date_dto(moment: dt.datetime) -> dict:
    """A service-management ``DateDTO``."""
    return {
        "iso8601": moment.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "jira": jira_time(moment),
        "friendly": moment.strftime("%d/%b/%y %I:%M %p"),
        "epochMillis": int(moment.timestamp() * 1000),
    }


@dataclass
class Call:
    """One HTTP request the stand-in received."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class JsmRequest:
    """A request (issue) of the service desk."""

    issue_id: str
    key: str
    request_type: str
    fields: dict[str, Any]
    reporter: dict
    created: dt.datetime
    updated: dt.datetime
    status: str = "Waiting for support"
    priority: str = "Medium"
    comments: list[dict] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)


class JqlError(ValueError):
    """A query the site refuses (400)."""


class JsmStandIn:
    """A JSM Cloud site (``flavour="datacenter"``: Bearer tokens and the version 2 search)."""

    def __init__(
        self,
        *,
        user: str = "helpcenter@fulgur.example",
        token: str = "api-token-1",
        service_desk: str = "1",
        project: str = "SUP",
        request_types: tuple[str, ...] = ("10", "11", "12"),
        form_fields: tuple[str, ...] = (
            "customfield_10050",
            "customfield_10051",
            "customfield_10052",
            "customfield_10053",
            "customfield_10054",
        ),
        request_type_field: str = "customfield_10010",
        select_fields: tuple[str, ...] = ("customfield_10051",),
        secret: str = "webhook-secret",
        flavour: str = "cloud",
    ) -> None:
        self.user, self.token, self.flavour = user, token, flavour
        self.service_desk, self.project = service_desk, project
        self.request_types = request_types
        self.form_fields = ("summary", "description", *form_fields)
        self.select_fields = select_fields
        self.request_type_field = request_type_field
        self.secret = secret
        self.calls: list[Call] = []
        self.requests: dict[str, JsmRequest] = {}
        self.customers: dict[str, dict] = {}
        self.desk_customers: set[str] = set()
        self.temporary: dict[str, tuple[str, bytes, str]] = {}
        #: Ids of files still listed but whose download answers 404 (deleted in the meantime).
        self.gone: set[str] = set()
        #: The webhook events Jira would have sent, in order (what the help centre does comes back here too).
        self.events: list[dict] = []
        self.unavailable = False
        self._slow: list[list] = []
        self._ids = itertools.count(10001)
        self._lock = threading.RLock()
        self._server = None
        self._thread = None
        self.port = 0

    # -- serving ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The site's address."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> JsmStandIn:
        """Listen (again, on the same port after :meth:`stop`)."""
        self._server = make_server("127.0.0.1", self.port, self.wsgi, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until :meth:`start`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(10)
            self._server = None

    def slow(self, method: str, path: str, seconds: float, *, times: int = 1) -> None:
        """Carry out the next ``times`` calls of ``method`` on a path matching ``path``, then answer after ``seconds``."""
        self._slow.append([method, re.compile(path), seconds, times])

    def calls_to(self, method: str, path: str) -> list[Call]:
        """The calls received with this method on a path matching the regular expression ``path``."""
        pattern = re.compile(path)
        return [call for call in self.calls if call.method == method and pattern.fullmatch(call.path)]

    def wsgi(self, environ, start_response):
        request = Request(environ)
        try:
            response = self._answer(request)
        finally:
            request.close()
        for rule in self._slow:
            method, pattern, seconds, times = rule
            if times > 0 and request.method == method and pattern.fullmatch(request.path):
                rule[3] -= 1
                time.sleep(seconds)
                break
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        body: Any = None
        if request.mimetype == "application/json":
            body = request.get_json(silent=True)
        with self._lock:
            self.calls.append(
                Call(request.method, request.path, dict(request.args), body, {k.lower(): v for k, v in request.headers})
            )
            if self.unavailable:
                return self._json({"errorMessage": "Service unavailable"}, 503)
            if not self._authenticated(request):
                if request.path.startswith("/rest/servicedeskapi/"):
                    return self._json({"errorMessage": "You are not logged in", "i18nErrorMessage": None}, 401)
                return self._json({"errorMessages": ["You are not authenticated."], "errors": {}}, 401)
            try:
                return self._route(request, body)
            except JqlError as exc:
                return self._json({"errorMessages": [str(exc)], "errors": {}}, 400)

    def _authenticated(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if self.flavour == "datacenter":
            return hmac.compare_digest(header, f"Bearer {self.token}")
        expected = "Basic " + base64.b64encode(f"{self.user}:{self.token}".encode()).decode()
        return hmac.compare_digest(header, expected)

    @staticmethod
    def _json(value: Any, status: int = 200) -> Response:
        return Response(json.dumps(value), status=status, mimetype="application/json")

    def _error(self, message: str, status: int = 400) -> Response:
        return self._json(
            {"errorMessage": message, "i18nErrorMessage": {"i18nKey": "sd.error", "parameters": []}}, status
        )

    def _route(self, request: Request, body: Any) -> Response:
        path, method = request.path, request.method
        platform = "/rest/api/3" if self.flavour == "cloud" else "/rest/api/2"
        desk = f"/rest/servicedeskapi/servicedesk/{self.service_desk}"
        if method in ("GET", "POST") and path in ("/rest/api/2/search", "/rest/api/3/search"):
            if self.flavour == "cloud":
                return self._json(
                    {"errorMessages": ["The requested API has been removed. Use /rest/api/3/search/jql."]}, 410
                )
            return self._search_v2(body or {})
        if method == "GET" and path == f"{platform}/myself":
            return self._json(self._own())
        if method == "POST" and path == "/rest/api/3/search/jql" and self.flavour == "cloud":
            return self._search(body)
        if method == "GET" and path == f"{platform}/user/search":
            return self._user_search(request.args.get("query"))
        if method == "GET" and path == desk:
            return self._json(
                {"id": self.service_desk, "projectId": "10000", "projectKey": self.project, "projectName": "Support"}
            )
        if method == "POST" and path == "/rest/servicedeskapi/customer":
            return self._create_customer(request, body)
        if path == f"{desk}/customer":
            if method == "GET":
                if request.headers.get("X-ExperimentalApi") != "opt-in":
                    return self._error("This is an experimental API: send X-ExperimentalApi: opt-in", 412)
                return self._desk_customers(request.args.get("query", ""))
            if method == "POST":
                return self._add_customers(body)
        if method == "POST" and path == f"{desk}/attachTemporaryFile":
            return self._attach_temporary(request)
        if method == "POST" and path == "/rest/servicedeskapi/request":
            return self._create_request(body)
        match = re.fullmatch(r"/rest/servicedeskapi/request/([A-Z0-9_]+-\d+)/comment/(\d+)/attachment", path)
        if match and method == "GET":
            if request.headers.get("X-ExperimentalApi") != "opt-in":
                return self._error("This is an experimental API: send X-ExperimentalApi: opt-in", 412)
            found = self.requests.get(match.group(1))
            made = next((c for c in found.comments if c["id"] == match.group(2)), None) if found else None
            if made is None:
                return self._error("The comment does not exist", 404)
            files = [self._shown(item) for item in found.attachments if item.get("comment") == made["id"]]
            return self._json(_page(files, int(request.args.get("start", 0)), int(request.args.get("limit", 50))))
        match = re.fullmatch(r"/rest/servicedeskapi/request/([A-Z0-9_]+-\d+)/attachment/(\d+)", path)
        if match and method == "GET":
            found = self.requests.get(match.group(1))
            item = next((a for a in found.attachments if a["id"] == match.group(2)), None) if found else None
            if item is None or item["id"] in self.gone:
                return self._error("The attachment does not exist", 404)
            # Cloud answers with where to download the bytes from.
            return Response(status=303, headers={"Location": self._shown(item)["_links"]["content"]})
        match = re.fullmatch(r"/servicedesk/customershim/secure/attachment/(\d+)/[^/]+", path)
        if match and method == "GET":
            item = next((a for r in self.requests.values() for a in r.attachments if a["id"] == match.group(1)), None)
            if item is None:
                return self._json({"errorMessages": ["The attachment does not exist"]}, 404)
            return Response(item["content"], mimetype=item["mimeType"])
        match = re.fullmatch(r"/rest/servicedeskapi/request/([A-Z0-9_]+-\d+)(/[a-z]+)?", path)
        if match:
            found = self.requests.get(match.group(1))
            if found is None:
                return self._error("The request does not exist", 404)
            return self._request_route(request, method, match.group(2) or "", found, body)
        match = re.fullmatch(rf"{platform}/issue/([A-Z0-9_]+-\d+)", path)
        if match and method == "PUT":
            return self._edit_issue(match.group(1), body)
        return self._json({"errorMessages": [f"No endpoint {method} {path}"]}, 404)

    # -- users and customers ------------------------------------------------------------

    def _own(self) -> dict:
        if self.flavour == "datacenter":
            return {"name": "helpcenter", "key": "helpcenter", "displayName": "Help centre integration"}
        return {
            "accountId": OWN_ACCOUNT,
            "displayName": "Help centre integration",
            "emailAddress": self.user,
            "accountType": "atlassian",
            "active": True,
        }

    def _users(self) -> list[dict]:
        return [self._own(), AGENT, *self.customers.values()]

    def _user_search(self, query: str | None) -> Response:
        if not query:
            return self._json({"errorMessages": ["One of 'accountId', 'query' or 'property' is required."]}, 400)
        wanted = query.casefold()
        found = [
            user
            for user in self._users()
            if str(user.get("displayName", "")).casefold().startswith(wanted)
            or str(user.get("emailAddress", "")).casefold().startswith(wanted)
        ]
        return self._json(found)

    def _create_customer(self, request: Request, body: Any) -> Response:
        email = (body or {}).get("email") if isinstance(body, dict) else None
        if not email or "@" not in email:
            return self._error("The email address is not valid")
        if email.casefold() in self.customers:
            if request.args.get("strictConflictStatusCode") == "true":
                return self._error("A customer with this email address already exists", 409)
            return self._error("A customer with this email address already exists", 400)
        return self._json(self.add_customer(email, body.get("displayName") or body.get("fullName") or email), 201)

    def add_customer(self, email: str, name: str, *, on_desk: bool = False) -> dict:
        """A customer account on the site (``on_desk``: with access to the service desk)."""
        customer = {
            "accountId": f"qm:{uuid.uuid4()}",
            "displayName": name,
            "emailAddress": email,
            "accountType": "customer",
            "active": True,
            "timeZone": "Europe/Paris",
            "_links": {"jiraRest": f"{self.url}/rest/api/2/user?accountId=x"},
        }
        if self.flavour == "datacenter":
            # Data Center names users; it has no accountId.
            del customer["accountId"], customer["accountType"]
            customer["name"] = customer["key"] = email
        self.customers[email.casefold()] = customer
        if on_desk:
            self.desk_customers.add(self._id_of(customer))
        return customer

    def _id_of(self, user: dict) -> str:
        return user.get("accountId") or user.get("name")

    def _desk_customers(self, query: str) -> Response:
        wanted = query.casefold()
        found = [
            customer
            for customer in self.customers.values()
            if self._id_of(customer) in self.desk_customers
            and (wanted in customer["emailAddress"].casefold() or wanted in customer["displayName"].casefold())
        ]
        return self._json(_page(found, 0, 50))

    def _add_customers(self, body: Any) -> Response:
        ids = (body or {}).get("accountIds") or (body or {}).get("usernames") if isinstance(body, dict) else None
        if not isinstance(ids, list):
            return self._error("accountIds is required")
        known = {self._id_of(customer) for customer in self.customers.values()}
        unknown = [account for account in ids if account not in known]
        self.desk_customers.update(account for account in ids if account in known)
        return self._error(f"No such customers: {unknown}") if unknown else Response(status=204)

    # -- requests -----------------------------------------------------------------------

    def _create_request(self, body: Any) -> Response:
        if not isinstance(body, dict):
            return self._error("The request body is missing")
        for required in ("serviceDeskId", "requestTypeId", "requestFieldValues"):
            if not body.get(required):
                return self._error(f"{required} is required")
        if str(body["serviceDeskId"]) != self.service_desk:
            return self._error("The service desk does not exist")
        if str(body["requestTypeId"]) not in self.request_types:
            return self._error("The request type does not exist in this service desk")
        values = body["requestFieldValues"]
        if not isinstance(values.get("summary"), str) or not values["summary"].strip():
            return self._json({"errorMessage": "Summary: You must specify a summary of the issue.", "errors": {}}, 400)
        for name, value in values.items():
            if name not in self.form_fields:
                return self._error(f"The field '{name}' is not on the form of this request type")
            if name in self.select_fields and not (isinstance(value, dict) and "value" in value):
                return self._error(f"The field '{name}' takes an option: {{\"value\": …}}")
        reporter = self._own()
        on_behalf = body.get("raiseOnBehalfOf")
        if on_behalf:
            reporter = next((c for c in self.customers.values() if self._id_of(c) == on_behalf), None)
            if reporter is None:
                return self._error(f"The user '{on_behalf}' does not exist")
            if on_behalf not in self.desk_customers:
                return self._error(f"The customer '{on_behalf}' does not have access to this service desk", 400)
        found = self._new_request(str(body["requestTypeId"]), dict(values), reporter)
        self.events.append(self._issue_event("jira:issue_created", found, self._own()))
        return self._json(self._request_dto(found), 201)

    def _new_request(self, request_type: str, values: dict, reporter: dict, priority: str = "Medium") -> JsmRequest:
        now = dt.datetime.now(dt.UTC)
        number = next(self._ids)
        key = f"{self.project}-{len(self.requests) + 1}"
        found = JsmRequest(str(number), key, request_type, values, reporter, now, now, priority=priority)
        self.requests[key] = found
        return found

    def _request_dto(self, found: JsmRequest) -> dict:
        return {
            "_expands": [
                "participant",
                "status",
                "sla",
                "requestType",
                "serviceDesk",
                "attachment",
                "action",
                "comment",
            ],
            "issueId": found.issue_id,
            "issueKey": found.key,
            "requestTypeId": found.request_type,
            "serviceDeskId": self.service_desk,
            "createdDate": date_dto(found.created),
            "reporter": found.reporter,
            "requestFieldValues": [
                {"fieldId": name, "label": name, "value": value}
                for name, value in found.fields.items()
                if name in ("summary", "description")
            ],
            "currentStatus": {
                "status": found.status,
                "statusCategory": STATUS_CATEGORY.get(found.status, "DONE"),
                "statusDate": date_dto(found.updated),
            },
            "_links": {
                "jiraRest": f"{self.url}/rest/api/2/issue/{found.issue_id}",
                "web": f"{self.url}/servicedesk/customer/portal/1/{found.key}",
                "agent": f"{self.url}/browse/{found.key}",
                "self": f"{self.url}/rest/servicedeskapi/request/{found.issue_id}",
            },
        }

    def _request_route(self, request: Request, method: str, part: str, found: JsmRequest, body: Any) -> Response:
        if part == "" and method == "GET":
            return self._json(self._request_dto(found))
        if part == "/comment" and method == "GET":
            comments = [self._comment_dto(c) for c in found.comments]
            if request.args.get("public") == "false":
                comments = [c for c in comments if not c["public"]]
            if request.args.get("internal") == "false":
                comments = [c for c in comments if c["public"]]
            return self._json(_page(comments, int(request.args.get("start", 0)), int(request.args.get("limit", 50))))
        if part == "/comment" and method == "POST":
            if not isinstance(body, dict) or not isinstance(body.get("body"), str) or not body["body"].strip():
                return self._error("The comment body is required")
            if not isinstance(body.get("public"), bool):
                return self._error("public is required")
            made = self._add_comment(found, body["body"], body["public"], self._own())
            return self._json(self._comment_dto(made), 201)
        if part == "/transition" and method == "GET":
            return self._json(_page(self._transitions(found), 0, 50))
        if part == "/transition" and method == "POST":
            wanted = (body or {}).get("id") if isinstance(body, dict) else None
            transition = next((t for t in self._transitions(found) if t["id"] == wanted), None)
            if transition is None:
                return self._error(f"The transition {wanted!r} is not valid for this request")
            self._move(found, "Resolved" if transition is RESOLVE else "Waiting for support", self._own())
            return Response(status=204)
        if part == "/attachment" and method == "GET":
            return self._json(_page([self._shown(item) for item in found.attachments], 0, 50))
        if part == "/attachment" and method == "POST":
            return self._attach(found, body)
        return self._json({"errorMessages": [f"No endpoint {method} {request.path}"]}, 404)

    def _transitions(self, found: JsmRequest) -> list[dict]:
        return [REOPEN] if found.status == "Resolved" else [RESOLVE]

    def _move(self, found: JsmRequest, status: str, by: dict) -> dict:
        previous, found.status = found.status, status
        found.updated = dt.datetime.now(dt.UTC)
        change = {
            "field": "status",
            "fieldtype": "jira",
            "fieldId": "status",
            "from": STATUS_IDS.get(previous, "1"),
            "fromString": previous,
            "to": STATUS_IDS.get(status, "1"),
            "toString": status,
        }
        event = self._issue_event("jira:issue_updated", found, by, changelog=[change])
        self.events.append(event)
        return event

    def _edit_issue(self, key: str, body: Any) -> Response:
        found = self.requests.get(key)
        if found is None:
            return self._json({"errorMessages": ["Issue does not exist or you do not have permission to see it."]}, 404)
        if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
            return self._json({"errorMessages": ["The request body is missing."], "errors": {}}, 400)
        priority = body["fields"].get("priority")
        name = priority.get("name") if isinstance(priority, dict) else None
        if name not in PRIORITIES:
            return self._json(
                {"errorMessages": [], "errors": {"priority": f"Priority name '{name}' is not valid"}}, 400
            )
        self._reprioritise(found, name, self._own())
        return Response(status=204)

    def _reprioritise(self, found: JsmRequest, name: str, by: dict) -> dict:
        previous, found.priority = found.priority, name
        found.updated = dt.datetime.now(dt.UTC)
        change = {
            "field": "priority",
            "fieldtype": "jira",
            "fieldId": "priority",
            "from": PRIORITIES[previous],
            "fromString": previous,
            "to": PRIORITIES[name],
            "toString": name,
        }
        event = self._issue_event("jira:issue_updated", found, by, changelog=[change])
        self.events.append(event)
        return event

    # -- comments -----------------------------------------------------------------------

    def _add_comment(
        self, found: JsmRequest, text: str, public: bool, author: dict, *, comment_id: str | None = None
    ) -> dict:
        now = dt.datetime.now(dt.UTC)
        made = {"id": comment_id or str(next(self._ids)), "body": text, "public": public, "author": author}
        made["created"] = now
        found.comments.append(made)
        found.updated = now
        self.events.append(self._comment_event(found, made))
        return made

    def _comment_dto(self, made: dict) -> dict:
        return {
            "_expands": ["attachment", "renderedBody"],
            "id": made["id"],
            "body": made["body"],
            "public": made["public"],
            "author": made["author"],
            "created": date_dto(made["created"]),
            "_links": {"self": f"{self.url}/rest/servicedeskapi/request/x/comment/{made['id']}"},
        }

    # -- attachments --------------------------------------------------------------------

    def _shown(self, attachment: dict) -> dict:
        """An ``AttachmentDTO``: what the API shows of a file (not its content, nor an id but in its links)."""
        shown = {key: attachment[key] for key in ("filename", "author", "created", "size", "mimeType")}
        shown["_links"] = {
            "jiraRest": f"{self.url}/rest/api/2/attachment/{attachment['id']}",
            "content": f"{self.url}/servicedesk/customershim/secure/attachment/{attachment['id']}/{quote(attachment['filename'])}",
        }
        return shown

    def _attach_temporary(self, request: Request) -> Response:
        # A multipart upload, behind Jira's XSRF check; the OpenAPI document does not mark it experimental
        # (its curl example sends X-ExperimentalApi too, which changes nothing).
        if request.headers.get("X-Atlassian-Token") != "no-check":
            return self._json({"errorMessages": ["XSRF check failed"]}, 403)
        if request.mimetype != "multipart/form-data":
            return self._error("The attachments must be sent as multipart/form-data", 415)
        upload = request.files.get("file")
        if upload is None:
            return self._error("The attachments are missing (a multipart field named file)")
        temporary = f"temp{next(self._ids)}"
        self.temporary[temporary] = (upload.filename, upload.read(), upload.mimetype)
        return self._json(
            {"temporaryAttachments": [{"temporaryAttachmentId": temporary, "fileName": upload.filename}]}, 201
        )

    def _attach(self, found: JsmRequest, body: Any) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get("public"), bool):
            return self._error("public is required")
        unknown = set(body) - {"temporaryAttachmentIds", "public", "additionalComment"}
        if unknown:  # AttachmentCreateDTO: additionalProperties false
            return self._error(f"Unrecognized fields: {sorted(unknown)}")
        ids = body.get("temporaryAttachmentIds")
        if not isinstance(ids, list) or not ids:
            return self._error("temporaryAttachmentIds is required")
        if any(temporary not in self.temporary for temporary in ids):
            return self._error("The temporary attachments have expired")
        added = []
        for temporary in ids:
            name, content, mime = self.temporary.pop(temporary)
            added.append(
                {
                    "id": str(next(self._ids)),
                    "filename": name,
                    "author": self._own(),
                    "created": date_dto(dt.datetime.now(dt.UTC)),
                    "size": len(content),
                    "mimeType": mime,
                    "public": body["public"],
                    "content": content,
                }
            )
        found.attachments.extend(added)
        return self._json({"attachments": _page([self._shown(item) for item in added], 0, 50), "comment": None}, 201)

    # -- search -------------------------------------------------------------------------

    def _search(self, body: Any) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get("jql"), str):
            return self._json({"errorMessages": ["jql is required"]}, 400)
        matches = self._matching(body["jql"])
        start = int(body.get("nextPageToken") or 0)
        size = int(body.get("maxResults") or 50)
        page = matches[start : start + size]
        answer: dict[str, Any] = {"issues": [self._issue(found, body.get("fields")) for found in page]}
        if start + size < len(matches):
            answer["nextPageToken"] = str(start + size)
        answer["isLast"] = start + size >= len(matches)
        return self._json(answer)

    def _search_v2(self, body: dict) -> Response:
        matches = self._matching(body.get("jql", ""))
        start, size = int(body.get("startAt") or 0), int(body.get("maxResults") or 50)
        issues = [self._issue(found, body.get("fields") or ["*all"]) for found in matches[start : start + size]]
        return self._json({"startAt": start, "maxResults": size, "total": len(matches), "issues": issues})

    def _matching(self, jql: str) -> list[JsmRequest]:
        text, _, order = jql.partition(" ORDER BY ")
        condition = _JqlParser(text, self).parse()
        found = [request for request in self.requests.values() if condition(request)]
        return sorted(found, key=lambda request: (request.updated, request.key)) if order else found

    def field_text(self, found: JsmRequest, name: str) -> str:
        """The text of a field, for JQL."""
        value = found.fields.get(name)
        if isinstance(value, dict):
            value = value.get("value")
        if isinstance(value, list):
            value = " ".join(value)
        return str(value or "")

    def _issue(self, found: JsmRequest, fields: list[str] | None, *, webhook: bool = False) -> dict:
        issue: dict[str, Any] = {"id": found.issue_id}
        if not fields:
            return issue  # the enhanced search answers only ids unless fields are asked for
        everything = self._fields(found, rich=not webhook)
        wanted = everything if "*all" in fields else {name: everything.get(name) for name in fields}
        issue.update({"key": found.key, "self": f"{self.url}/rest/api/3/issue/{found.issue_id}", "fields": wanted})
        return issue

    def _fields(self, found: JsmRequest, *, rich: bool) -> dict[str, Any]:
        description = found.fields.get("description") or ""
        if rich and self.flavour == "cloud":
            # Version 3 of the platform API writes rich text as Atlassian Document Format.
            description = {
                "type": "doc",
                "version": 1,
                "content": [
                    {"type": "paragraph", "content": [{"type": "text", "text": part}]}
                    for part in description.split("\n\n")
                    if part
                ],
            }
        fields = {
            **{name: value for name, value in found.fields.items() if name.startswith("customfield_")},
            "summary": found.fields.get("summary"),
            "description": description,
            "status": {"name": found.status, "id": STATUS_IDS.get(found.status, "1")},
            "priority": {"name": found.priority, "id": PRIORITIES[found.priority]},
            "reporter": found.reporter,
            "created": jira_time(found.created),
            "updated": jira_time(found.updated),
            "project": {"key": self.project, "id": "10000"},
            self.request_type_field: {
                "requestType": {"id": found.request_type, "serviceDeskId": self.service_desk},
                "currentStatus": {"status": found.status},
            },
        }
        return fields

    # -- what people do in Jira, and the webhooks it sends --------------------------------

    def raise_in_portal(
        self,
        summary: str,
        description: str,
        *,
        email: str = "paul@example.org",
        name: str = "Paul Durand",
        request_type: str = "10",
        priority: str = "Medium",
        fields: dict | None = None,
        created: dt.datetime | None = None,
    ) -> dict:
        """A customer raises a request on the portal; returns the ``jira:issue_created`` event."""
        with self._lock:
            customer = self.customers.get(email.casefold()) or self.add_customer(email, name, on_desk=True)
            found = self._new_request(
                request_type, {"summary": summary, "description": description, **(fields or {})}, customer, priority
            )
            if created is not None:
                found.created = found.updated = created
            event = self._issue_event("jira:issue_created", found, customer)
            self.events.append(event)
            return event

    def comment_as(
        self,
        key: str,
        body: str,
        *,
        public: bool = True,
        author: dict | None = None,
        files: tuple[tuple[str, bytes, str], ...] = (),
    ) -> dict:
        """An agent (or ``author``) comments on a request, with ``files`` (name, bytes, type); returns the
        ``comment_created`` event.  As in Jira, the comment's text names its files in wiki markup
        (``!picture.png|thumbnail!``, ``[^log.txt]``)."""
        with self._lock:
            found = self.requests[key]
            names = [f"!{name}|thumbnail!" if mime.startswith("image/") else f"[^{name}]" for name, _, mime in files]
            text = " ".join([body, *names]) if names else body
            comment_id = str(next(self._ids))
            for name, content, mime in files:
                found.attachments.append(
                    {
                        "id": str(next(self._ids)),
                        "filename": name,
                        "author": author or AGENT,
                        "created": date_dto(dt.datetime.now(dt.UTC)),
                        "size": len(content),
                        "mimeType": mime,
                        "public": public,
                        "content": content,
                        "comment": comment_id,
                    }
                )
            made = self._add_comment(found, text, public, author or AGENT, comment_id=comment_id)
            return self.events[-1] if made else {}

    def transition_as(self, key: str, status: str, *, by: dict | None = None) -> dict:
        """An agent moves a request to ``status``; returns the ``jira:issue_updated`` event."""
        with self._lock:
            return self._move(self.requests[key], status, by or AGENT)

    def set_priority_as(self, key: str, name: str, *, by: dict | None = None) -> dict:
        """An agent changes a request's priority; returns the ``jira:issue_updated`` event."""
        with self._lock:
            return self._reprioritise(self.requests[key], name, by or AGENT)

    def customer(self, email: str) -> dict:
        """The customer account with this address."""
        return self.customers[email.casefold()]

    def _issue_event(self, kind: str, found: JsmRequest, user: dict, *, changelog: list | None = None) -> dict:
        event = {
            "timestamp": int(time.time() * 1000),
            "webhookEvent": kind,
            "issue_event_type_name": "issue_created" if kind == "jira:issue_created" else "issue_generic",
            "user": user,
            "issue": self._issue(found, ["*all"], webhook=True),
        }
        if changelog is not None:
            event["changelog"] = {"id": str(next(self._ids)), "items": changelog}
        return event

    def _comment_event(self, found: JsmRequest, made: dict) -> dict:
        issue = self._issue(found, ["summary", "status", "priority", "project"], webhook=True)
        return {
            "timestamp": int(time.time() * 1000),
            "webhookEvent": "comment_created",
            "comment": {
                "self": f"{self.url}/rest/api/2/issue/{found.issue_id}/comment/{made['id']}",
                "id": made["id"],
                "author": made["author"],
                "body": made["body"],
                "updateAuthor": made["author"],
                "created": jira_time(made["created"]),
                "updated": jira_time(made["created"]),
                "jsdPublic": made["public"],
            },
            "issue": issue,
        }

    def signed(self, event: dict, *, identifier: str | None = None, secret: str | None = None) -> tuple[bytes, dict]:
        """The body and headers of the webhook delivery of ``event``, signed as Jira signs it."""
        body = json.dumps(event).encode("utf-8")
        digest = hmac.new((secret or self.secret).encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature": f"sha256={digest}",
            "X-Atlassian-Webhook-Identifier": identifier or str(uuid.uuid4()),
            "X-Atlassian-Webhook-Flow": "Primary",
        }
        return body, headers


def app_settings(site: JsmStandIn, **changes: Any) -> dict[str, Any]:
    """The app settings that connect the help centre to ``site``, with the shipped example mapping."""
    from helpcenter.jira.settings import EXAMPLE_MAPPING

    settings = {
        "JIRA_URL": site.url,
        "JIRA_USER": site.user if site.flavour == "cloud" else "",
        "JIRA_TOKEN": site.token,
        "JIRA_SERVICE_DESK": site.service_desk,
        "JIRA_WEBHOOK_SECRET": site.secret,
        "JIRA_CONFIG": str(EXAMPLE_MAPPING),
        # Short, so that a slow answer is a timeout in the tests.
        "JIRA_TIMEOUT": (2.0, 1.0),
    }
    return {**settings, **changes}


def _page(values: list, start: int, limit: int) -> dict:
    """A paged service-management answer (``PagedDTO…``)."""
    chunk = values[start : start + limit]
    return {
        "_expands": [],
        "size": len(chunk),
        "start": start,
        "limit": limit,
        "isLastPage": start + limit >= len(values),
        "values": chunk,
        "_links": {},
    }


class _JqlParser:
    """The JQL the help centre writes: ``project =``, ``updated >= "-Nm"``, ``key =|in``, ``cf[N] ~``, ``labels =``,
    joined by AND and OR, with parentheses."""

    TOKEN = re.compile(r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<op>>=|<=|=|~|\(|\)|,)|(?P<word>[A-Za-z_][\w\[\]]*))')

    def __init__(self, text: str, site: JsmStandIn) -> None:
        self.site = site
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.strip()
        while position < len(text):
            match = self.TOKEN.match(text, position)
            if not match or match.end() == position:
                raise JqlError(f"Error in the JQL Query: unexpected character at position {position}.")
            kind = match.lastgroup
            value = match.group(kind)
            if kind == "string":
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            self.tokens.append((kind, value))
            position = match.end()
        if not self.tokens:
            raise JqlError("Unbounded JQL queries are not allowed here. Please add a search restriction.")

    def parse(self):
        condition = self._or()
        if self.tokens:
            raise JqlError(f"Error in the JQL Query: unexpected {self.tokens[0][1]!r}.")
        return condition

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if not self.tokens:
            raise JqlError("Error in the JQL Query: the query ends too soon.")
        token = self.tokens.pop(0)
        if expected is not None and token[1].upper() != expected:
            raise JqlError(f"Error in the JQL Query: expected {expected}, found {token[1]!r}.")
        return token

    def _peek(self) -> str:
        return self.tokens[0][1].upper() if self.tokens else ""

    def _or(self):
        left = self._and()
        while self._peek() == "OR":
            self._take()
            right, first = self._and(), left
            left = lambda r, a=first, b=right: a(r) or b(r)  # noqa: E731
        return left

    def _and(self):
        left = self._clause()
        while self._peek() == "AND":
            self._take()
            right, first = self._clause(), left
            left = lambda r, a=first, b=right: a(r) and b(r)  # noqa: E731
        return left

    def _clause(self):
        if self._peek() == "(":
            self._take()
            inner = self._or()
            self._take(")")
            return inner
        _kind, name = self._take()
        _kind, operator = self._take()
        site = self.site
        if name == "project" and operator == "=":
            project = self._take()[1]
            return lambda r: project == site.project
        if name == "updated" and operator == ">=":
            value = self._take()[1]
            match = re.fullmatch(r"-(\d+)m", value)
            if not match:
                raise JqlError(f"Date value '{value}' for field 'updated' is invalid.")
            since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=int(match.group(1)))
            return lambda r: r.updated >= since
        if name in ("key", "issuekey") and operator in ("=", "IN", "in"):
            keys = [self._take()[1]] if operator == "=" else self._list()
            for key in keys:
                if key not in site.requests:
                    raise JqlError(f"An issue with key '{key}' does not exist for field 'key'.")
            return lambda r: r.key in keys
        match = re.fullmatch(r"cf\[(\d+)\]", name)
        if match and operator == "~":
            field_id = f"customfield_{match.group(1)}"
            if field_id not in site.form_fields:
                raise JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")
            phrase = self._take()[1].strip('"').casefold()
            return lambda r: phrase in site.field_text(r, field_id).casefold()
        if name == "labels" and operator == "=":
            label = self._take()[1]
            return lambda r: label in (r.fields.get("labels") or [])
        raise JqlError(f"Field '{name}' does not support operator '{operator}' here.")

    def _list(self) -> list[str]:
        self._take("(")
        values = [self._take()[1]]
        while self._peek() == ",":
            self._take()
            values.append(self._take()[1])
        self._take(")")
        return values
