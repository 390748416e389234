"""A thin client of the Jira Service Management and Jira platform REST APIs: only the calls the channel makes.

Each method is one documented endpoint (Atlassian's OpenAPI documents of
the service-management and platform APIs), returns the decoded answer and
raises :class:`JiraError` for anything else.  The error says whether the
request may have been carried out (:attr:`JiraError.maybe_done`: the answer
timed out), and whether trying again later can help
(:attr:`JiraError.permanent`).

Cloud takes basic authentication with an account's e-mail and an API token;
Data Center a personal access token as a Bearer token, and its platform API
is version 2 with the old search.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from .settings import JiraSettings

#: Answers that no retry can change (a malformed request, a request that is gone).
PERMANENT = {400, 404, 405, 410, 413, 415, 422}
PAGE = 50


class JiraError(Exception):
    """A call to Jira that did not give the expected answer.

    ``status`` is the HTTP status (None when no answer came); ``maybe_done``
    is true when the request went out and its answer was lost, so Jira may
    have carried it out; ``permanent`` when trying again cannot help.
    """

    def __init__(self, message: str, *, status: int | None = None, maybe_done: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.maybe_done = maybe_done

    @property
    def permanent(self) -> bool:
        """Whether retrying the same call later cannot succeed."""
        return self.status in PERMANENT


class JsmClient:
    """Calls to one JSM site with one account (see :class:`JiraSettings`)."""

    def __init__(self, settings: JiraSettings, *, session: requests.Session | None = None) -> None:
        self.url = settings.url
        self.cloud = settings.cloud
        self.timeout = settings.timeout
        self.http = session or requests.Session()
        self.http.headers.update({"Accept": "application/json", "User-Agent": "helpcenter-jira/1"})
        if settings.user:
            self.http.auth = (settings.user, settings.token)
        else:
            self.http.headers["Authorization"] = f"Bearer {settings.token}"
        self.platform = "/rest/api/3" if self.cloud else "/rest/api/2"

    def close(self) -> None:
        """Close the kept connections."""
        self.http.close()

    def _call(self, method: str, path: str, *, expect: tuple[int, ...] = (200,), **options) -> requests.Response:
        url = self.url + path
        try:
            response = self.http.request(method, url, timeout=self.timeout, **options)
        except requests.ConnectionError as exc:
            # A refused or failed connection sent nothing; a read timeout may have been carried out.
            lost = "Read timed out" in str(exc)
            raise JiraError(f"{method} {path}: {type(exc).__name__}: {exc}", maybe_done=lost) from exc
        except requests.Timeout as exc:
            raise JiraError(
                f"{method} {path}: timed out waiting for the answer",
                maybe_done=not isinstance(exc, requests.ConnectTimeout),
            ) from exc
        except requests.RequestException as exc:
            raise JiraError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code not in expect:
            raise JiraError(
                f"{method} {path}: {response.status_code} {_error_text(response)}", status=response.status_code
            )
        return response

    def _json(self, method: str, path: str, **options) -> Any:
        response = self._call(method, path, **options)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise JiraError(f"{method} {path}: the answer is not JSON", status=response.status_code) from None

    # -- who we are, where we work ------------------------------------------------------

    def myself(self) -> dict:
        """The account the help centre signs in with (``GET /rest/api/3/myself``)."""
        return self._json("GET", f"{self.platform}/myself")

    def service_desk(self, service_desk: str) -> dict:
        """A service desk, with its ``projectKey`` (``GET /rest/servicedeskapi/servicedesk/{id}``)."""
        return self._json("GET", f"/rest/servicedeskapi/servicedesk/{service_desk}")

    # -- customers ----------------------------------------------------------------------

    def create_customer(self, email: str, display_name: str) -> dict | None:
        """Create a customer (``POST /rest/servicedeskapi/customer``); None when one with this address exists.

        ``strictConflictStatusCode=true`` makes an existing customer a 409
        rather than the 400 of a malformed address.
        """
        response = self._call(
            "POST",
            "/rest/servicedeskapi/customer",
            params={"strictConflictStatusCode": "true"},
            json={"email": email, "displayName": display_name or email},
            expect=(201, 409),
        )
        return None if response.status_code == 409 else response.json()

    def find_customer(self, service_desk: str, email: str) -> dict | None:
        """The customer or user with exactly this e-mail address, or None.

        First among the service desk's customers (an experimental call, hence
        ``X-ExperimentalApi: opt-in``), then among all the site's users.
        """
        wanted = email.casefold()
        page = self._json(
            "GET",
            f"/rest/servicedeskapi/servicedesk/{service_desk}/customer",
            params={"query": email, "limit": PAGE},
            headers={"X-ExperimentalApi": "opt-in"},
        )
        for user in page.get("values", []):
            if (user.get("emailAddress") or "").casefold() == wanted:
                return user
        users = self._json("GET", f"{self.platform}/user/search", params={"query": email, "maxResults": PAGE})
        for user in users or []:
            if (user.get("emailAddress") or "").casefold() == wanted:
                return user
        return None

    def add_customers(self, service_desk: str, ids: list[str]) -> None:
        """Give customers access to the service desk (``POST …/servicedesk/{id}/customer``; 204 even if they had it)."""
        body = {"accountIds": ids} if self.cloud else {"usernames": ids}
        self._call("POST", f"/rest/servicedeskapi/servicedesk/{service_desk}/customer", json=body, expect=(204,))

    # -- requests -----------------------------------------------------------------------

    def search(self, jql: str, fields: list[str], *, limit: int = PAGE) -> Iterator[dict]:
        """Every issue matching ``jql``, with ``fields`` (``POST /rest/api/3/search/jql``, page by page).

        Cloud's search answers only ids unless ``fields`` are asked for; its
        old ``/rest/api/3/search`` answers 410.  Data Center has only the old one.
        """
        if self.cloud:
            token = None
            while True:
                body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": limit}
                if token:
                    body["nextPageToken"] = token
                page = self._json("POST", "/rest/api/3/search/jql", json=body)
                yield from page.get("issues", [])
                token = page.get("nextPageToken")
                if page.get("isLast", not token) or not token:
                    return
        start = 0
        while True:
            page = self._json(
                "POST", "/rest/api/2/search", json={"jql": jql, "fields": fields, "maxResults": limit, "startAt": start}
            )
            issues = page.get("issues", [])
            yield from issues
            start += len(issues)
            if not issues or start >= page.get("total", 0):
                return

    def create_request(self, service_desk: str, request_type: str, fields: dict[str, Any], on_behalf_of: str) -> dict:
        """Raise a request for a customer (``POST /rest/servicedeskapi/request``); the answer has its ``issueKey``."""
        body = {
            "serviceDeskId": service_desk,
            "requestTypeId": request_type,
            "requestFieldValues": fields,
            "raiseOnBehalfOf": on_behalf_of,
        }
        return self._json("POST", "/rest/servicedeskapi/request", json=body, expect=(201,))

    def get_request(self, key: str) -> dict:
        """One request, with its ``currentStatus`` (``GET /rest/servicedeskapi/request/{key}``)."""
        return self._json("GET", f"/rest/servicedeskapi/request/{key}")

    def set_priority(self, key: str, name: str) -> None:
        """Set the issue's priority by name (``PUT /rest/api/3/issue/{key}``, 204)."""
        self._call("PUT", f"{self.platform}/issue/{key}", json={"fields": {"priority": {"name": name}}}, expect=(204,))

    # -- comments -----------------------------------------------------------------------

    def comments(self, key: str) -> list[dict]:
        """Every comment of a request, public and internal, oldest first (``GET …/request/{key}/comment``)."""
        return list(self._pages(f"/rest/servicedeskapi/request/{key}/comment", {"public": "true", "internal": "true"}))

    def add_comment(self, key: str, body: str, *, public: bool) -> dict:
        """Comment on a request, for the customer (``public``) or agents only (``POST …/request/{key}/comment``)."""
        return self._json(
            "POST", f"/rest/servicedeskapi/request/{key}/comment", json={"body": body, "public": public}, expect=(201,)
        )

    # -- status -------------------------------------------------------------------------

    def transitions(self, key: str) -> list[dict]:
        """The transitions the account can make on a request: ``[{"id", "name"}]``."""
        return list(self._pages(f"/rest/servicedeskapi/request/{key}/transition"))

    def transition(self, key: str, transition_id: str) -> None:
        """Move a request along one of its transitions (``POST …/request/{key}/transition``, 204)."""
        self._call("POST", f"/rest/servicedeskapi/request/{key}/transition", json={"id": transition_id}, expect=(204,))

    # -- attachments --------------------------------------------------------------------

    def attach_temporary_file(self, service_desk: str, filename: str, content: bytes, content_type: str) -> str:
        """Upload a file to the service desk; returns its temporary id (``POST …/attachTemporaryFile``).

        A multipart upload, which Jira accepts only with ``X-Atlassian-Token: no-check``.
        """
        answer = self._json(
            "POST",
            f"/rest/servicedeskapi/servicedesk/{service_desk}/attachTemporaryFile",
            files={"file": (filename, content, content_type)},
            headers={"X-Atlassian-Token": "no-check", "X-ExperimentalApi": "opt-in"},
            expect=(201,),
        )
        try:
            return answer["temporaryAttachments"][0]["temporaryAttachmentId"]
        except (KeyError, IndexError, TypeError):
            raise JiraError("attachTemporaryFile: no temporaryAttachmentId in the answer", status=201) from None

    def attach(self, key: str, temporary_ids: list[str], *, public: bool) -> dict:
        """Attach uploaded files to a request (``POST /rest/servicedeskapi/request/{key}/attachment``)."""
        return self._json(
            "POST",
            f"/rest/servicedeskapi/request/{key}/attachment",
            json={"temporaryAttachmentIds": temporary_ids, "public": public},
            expect=(201,),
        )

    def attachments(self, key: str) -> list[dict]:
        """The files attached to a request (``GET /rest/servicedeskapi/request/{key}/attachment``)."""
        return list(self._pages(f"/rest/servicedeskapi/request/{key}/attachment"))

    def comment_attachments(self, key: str, comment_id: str) -> list[dict]:
        """The files a comment refers to (``GET …/request/{key}/comment/{id}/attachment``, experimental)."""
        return list(
            self._pages(
                f"/rest/servicedeskapi/request/{key}/comment/{comment_id}/attachment",
                headers={"X-ExperimentalApi": "opt-in"},
            )
        )

    def attachment_content(self, key: str, attachment_id: str, *, limit: int) -> bytes:
        """The bytes of a request's file (``GET …/request/{key}/attachment/{id}``, following its redirect).

        At most ``limit + 1`` bytes are read: more than ``limit`` means too big.
        """
        path = f"/rest/servicedeskapi/request/{key}/attachment/{attachment_id}"
        response = self._call("GET", path, stream=True, headers={"Accept": "*/*"})
        data = bytearray()
        try:
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > limit:
                    break
        except requests.RequestException as exc:
            raise JiraError(f"GET {path}: the file's bytes did not all arrive: {exc}") from exc
        finally:
            response.close()
        return bytes(data[: limit + 1])

    def _pages(
        self, path: str, params: dict[str, str] | None = None, *, headers: dict[str, str] | None = None
    ) -> Iterator[dict]:
        """The ``values`` of every page of a paged service-management answer."""
        start = 0
        while True:
            page = self._json(
                "GET", path, params={**(params or {}), "start": start, "limit": PAGE}, headers=headers or {}
            )
            values = page.get("values", [])
            yield from values
            if page.get("isLastPage", True) or not values:
                return
            start += len(values)


def _error_text(response: requests.Response) -> str:
    """Jira's own words about a refused call (``errorMessage``, ``errorMessages``, ``errors``), shortened."""
    try:
        answer = response.json()
    except ValueError:
        return response.text[:300]
    if not isinstance(answer, dict):
        return str(answer)[:300]
    words = [answer.get("errorMessage") or "", *answer.get("errorMessages", [])]
    words += [f"{name}: {text}" for name, text in (answer.get("errors") or {}).items()]
    return "; ".join(word for word in words if word)[:300]
