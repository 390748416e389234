"""The Jira channel's settings: the site and its credentials, and the TOML mapping between the two systems.

The channel is off unless ``HELPCENTER_JIRA_URL`` is set.  When it is, the
other settings and the mapping file are checked when the app starts, and
anything that cannot work is a :class:`~helpcenter.config.ConfigError`
naming the setting, the file and the key.

The mapping file (``HELPCENTER_JIRA_CONFIG``; ``jira.example.toml`` beside
this module documents every key) says which request type each category
becomes, which Jira field receives each help-centre value, and how
priorities and statuses correspond.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

from helpcenter.config import ConfigError
from helpcenter.sla import CATEGORIES, PRIORITIES
from helpcenter.tickets.models import STATUSES

#: The example mapping shipped with the package (README: "Connecting Jira Service Management").
EXAMPLE_MAPPING = Path(__file__).with_name("jira.example.toml")

#: The help-centre values a request can carry in fields of its own (``[fields]``).
MAPPED_VALUES = ("reference", "language", "requested_priority", "first_response_due", "contract", "product", "company")
#: How a value is written into its field: a text field, a select list (``{"value": …}``) or labels.
FIELD_TYPES = ("text", "select", "labels")
TICKET_LANGUAGES = ("en", "fr")
#: Jira's own field for a request's type in webhooks and searches ("Customer Request Type"), on most Cloud sites.
DEFAULT_REQUEST_TYPE_FIELD = "customfield_10010"
FIELD_ID = re.compile(r"^(customfield_\d+|labels)$")
TOP_LEVEL = ("ticket_language", "request_types", "fields", "priorities", "jira_priorities", "statuses", "transitions")


@dataclass(frozen=True)
class MappedField:
    """A Jira field that receives one help-centre value, and how the value is written."""

    id: str
    type: str = "text"

    def value(self, text: str) -> Any:
        """``text`` as the field takes it in ``requestFieldValues``."""
        if self.type == "select":
            return {"value": text}
        if self.type == "labels":
            # Labels cannot hold spaces.
            return [text.replace(" ", "_")]
        return text

    def read(self, raw: Any) -> str:
        """The text of this field in an issue's ``fields`` (a string, a select's value, or the first label)."""
        if isinstance(raw, dict):
            raw = raw.get("value")
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        return raw.strip() if isinstance(raw, str) else ""

    @property
    def jql_name(self) -> str:
        """How JQL names the field: ``cf[10050]`` or ``labels``."""
        return "labels" if self.id == "labels" else f"cf[{self.id.removeprefix('customfield_')}]"


@dataclass(frozen=True)
class JiraMapping:
    """Categories, fields, priorities and statuses as the two systems name them."""

    request_types: dict[str, str]
    other_requests: str
    fields: dict[str, MappedField]
    request_type_field: str
    priorities: dict[str, str]
    jira_priorities: dict[str, str]
    statuses: dict[str, str]
    transitions: dict[str, str]
    ticket_language: str = "en"

    @property
    def reference(self) -> MappedField:
        """The field that carries the help-centre reference (always mapped)."""
        return self.fields["reference"]

    def category_of(self, request_type_id: str | None) -> str:
        """The help-centre category of a request of this type (``others`` for types not mapped)."""
        for category, type_id in self.request_types.items():
            if type_id == request_type_id:
                return category
        return self.other_requests

    def priority_of(self, jira_priority: str | None) -> str | None:
        """The help-centre priority of a Jira priority name, or None when it has none."""
        if not jira_priority:
            return None
        wanted = jira_priority.casefold()
        for name, priority in self.jira_priorities.items():
            if name.casefold() == wanted:
                return priority
        return None

    def status_of(self, jira_status: str | None) -> str | None:
        """The help-centre status of a Jira status name, or None when it is not mapped."""
        if not jira_status:
            return None
        wanted = jira_status.casefold()
        for name, status in self.statuses.items():
            if name.casefold() == wanted:
                return status
        return None


@dataclass(frozen=True)
class JiraSettings:
    """Where the JSM site is, how to sign in to it, and the mapping.

    A token without a user is sent as a Bearer personal access token (Data
    Center); with a user, as basic authentication with an API token (Cloud).
    """

    url: str
    user: str
    token: str
    service_desk: str
    webhook_secret: str
    mapping: JiraMapping
    #: Seconds to connect, and to wait for an answer.
    timeout: tuple[float, float] = (5.0, 20.0)
    config_path: str = field(default="", compare=False)

    @property
    def cloud(self) -> bool:
        """Whether the site is Jira Cloud (basic authentication with a user) rather than Data Center."""
        return bool(self.user)

    def browse_url(self, key: str) -> str:
        """The agent's page of request ``key`` on the site."""
        return f"{self.url}/browse/{key}"


def jira_settings(app: Flask | None = None) -> JiraSettings | None:
    """The app's Jira settings, or None when the channel is off."""
    return (app or current_app).extensions.get("helpcenter.jira")


