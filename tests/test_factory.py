"""The app factory and its settings."""

import pytest

from helpcenter import create_app
from helpcenter.config import ConfigError, settings_from_env


def test_testing_flag_and_overrides(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.testing
    assert app.config["DATABASE_URL"].endswith("x.db")
    assert not create_app({"SECRET_KEY": "k", "DATABASE_URL": "sqlite://"}).testing


def test_settings_come_from_the_environment(tmp_path):
    settings = settings_from_env(
        str(tmp_path),
        {
            "HELPCENTER_DATABASE_URL": "postgresql://db/help",
            "HELPCENTER_CONTENT_DIR": "/srv/content",
            "HELPCENTER_SALES_EMAIL": "sales@example.org",
            "HELPCENTER_RATELIMIT_ENABLED": "false",
        },
    )
    assert settings["DATABASE_URL"] == "postgresql://db/help"
    assert settings["CONTENT_DIR"] == "/srv/content"
    assert settings["SALES_EMAIL"] == "sales@example.org"
    assert settings["RATELIMIT_ENABLED"] is False
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"


def test_defaults_work_on_a_laptop(tmp_path):
    settings = settings_from_env(str(tmp_path), {})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'helpcenter.sqlite3'}"
    assert settings["INDEX_DIR"].startswith(str(tmp_path))
    assert settings["CONTENT_DIR"].endswith("content")


def test_bad_flag_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="HELPCENTER_RATELIMIT_ENABLED"):
        settings_from_env(str(tmp_path), {"HELPCENTER_RATELIMIT_ENABLED": "maybe"})


def test_refuses_to_serve_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("HELPCENTER_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigError, match="HELPCENTER_SECRET_KEY"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_debug_and_testing_get_a_throwaway_key(monkeypatch):
    monkeypatch.delenv("HELPCENTER_SECRET_KEY", raising=False)
    assert create_app({"TESTING": True, "DATABASE_URL": "sqlite://"}).secret_key
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert create_app({"DATABASE_URL": "sqlite://"}).secret_key


def test_the_site_serves_with_rate_limits_turned_off(app_factory):
    app = app_factory(RATELIMIT_ENABLED=False, SEARCH_PAGE_LIMIT="1 per hour")
    client = app.test_client()
    answers = [client.get("/en/search?q=password").status_code for _ in range(3)]
    assert answers == [200, 200, 200]
