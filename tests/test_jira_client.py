"""The JSM client against the stand-in: each call's answer and errors, attachments, Data Center's differences;
and the stand-in itself answering as the real API does (status codes, shapes)."""

from __future__ import annotations

import pytest
import requests

from helpcenter.jira.client import JiraError, JsmClient
from helpcenter.jira.settings import JiraSettings, load_settings

from .jsm_standin import JsmStandIn, app_settings


def settings_for(site: JsmStandIn) -> JiraSettings:
    """The channel's settings for ``site``, as the app reads them."""
    return load_settings(app_settings(site))


@pytest.fixture
def client(jsm):
    made = JsmClient(settings_for(jsm))
    yield made
    made.close()


def raise_request(client: JsmClient, jsm: JsmStandIn) -> str:
    customer = client.create_customer("lea@example.org", "Léa") or client.find_customer("1", "lea@example.org")
    client.add_customers("1", [customer["accountId"]])
    return client.create_request("1", "10", {"summary": "S", "description": "D"}, customer["accountId"])["issueKey"]


def test_customers_are_created_then_409_and_found(client, jsm):
    created = client.create_customer("lea@example.org", "Léa Martin")
    assert created["accountId"] and created["emailAddress"] == "lea@example.org"
    assert client.create_customer("LEA@example.org", "Léa") is None, "409 with strictConflictStatusCode=true"
    assert client.find_customer("1", "lea@example.org") is not None, "found among the site's users"
    client.add_customers("1", [created["accountId"]])
    assert client.find_customer("1", "lea@example.org")["accountId"] == created["accountId"]
    assert client.find_customer("1", "nobody@example.org") is None
    with pytest.raises(JiraError) as refused:
        client.add_customers("1", ["no-such-account"])
    assert refused.value.status == 400 and refused.value.permanent


def test_a_request_is_created_read_commented_moved_and_reprioritised(client, jsm):
    key = raise_request(client, jsm)
    assert key == "SUP-1"
    request = client.get_request(key)
    assert request["currentStatus"]["status"] == "Waiting for support" and request["createdDate"]["epochMillis"]
    comment = client.add_comment(key, "Internal", public=False)
    assert comment["public"] is False and comment["id"]
    assert [(c["body"], c["public"]) for c in client.comments(key)] == [("Internal", False)]
    [resolve] = client.transitions(key)
    client.transition(key, resolve["id"])
    assert client.get_request(key)["currentStatus"]["status"] == "Resolved"
    client.set_priority(key, "High")
    assert jsm.requests[key].priority == "High"
    with pytest.raises(JiraError) as refused:
        client.set_priority(key, "Urgentissimo")
    assert refused.value.status == 400


def test_search_answers_fields_only_when_asked_and_pages_with_tokens(client, jsm):
    for _ in range(3):
        raise_request(client, jsm)
    jql = 'project = "SUP" AND updated >= "-5m" ORDER BY updated ASC'
    assert [issue["key"] for issue in client.search(jql, ["summary"], limit=2)] == ["SUP-1", "SUP-2", "SUP-3"]
    assert len(jsm.calls_to("POST", "/rest/api/3/search/jql")) == 2, "two pages, by nextPageToken"
    bare = requests.post(
        f"{jsm.url}/rest/api/3/search/jql", json={"jql": jql}, auth=(jsm.user, jsm.token), timeout=5
    ).json()
    assert bare["issues"][0] == {"id": "10001"}, "only ids unless fields are asked for"
    with pytest.raises(JiraError) as refused:
        list(client.search('project = "SUP" AND key = "SUP-99"', ["summary"]))
    assert refused.value.status == 400


def test_attachments_go_through_a_temporary_file(client, jsm):
    key = raise_request(client, jsm)
    temporary = client.attach_temporary_file("1", "trace.log", b"line 1\nline 2\n", "text/plain")
    assert temporary.startswith("temp")
    answer = client.attach(key, [temporary], public=True)
    assert answer["attachments"]["values"][0]["filename"] == "trace.log"
    [attached] = client.attachments(key)
    assert attached["size"] == 14 and attached["mimeType"] == "text/plain"
    assert jsm.requests[key].attachments[0]["content"] == b"line 1\nline 2\n"
    with pytest.raises(JiraError) as expired:
        client.attach(key, [temporary], public=True)
    assert expired.value.status == 400, "a temporary file is used once"
    [upload] = jsm.calls_to("POST", r"/rest/servicedeskapi/servicedesk/1/attachTemporaryFile")
    assert upload.headers["x-atlassian-token"] == "no-check"


