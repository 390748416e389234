"""``helpcenter sla due``: deadlines from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpcenter.sla import load_policy_set

KEYS = {"created_at", "category", "priority", "policy", "window", "target_minutes", "due", "explanation"}


def sla_due(runner, *args: str):
    return runner.invoke(args=["sla", "due", *args])


def test_json_for_a_holiday_ticket(runner):
    result = sla_due(runner, "--created-at", "2026-05-14T14:30:00Z", "--priority", "high", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == KEYS
    assert report == {
        "created_at": "2026-05-14T16:30:00+02:00",
        "category": "technical",
        "priority": "high",
        "policy": "default",
        "window": "out_of_hours",
        "target_minutes": 720,
        "due": "2026-05-15T04:30:00+02:00",
        "explanation": "Thursday 14 May 2026 16:30 CEST: Ascension Day, a public holiday, so outside business hours; "
        "High: 12 hours; due Friday 15 May 2026 04:30 CEST",
    }


def test_json_due_has_the_winter_offset(runner):
    result = sla_due(runner, "--created-at", "2026-03-06T17:00+01:00", "--priority", "high", "--json")
    report = json.loads(result.stdout)
    assert (report["window"], report["due"]) == ("out_of_hours", "2026-03-07T05:00:00+01:00")


def test_text_output_is_the_explanation(runner):
    result = sla_due(runner, "--created-at", "2026-03-03T10:00+01:00", "--priority", "average")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "Tuesday 3 March 2026 10:00 CET: within business hours (Monday to Friday 08:00–17:00 Europe/Paris); "
        "Average: 2 hours; due Tuesday 3 March 2026 12:00 CET"
    )


@pytest.mark.parametrize("timestamp", ["2026-05-14T16:30", "2026-05-14T16:30:00", "2026-05-14"])
def test_timestamp_without_offset_is_refused(runner, timestamp):
    result = sla_due(runner, "--created-at", timestamp, "--priority", "high", "--json")
    assert result.exit_code == 2
    assert "has no UTC offset" in result.output
    assert "+02:00" in result.output
    assert result.stdout == ""


def test_malformed_timestamp_is_refused(runner):
    result = sla_due(runner, "--created-at", "yesterday", "--priority", "high")
    assert result.exit_code == 2
    assert "not an ISO 8601 timestamp" in result.output


def test_technical_assistance_needs_a_priority(runner):
    result = sla_due(runner, "--created-at", "2026-03-03T10:00+01:00")
    assert result.exit_code == 2
    assert "--priority is required for technical assistance" in result.output


@pytest.mark.parametrize("category", ["general", "improvement"])
def test_categories_without_target_give_nulls(runner, category):
    result = sla_due(runner, "--created-at", "2026-03-03T10:00+01:00", "--category", category, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["window"], report["target_minutes"], report["due"]) == (None, None, None)
    assert report["priority"] is None
    assert report["category"] == category
    assert "no committed first-response time" in report["explanation"]


def test_contract_selects_its_policy(runner):
    result = sla_due(
        runner, "--created-at", "2026-03-03T09:00Z", "--priority", "high", "--contract", "ful-premium-001", "--json"
    )
    report = json.loads(result.stdout)
    assert (report["policy"], report["window"], report["target_minutes"]) == ("premium", "in_hours", 30)
    assert report["due"] == "2026-03-03T10:30:00+01:00"


def test_unknown_contract_uses_the_standard_policy(runner):
    result = sla_due(runner, "--created-at", "2026-03-03T09:00Z", "--priority", "high", "--contract", "NOPE")
    assert result.exit_code == 0
    assert "Contract NOPE has no customised SLA; the Standard policy applies." in result.stderr
    report = json.loads(
        sla_due(
            runner, "--created-at", "2026-03-03T09:00Z", "--priority", "high", "--contract", "NOPE", "--json"
        ).output
    )
    assert (report["policy"], report["target_minutes"]) == ("default", 60)


def test_configured_policy_file_is_used(app_factory, tmp_path):
    text = Path(load_policy_set().source).read_text(encoding="utf-8")
    policy = tmp_path / "moselle.toml"
    policy.write_text(text.replace('holidays_subdivision = ""', 'holidays_subdivision = "57"'), encoding="utf-8")
    runner = app_factory(index=False, SLA_POLICY=str(policy)).test_cli_runner()
    result = sla_due(runner, "--created-at", "2026-04-03T10:00+02:00", "--priority", "low", "--json")
    report = json.loads(result.stdout)
    assert (report["window"], report["target_minutes"]) == ("out_of_hours", 1440)
    assert "Good Friday, a public holiday" in report["explanation"]


def test_broken_policy_file_is_reported(app_factory, tmp_path):
    policy = tmp_path / "broken.toml"
    policy.write_text("[calendar\n", encoding="utf-8")
    runner = app_factory(index=False, SLA_POLICY=str(policy)).test_cli_runner()
    result = sla_due(runner, "--created-at", "2026-04-03T10:00+02:00", "--priority", "low")
    assert result.exit_code == 1
    assert "not valid TOML" in result.output
