"""The Jira settings and mapping file: the shipped example works, and every mistake is named at start."""

from __future__ import annotations

import pytest

from helpcenter import create_app
from helpcenter.config import ConfigError, settings_from_env
from helpcenter.jira.settings import EXAMPLE_MAPPING, load_mapping, load_settings

BASE = {
    "JIRA_URL": "https://example.atlassian.net/",
    "JIRA_USER": "bot@example.org",
    "JIRA_TOKEN": "token",
    "JIRA_SERVICE_DESK": "1",
    "JIRA_CONFIG": str(EXAMPLE_MAPPING),
}


def test_off_without_a_url_and_read_from_the_environment(tmp_path):
    assert load_settings({}) is None
    env = {f"HELPCENTER_{name}": value for name, value in BASE.items()}
    settings = load_settings(settings_from_env(str(tmp_path), env))
    assert settings.url == "https://example.atlassian.net" and settings.cloud
    assert settings.browse_url("SUP-1") == "https://example.atlassian.net/browse/SUP-1"
    assert not load_settings({**BASE, "JIRA_USER": ""}).cloud, "a token alone is a Data Center bearer token"


def test_the_shipped_example_maps_everything():
    mapping = load_mapping(EXAMPLE_MAPPING)
    assert mapping.request_types == {"technical": "10", "general": "11", "improvement": "12"}
    assert mapping.reference.id == "customfield_10050" and mapping.fields["language"].type == "select"
    assert mapping.category_of("12") == "improvement" and mapping.category_of("77") == "general"
    assert mapping.priority_of("highest") == "high" and mapping.priority_of("Medium") == "average"
    assert mapping.status_of("waiting for customer") == "waiting" and mapping.status_of("Triage") is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"JIRA_URL": "example.atlassian.net"}, "HELPCENTER_JIRA_URL"),
        ({"JIRA_TOKEN": ""}, "HELPCENTER_JIRA_TOKEN"),
        ({"JIRA_SERVICE_DESK": "SUP"}, "HELPCENTER_JIRA_SERVICE_DESK"),
        ({"JIRA_CONFIG": ""}, "HELPCENTER_JIRA_CONFIG"),
        ({"JIRA_CONFIG": "/nonexistent/jira.toml"}, "no file at /nonexistent/jira.toml"),
    ],
)
def test_each_setting_is_checked(changes, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({**BASE, **changes})


EXAMPLE = EXAMPLE_MAPPING.read_text()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: "surprise = 1\n" + text, "surprise: unknown key"),
        (lambda text: text.replace('improvement = "12"', ""), r"\[request_types\]: .*missing: improvement"),
        (lambda text: text.replace('technical = "10"', 'technical = "ten"'), r"\[request_types\] technical"),
        (lambda text: text.replace('reference = "customfield_10050"', ""), r"\[fields\] reference: required"),
        (
            lambda text: text.replace('reference = "customfield_10050"', 'reference = "summary"'),
            r"\[fields\] reference",
        ),
        (lambda text: text.replace('"Resolved" = "resolved"', '"Resolved" = "done"'), r"\[statuses\] Resolved"),
        (lambda text: text.replace('average = "Medium"', 'urgent = "Medium"'), r"\[priorities\] urgent"),
        (lambda text: text.replace('ticket_language = "en"', 'ticket_language = "de"'), "ticket_language"),
        (lambda text: text.replace("[fields]", "[fields"), "not valid TOML"),
    ],
)
def test_mistakes_in_the_mapping_are_named(tmp_path, edit, message):
    path = tmp_path / "jira.toml"
    path.write_text(edit(EXAMPLE))
    with pytest.raises(ConfigError, match=message) as error:
        load_mapping(path)
    assert str(path) in str(error.value)


def test_the_app_does_not_start_with_a_broken_mapping(tmp_path):
    path = tmp_path / "jira.toml"
    path.write_text("[request_types]\n")
    settings = {**BASE, "JIRA_CONFIG": str(path), "TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    with pytest.raises(ConfigError, match="missing: technical, general, improvement"):
        create_app(settings)


def test_without_a_webhook_secret_every_webhook_is_refused(app_factory, jsm):
    from .jsm_standin import app_settings

    app = app_factory(**app_settings(jsm, JIRA_WEBHOOK_SECRET=""))
    body, headers = jsm.signed(jsm.raise_in_portal("x", "y"), secret="")
    assert app.test_client().post("/integrations/jira/webhook", data=body, headers=headers).status_code == 401