def test_the_stand_in_refuses_what_the_real_api_refuses(jsm):
    auth = (jsm.user, jsm.token)
    base = jsm.url

    def call(method, path, **options):
        return requests.request(method, base + path, timeout=5, **options)

    assert call("GET", "/rest/api/3/myself").status_code == 401
    assert call("GET", "/rest/api/3/myself", auth=(jsm.user, "wrong")).status_code == 401
    assert call("GET", "/rest/api/3/search", auth=auth).status_code == 410, "the old search is gone from Cloud"
    assert call("GET", "/rest/servicedeskapi/servicedesk/1/customer", auth=auth).status_code == 412
    created = call("POST", "/rest/servicedeskapi/customer", json={"email": "x@example.org"}, auth=auth)
    assert created.status_code == 201
    again = call("POST", "/rest/servicedeskapi/customer", json={"email": "x@example.org"}, auth=auth)
    assert again.status_code == 400 and again.json()["errorMessage"], "400 without strictConflictStatusCode"
    account = created.json()["accountId"]
    call("POST", "/rest/servicedeskapi/servicedesk/1/customer", json={"accountIds": [account]}, auth=auth)
    missing_summary = {"serviceDeskId": "1", "requestTypeId": "10", "requestFieldValues": {"description": "d"}}
    assert call("POST", "/rest/servicedeskapi/request", json=missing_summary, auth=auth).status_code == 400
    no_type = {"serviceDeskId": "1", "requestFieldValues": {"summary": "s"}}
    assert call("POST", "/rest/servicedeskapi/request", json=no_type, auth=auth).status_code == 400
    good = {**missing_summary, "requestFieldValues": {"summary": "s"}, "raiseOnBehalfOf": account}
    made = call("POST", "/rest/servicedeskapi/request", json=good, auth=auth)
    assert made.status_code == 201 and made.json()["issueKey"] == "SUP-1"
    comment = "/rest/servicedeskapi/request/SUP-1/comment"
    assert call("POST", comment, json={"body": "no visibility"}, auth=auth).status_code == 400
    assert (
        call(
            "POST", "/rest/servicedeskapi/request/SUP-9/comment", json={"body": "b", "public": True}, auth=auth
        ).status_code
        == 404
    )
    upload = "/rest/servicedeskapi/servicedesk/1/attachTemporaryFile"
    assert call("POST", upload, files={"file": ("a.txt", b"a")}, auth=auth).status_code == 403, "XSRF check"
    no_check = {"X-Atlassian-Token": "no-check"}
    assert call("POST", upload, json={"file": "a"}, headers=no_check, auth=auth).status_code == 415, "multipart only"
    assert call("POST", upload, files={"other": ("a.txt", b"a")}, headers=no_check, auth=auth).status_code == 400
    uploaded = call("POST", upload, files={"file": ("a.txt", b"a")}, headers=no_check, auth=auth)
    assert uploaded.status_code == 201, "not an experimental call: no X-ExperimentalApi needed"
    temporary = uploaded.json()["temporaryAttachments"][0]["temporaryAttachmentId"]
    attach = "/rest/servicedeskapi/request/SUP-1/attachment"
    assert call("POST", attach, json={"temporaryAttachmentIds": [temporary]}, auth=auth).status_code == 400
    extra = {"temporaryAttachmentIds": [temporary], "public": True, "visibility": "all"}
    assert call("POST", attach, json=extra, auth=auth).status_code == 400, "no field the API does not know"
    good = {"temporaryAttachmentIds": [temporary], "public": True}
    assert call("POST", attach, json=good, auth=auth).status_code == 201


def test_errors_say_whether_trying_again_can_help(jsm, client):
    jsm.unavailable = True
    with pytest.raises(JiraError) as unavailable:
        client.myself()
    assert unavailable.value.status == 503 and not unavailable.value.permanent
    jsm.unavailable = False
    jsm.stop()
    with pytest.raises(JiraError) as refused:
        client.myself()
    assert refused.value.status is None and not refused.value.maybe_done and not refused.value.permanent
    jsm.start()
    jsm.slow("GET", "/rest/api/3/myself", 2.0)
    with pytest.raises(JiraError) as late:
        client.myself()
    assert late.value.maybe_done and not late.value.permanent


def test_data_center_takes_a_bearer_token_and_the_version_2_search():
    site = JsmStandIn(flavour="datacenter").start()
    try:
        client = JsmClient(settings_for(site))
        assert client.myself()["name"] == "helpcenter"
        customer = client.create_customer("dc@example.org", "DC Customer")
        client.add_customers("1", [customer["name"]])
        key = client.create_request("1", "10", {"summary": "On premises"}, customer["name"])["issueKey"]
        assert [issue["key"] for issue in client.search('project = "SUP"', ["summary"])] == [key]
        assert site.calls_to("GET", "/rest/api/2/myself")[0].headers["authorization"] == f"Bearer {site.token}"
        client.close()
    finally:
        site.stop()
