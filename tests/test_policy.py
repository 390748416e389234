"""The support policy file: loaded and validated with clear errors."""

import datetime as dt

import pytest

from helpcenter.sla import PolicyError, load_policy_set
from helpcenter.sla.policy import parse_duration


def test_shipped_policy_matches_the_support_policy():
    policies = load_policy_set()
    calendar = policies.default.calendar
    assert calendar.timezone == "Europe/Paris"
    assert calendar.hours[0] == ((dt.time(8), dt.time(17)),)
    assert 5 not in calendar.hours and 6 not in calendar.hours
    assert calendar.holidays_country == "FR"
    hours = dt.timedelta(hours=1)
    targets = {key: (t.in_hours / hours, t.out_of_hours / hours) for key, t in policies.default.targets.items()}
    assert targets == {
        ("technical", "high"): (1, 12),
        ("technical", "average"): (2, 24),
        ("technical", "low"): (2, 24),
    }
    assert policies.default.target("general", "high") is None
    assert policies.default.target("technical", None) is None


def test_contract_codes_select_their_policy():
    policies = load_policy_set()
    assert policies.for_contract(" ful-premium-001 ").name == "Premium"
    assert policies.for_contract("UNKNOWN").name == "Standard"
    assert policies.for_contract(None) is policies.default


@pytest.mark.parametrize(
    "value, minutes",
    [(90, 90), ("1h", 60), ("12h", 720), ("90m", 90), ("1d 2h", 1560), ("30min", 30)],
)
def test_durations(value, minutes):
    assert parse_duration(value, "x") == dt.timedelta(minutes=minutes)


@pytest.mark.parametrize("value", ["soon", "", 0, -5, True, "1 week"])
def test_bad_durations(value):
    with pytest.raises(PolicyError, match="x"):
        parse_duration(value, "x")


@pytest.mark.parametrize(
    "text, message",
    [
        ("[calendar\n", "not valid TOML"),
        ('[calendar]\ntimezone = "Mars/Olympus"\n', "unknown time zone 'Mars/Olympus'"),
        ('[calendar.hours]\nfunday = ["08:00", "17:00"]\n', "unknown day 'funday'"),
        ('[calendar.hours]\nmonday = ["17:00", "08:00"]\n', "is not after the start"),
        ('[calendar.hours]\nmonday = ["8h", "17:00"]\n', "expected a time as HH:MM"),
        ('[calendar]\nclosures = ["tomorrow"]\n', "closures: expected dates"),
        (
            '[default.targets.technical]\nurgent = { in_hours = "1h", out_of_hours = "2h" }\n',
            "unknown priority 'urgent'",
        ),
        ('[default.targets.sales]\nhigh = { in_hours = "1h", out_of_hours = "2h" }\n', "unknown category 'sales'"),
        ('[default.targets.technical]\nhigh = { in_hours = "1h" }\n', "missing out_of_hours"),
        (
            '[policies.a]\ncontracts = ["X"]\n[policies.b]\ncontracts = ["x"]\n',
            "contract X is already in policies.a",
        ),
    ],
)
def test_invalid_policy_files_are_refused_clearly(tmp_path, text, message):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy_set(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_missing_policy_file(tmp_path):
    with pytest.raises(PolicyError, match="cannot be read"):
        load_policy_set(tmp_path / "absent.toml")