def load_settings(config: Mapping[str, Any]) -> JiraSettings | None:
    """The channel's settings from the app's config, or None when ``JIRA_URL`` is not set.

    Raises :class:`ConfigError` naming the first setting or mapping key that cannot work.
    """
    url = (config.get("JIRA_URL") or "").strip().rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"HELPCENTER_JIRA_URL: expected an address such as https://example.atlassian.net, got {url!r}"
        )
    token = (config.get("JIRA_TOKEN") or "").strip()
    if not token:
        raise ConfigError(
            "HELPCENTER_JIRA_TOKEN: an API token (Cloud) or a personal access token (Data Center) is needed"
        )
    service_desk = (config.get("JIRA_SERVICE_DESK") or "").strip()
    if not service_desk.isdigit():
        raise ConfigError(
            f"HELPCENTER_JIRA_SERVICE_DESK: expected the service desk's id (a number such as 1), got {service_desk!r}"
        )
    path = (config.get("JIRA_CONFIG") or "").strip()
    if not path:
        raise ConfigError(
            "HELPCENTER_JIRA_CONFIG: the mapping file is needed (start from helpcenter/jira/jira.example.toml)"
        )
    timeout = config.get("JIRA_TIMEOUT", (5.0, 20.0))
    if isinstance(timeout, int | float):
        timeout = (float(timeout), float(timeout))
    return JiraSettings(
        url=url,
        user=(config.get("JIRA_USER") or "").strip(),
        token=token,
        service_desk=service_desk,
        webhook_secret=config.get("JIRA_WEBHOOK_SECRET") or "",
        mapping=load_mapping(path),
        timeout=tuple(timeout),
        config_path=path,
    )


def load_mapping(path: str | Path) -> JiraMapping:
    """Read and check a mapping file; :class:`ConfigError` names the file and key of any mistake."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"HELPCENTER_JIRA_CONFIG: no file at {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"HELPCENTER_JIRA_CONFIG: {path} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_mapping(data, str(path))


def parse_mapping(data: dict[str, Any], where: str) -> JiraMapping:
    """Check the content of a mapping file (``where`` names it in errors)."""

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{where}: {key}: {message}")

    for key in data:
        if key not in TOP_LEVEL:
            raise fail(key, f"unknown key (expected one of {', '.join(TOP_LEVEL)})")

    def table(name: str, *, required: bool = True) -> dict[str, Any]:
        value = data.get(name)
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            raise fail(f"[{name}]", "this table is required" if value is None else "expected a table")
        return value

    language = data.get("ticket_language", "en")
    if language not in TICKET_LANGUAGES:
        raise fail("ticket_language", f"expected one of {', '.join(TICKET_LANGUAGES)}, got {language!r}")

    types = table("request_types")
    request_types: dict[str, str] = {}
    other_requests = types.get("others", "general")
    for key, value in types.items():
        if key == "others":
            if value not in CATEGORIES:
                raise fail("[request_types] others", f"expected a category ({', '.join(CATEGORIES)}), got {value!r}")
            continue
        if key not in CATEGORIES:
            raise fail(f"[request_types] {key}", f"not a category (use {', '.join(CATEGORIES)}, or others)")
        if not isinstance(value, str | int) or not str(value).isdigit():
            raise fail(f"[request_types] {key}", f'expected a request type id such as "10", got {value!r}')
        request_types[key] = str(value)
    missing = [category for category in CATEGORIES if category not in request_types]
    if missing:
        raise fail("[request_types]", f"every category needs a request type; missing: {', '.join(missing)}")

    fields: dict[str, MappedField] = {}
    request_type_field = DEFAULT_REQUEST_TYPE_FIELD
    for key, value in table("fields").items():
        if key == "request_type":
            if not isinstance(value, str) or not re.fullmatch(r"customfield_\d+", value):
                raise fail("[fields] request_type", f"expected a field id such as customfield_10010, got {value!r}")
            request_type_field = value
            continue
        if key not in MAPPED_VALUES:
            raise fail(f"[fields] {key}", f"unknown value (use {', '.join(MAPPED_VALUES)} or request_type)")
        if isinstance(value, str):
            value = {"id": value}
        if not isinstance(value, dict) or set(value) - {"id", "type"}:
            raise fail(f"[fields] {key}", 'expected a field id, or { id = "customfield_…", type = "text" }')
        field_id, kind = value.get("id"), value.get("type", "labels" if value.get("id") == "labels" else "text")
        if not isinstance(field_id, str) or not FIELD_ID.match(field_id):
            raise fail(
                f"[fields] {key}", f"expected a field id such as customfield_10050 (or labels), got {field_id!r}"
            )
        if kind not in FIELD_TYPES or (field_id == "labels") != (kind == "labels"):
            raise fail(f"[fields] {key}", f"type must be one of {', '.join(FIELD_TYPES)} (labels only for labels)")
        fields[key] = MappedField(field_id, kind)
    if "reference" not in fields:
        raise fail(
            "[fields] reference",
            "required: the field where the help-centre reference is written, so that a request is found again",
        )
    if fields["reference"].type == "select":
        raise fail("[fields] reference", "must be a text field or labels (a reference is not a choice)")

    priorities = _words(table("priorities", required=False), PRIORITIES, "[priorities]", fail, keys=True)
    jira_priorities = {name: priority for priority, name in priorities.items()}
    jira_priorities |= _words(table("jira_priorities", required=False), PRIORITIES, "[jira_priorities]", fail)
    statuses = _words(table("statuses", required=False), STATUSES, "[statuses]", fail)
    transitions = _words(table("transitions", required=False), STATUSES, "[transitions]", fail, keys=True)
    return JiraMapping(
        request_types=request_types,
        other_requests=other_requests,
        fields=fields,
        request_type_field=request_type_field,
        priorities=priorities,
        jira_priorities=jira_priorities,
        statuses=statuses,
        transitions=transitions,
        ticket_language=language,
    )


def _words(values: dict[str, Any], allowed: tuple[str, ...], name: str, fail, *, keys: bool = False) -> dict[str, str]:
    """A table of names: its keys (``keys``) or its values must be among ``allowed``; the others are text."""
    checked: dict[str, str] = {}
    for key, value in values.items():
        ours = key if keys else value
        if ours not in allowed:
            raise fail(f"{name} {key}", f"{ours!r} is not one of {', '.join(allowed)}")
        if not isinstance(value, str) or not value.strip():
            raise fail(f"{name} {key}", "expected a name in quotes")
        checked[key] = value.strip()
    return checked
