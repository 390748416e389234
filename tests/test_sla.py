"""First-response deadlines: business hours, holidays, closures, DST, contracts."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import replace
from pathlib import Path

import pytest

from helpcenter.sla import (
    BREACHED,
    IN_HOURS,
    MET,
    NO_TARGET,
    OUT_OF_HOURS,
    PENDING,
    Deadline,
    OutsideHours,
    describe_hours,
    first_response_due,
    is_business_time,
    load_policy_set,
    outside_hours_reason,
    public_holidays,
    response_state,
)
from helpcenter.sla.policy import BusinessCalendar

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UTC = dt.UTC
HOUR = dt.timedelta(hours=1)

POLICIES = load_policy_set()
STANDARD = POLICIES.default
CALENDAR = STANDARD.calendar


def paris(*args: int, fold: int = 0) -> dt.datetime:
    """A Paris wall-clock time (``fold=1``: the second 02:30 of the autumn night)."""
    return dt.datetime(*args, tzinfo=PARIS, fold=fold)


def due(created: dt.datetime, priority: str | None = "high", category: str = "technical", policy=STANDARD) -> Deadline:
    return first_response_due(created, category, priority, policy)


def write_policy(tmp_path: Path, *, subdivision: str = "", closures: tuple[str, ...] = ()) -> Path:
    """A copy of the shipped policy file with another subdivision and closure dates."""
    text = Path(POLICIES.source).read_text(encoding="utf-8")
    text = text.replace('holidays_subdivision = ""', f'holidays_subdivision = "{subdivision}"')
    text = text.replace("closures = []", f"closures = [{', '.join(repr(day) for day in closures)}]")
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


# Business hours: Monday to Friday, 08:00 to 17:00 Paris time, half-open.


@pytest.mark.parametrize(
    "local, inside, reason",
    [
        (paris(2026, 3, 3, 7, 59, 59), False, OutsideHours("before_opening")),
        (paris(2026, 3, 3, 8, 0, 0), True, None),
        (paris(2026, 3, 3, 16, 59, 59), True, None),
        (paris(2026, 3, 3, 17, 0, 0), False, OutsideHours("after_closing")),
        # The same boundaries in summer time (CEST, UTC+2).
        (paris(2026, 7, 7, 7, 59, 59), False, OutsideHours("before_opening")),
        (paris(2026, 7, 7, 8, 0, 0), True, None),
        (paris(2026, 7, 7, 16, 59, 59), True, None),
        (paris(2026, 7, 7, 17, 0, 0), False, OutsideHours("after_closing")),
    ],
)
def test_business_hours_boundaries(local, inside, reason):
    assert is_business_time(CALENDAR, local) is inside
    assert outside_hours_reason(CALENDAR, local) == reason
    assert due(local).window == (IN_HOURS if inside else OUT_OF_HOURS)


@pytest.mark.parametrize(
    "local, target",
    [
        (paris(2026, 3, 3, 7, 59, 59), 12 * HOUR),
        (paris(2026, 3, 3, 8, 0, 0), HOUR),
        (paris(2026, 3, 3, 16, 59, 59), HOUR),
        (paris(2026, 3, 3, 17, 0, 0), 12 * HOUR),
    ],
)
def test_boundaries_pick_the_high_target(local, target):
    deadline = due(local)
    assert deadline.target == target
    assert deadline.due == local + target


def test_weekend_is_outside_hours():
    saturday, sunday = paris(2026, 3, 7, 10), paris(2026, 3, 8, 10)
    assert outside_hours_reason(CALENDAR, saturday) == OutsideHours("weekend")
    assert outside_hours_reason(CALENDAR, sunday) == OutsideHours("weekend")
    assert due(saturday, "average").target == 24 * HOUR


def test_in_hours_deadline_runs_past_closing_time():
    deadline = due(paris(2026, 3, 3, 16, 30))
    assert deadline.window == IN_HOURS
    assert deadline.due_local() == paris(2026, 3, 3, 17, 30)
    assert due(paris(2026, 3, 3, 16, 30), "average").due_local() == paris(2026, 3, 3, 18, 30)


def test_high_at_friday_closing_is_due_saturday_morning():
    deadline = due(paris(2026, 3, 6, 17, 0))
    assert deadline.window == OUT_OF_HOURS
    assert deadline.reason == OutsideHours("after_closing")
    assert deadline.due_local() == paris(2026, 3, 7, 5, 0)
    assert deadline.due_local().strftime("%A") == "Saturday"


def test_in_hours_friday_deadline_runs_into_the_evening():
    assert due(paris(2026, 3, 6, 16, 59)).due_local() == paris(2026, 3, 6, 17, 59)


# French public holidays, national list.

FRENCH_HOLIDAYS = {
    dt.date(2026, 1, 1): "New Year's Day",
    dt.date(2026, 4, 6): "Easter Monday",
    dt.date(2026, 5, 1): "Labor Day",
    dt.date(2026, 5, 8): "Victory Day",
    dt.date(2026, 5, 14): "Ascension Day",
    dt.date(2026, 5, 25): "Pentecost Monday",
    dt.date(2026, 7, 14): "National Day",
    dt.date(2026, 8, 15): "Assumption Day",
    dt.date(2026, 11, 1): "All Saints' Day",
    dt.date(2026, 11, 11): "Armistice Day",
    dt.date(2026, 12, 25): "Christmas Day",
    dt.date(2027, 1, 1): "New Year's Day",
    dt.date(2027, 3, 29): "Easter Monday",
    dt.date(2027, 5, 1): "Labor Day",
    dt.date(2027, 5, 6): "Ascension Day",
    dt.date(2027, 5, 8): "Victory Day",
    dt.date(2027, 5, 17): "Pentecost Monday",
    dt.date(2027, 7, 14): "National Day",
    dt.date(2027, 8, 15): "Assumption Day",
    dt.date(2027, 11, 1): "All Saints' Day",
    dt.date(2027, 11, 11): "Armistice Day",
    dt.date(2027, 12, 25): "Christmas Day",
}


@pytest.mark.parametrize("day, name", sorted(FRENCH_HOLIDAYS.items()), ids=str)
def test_every_french_public_holiday_is_outside_hours(day, name):
    ten = paris(day.year, day.month, day.day, 10)
    assert not is_business_time(CALENDAR, ten)
    assert outside_hours_reason(CALENDAR, ten) == OutsideHours("holiday", name)
    assert due(ten).target == 12 * HOUR


def test_the_national_list_has_exactly_these_holidays():
    for year in (2026, 2027):
        listed = {day: name for day, name in FRENCH_HOLIDAYS.items() if day.year == year}
        assert dict(public_holidays("FR", None, year)) == listed


@pytest.mark.parametrize(
    "day, name",
    [
        (dt.date(2026, 4, 6), "Easter Monday"),
        (dt.date(2026, 5, 14), "Ascension Day"),
        (dt.date(2026, 5, 25), "Pentecost Monday"),
        (dt.date(2027, 3, 29), "Easter Monday"),
        (dt.date(2027, 5, 6), "Ascension Day"),
        (dt.date(2027, 5, 17), "Pentecost Monday"),
    ],
)
def test_movable_feasts_fall_on_their_dates_and_not_beside_them(day, name):
    for hour in (0, 8, 12, 16, 23):
        moment = paris(day.year, day.month, day.day, hour)
        assert outside_hours_reason(CALENDAR, moment) == OutsideHours("holiday", name)
    for neighbour in (day - dt.timedelta(days=1), day + dt.timedelta(days=1)):
        if neighbour.weekday() < 5:
            assert is_business_time(CALENDAR, paris(neighbour.year, neighbour.month, neighbour.day, 10))


def test_holiday_is_decided_by_the_paris_date_not_the_utc_date():
    # 23:30 UTC on the eve of Ascension is already Ascension Day in Paris,
    # and 22:30 UTC on Ascension evening is already the next day.
    assert outside_hours_reason(CALENDAR, dt.datetime(2026, 5, 13, 22, 30, tzinfo=UTC)).kind == "holiday"
    assert is_business_time(CALENDAR, dt.datetime(2026, 5, 15, 6, 0, tzinfo=UTC))
    assert outside_hours_reason(CALENDAR, dt.datetime(2026, 5, 14, 22, 30, tzinfo=UTC)).kind == "before_opening"


def test_holiday_names_are_english_whatever_the_locale(monkeypatch):
    public_holidays.cache_clear()
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.setenv(variable, "fr_FR.UTF-8")
    try:
        assert public_holidays("FR", None, 2026)[dt.date(2026, 5, 14)] == "Ascension Day"
    finally:
        public_holidays.cache_clear()


def test_holiday_lookups_are_cached_per_country_subdivision_and_year():
    first = public_holidays("FR", None, 2026)
    assert public_holidays("FR", None, 2026) is first
    assert public_holidays("FR", "57", 2026) is not first
    assert public_holidays("FR", None, 2027) is not first


def test_alsace_moselle_subdivision_adds_good_friday_and_st_stephens_day(tmp_path):
    moselle = load_policy_set(write_policy(tmp_path, subdivision="57")).default
    good_friday = paris(2026, 4, 3, 10)
    assert is_business_time(CALENDAR, good_friday)
    assert due(good_friday).window == IN_HOURS
    assert outside_hours_reason(moselle.calendar, good_friday) == OutsideHours("holiday", "Good Friday")
    assert due(good_friday, policy=moselle).window == OUT_OF_HOURS
    st_stephen = paris(2025, 12, 26, 10)  # a Friday
    assert is_business_time(CALENDAR, st_stephen)
    assert outside_hours_reason(moselle.calendar, st_stephen) == OutsideHours("holiday", "Saint Stephen's Day")


def test_closure_dates_from_the_policy_file(tmp_path):
    policy = load_policy_set(write_policy(tmp_path, closures=("2026-12-24",))).default
    christmas_eve = paris(2026, 12, 24, 10)
    assert is_business_time(CALENDAR, christmas_eve)
    assert outside_hours_reason(policy.calendar, christmas_eve) == OutsideHours("closure")
    deadline = due(christmas_eve, "average", policy=policy)
    assert (deadline.window, deadline.target) == (OUT_OF_HOURS, 24 * HOUR)
    assert "a closure day of the support office, so outside business hours" in deadline.explain()
    assert is_business_time(policy.calendar, paris(2026, 12, 23, 10))


# Daylight-saving changes: deadlines are elapsed time.


def test_spring_forward_night_adds_elapsed_time():
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST.
    created = paris(2026, 3, 29, 1, 30)
    deadline = due(created)
    assert created.utcoffset() == HOUR
    assert deadline.due - deadline.created_at == 12 * HOUR
    assert deadline.due == dt.datetime(2026, 3, 29, 12, 30, tzinfo=UTC)
    assert deadline.due_local() == paris(2026, 3, 29, 14, 30)
    assert deadline.due_local().utcoffset() == 2 * HOUR
    assert deadline.due_local().tzname() == "CEST"


def test_a_day_across_spring_forward_is_24_elapsed_hours():
    deadline = due(paris(2026, 3, 28, 12, 0), "average")
    assert deadline.due_local() == paris(2026, 3, 29, 13, 0)


def test_fall_back_night_repeated_hour_gives_two_instants_twelve_hours_apart():
    # 25 October 2026: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    first = paris(2026, 10, 25, 2, 30, fold=0)
    second = paris(2026, 10, 25, 2, 30, fold=1)
    assert first.utcoffset() == 2 * HOUR and second.utcoffset() == HOUR
    assert first.astimezone(UTC) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert second.astimezone(UTC) == dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    early, late = due(first), due(second)
    assert early.created_at != late.created_at
    assert early.due == dt.datetime(2026, 10, 25, 12, 30, tzinfo=UTC)
    assert late.due == dt.datetime(2026, 10, 25, 13, 30, tzinfo=UTC)
    assert early.due_local().isoformat() == "2026-10-25T13:30:00+01:00"
    assert late.due_local().isoformat() == "2026-10-25T14:30:00+01:00"
    assert "Sunday 25 October 2026 02:30 CEST" in early.explain()
    assert "Sunday 25 October 2026 02:30 CET" in late.explain()


def test_the_repeated_hour_written_with_offsets_is_the_same():
    assert due(dt.datetime.fromisoformat("2026-10-25T02:30+02:00")) == due(paris(2026, 10, 25, 2, 30, fold=0))
    assert due(dt.datetime.fromisoformat("2026-10-25T02:30+01:00")) == due(paris(2026, 10, 25, 2, 30, fold=1))


def test_a_day_across_fall_back_is_24_elapsed_hours():
    deadline = due(paris(2026, 10, 24, 12, 0), "average")
    assert deadline.due_local() == paris(2026, 10, 25, 11, 0)


def test_in_hours_deadline_on_the_monday_after_a_dst_change_uses_the_new_offset():
    deadline = due(paris(2026, 3, 30, 8, 0))
    assert deadline.window == IN_HOURS
    assert deadline.due == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


# Offsets of the input do not matter, only the instant.


@pytest.mark.parametrize(
    "text",
    [
        "2026-05-14T16:30:00+02:00",
        "2026-05-14T14:30:00Z",
        "2026-05-14T14:30:00+00:00",
        "2026-05-14T09:30:00-05:00",
        "2026-05-14T20:00:00+05:30",
        "2026-05-15T00:30:00+10:00",
    ],
)
def test_any_offset_gives_the_same_deadline(text):
    deadline = due(dt.datetime.fromisoformat(text))
    assert deadline == due(paris(2026, 5, 14, 16, 30))
    assert deadline.created_at.tzinfo is UTC and deadline.due.tzinfo is UTC
    assert deadline.due_local().isoformat() == "2026-05-15T04:30:00+02:00"


def test_utc_input_in_hours_in_paris_but_not_in_utc():
    # 07:30 UTC is 08:30 in Paris in winter: inside hours.
    assert due(dt.datetime(2026, 3, 3, 7, 30, tzinfo=UTC)).window == IN_HOURS
    # 16:30 UTC is 17:30 in Paris in winter: outside.
    assert due(dt.datetime(2026, 3, 3, 16, 30, tzinfo=UTC)).window == OUT_OF_HOURS


# Categories, priorities and contract policies.


@pytest.mark.parametrize(
    "priority, in_hours, out_of_hours",
    [("high", 1, 12), ("average", 2, 24), ("low", 2, 24)],
)
def test_standard_targets(priority, in_hours, out_of_hours):
    assert due(paris(2026, 3, 3, 10), priority).target == in_hours * HOUR
    assert due(paris(2026, 3, 3, 10), priority).target_minutes == in_hours * 60
    assert due(paris(2026, 3, 3, 20), priority).target == out_of_hours * HOUR


@pytest.mark.parametrize(
    "category, label",
    [("general", "General question"), ("improvement", "Suggest an improvement")],
)
@pytest.mark.parametrize("priority", [None, "high"])
def test_general_questions_and_suggestions_have_no_target(category, label, priority):
    deadline = due(paris(2026, 3, 3, 10), priority, category)
    assert (deadline.window, deadline.reason, deadline.target, deadline.due) == (None, None, None, None)
    assert deadline.target_minutes is None
    assert deadline.due_local() is None
    assert deadline.explain() == f"{label}: no committed first-response time"
    assert response_state(deadline.due, None, paris(2030, 1, 1)) == NO_TARGET


def test_technical_ticket_without_priority_has_no_target_yet():
    deadline = due(paris(2026, 3, 3, 10), None)
    assert deadline.window is None and deadline.due is None
    assert deadline.explain() == "Technical assistance: no priority set yet, so no committed first-response time"


def test_unknown_category_or_priority_is_refused():
    with pytest.raises(ValueError, match="unknown category 'billing'"):
        due(paris(2026, 3, 3, 10), "high", "billing")
    with pytest.raises(ValueError, match="unknown priority 'urgent'"):
        due(paris(2026, 3, 3, 10), "urgent")


def test_contract_policy_has_premium_targets():
    premium = POLICIES.for_contract("FUL-PREMIUM-001")
    in_hours = due(paris(2026, 3, 3, 10), policy=premium)
    assert (in_hours.policy_code, in_hours.policy_name) == ("premium", "Premium")
    assert in_hours.target == dt.timedelta(minutes=30)
    assert in_hours.due_local() == paris(2026, 3, 3, 10, 30)
    out = due(paris(2026, 5, 14, 16, 30), policy=premium)
    assert out.target == 2 * HOUR
    assert out.explain().endswith("High (Premium policy): 2 hours; due Thursday 14 May 2026 18:30 CEST")
    assert due(paris(2026, 3, 3, 10), "average", policy=premium).target_minutes == 60


def test_priority_change_recomputes_from_the_creation_instant_and_window():
    created = paris(2026, 3, 3, 16, 30)
    average = due(created, "average")
    high = due(created, "high")
    assert average.window == high.window == IN_HOURS
    assert (average.due_local(), high.due_local()) == (paris(2026, 3, 3, 18, 30), paris(2026, 3, 3, 17, 30))
    assert first_response_due(created, "technical", "high", STANDARD, window=average.window) == high
    night = due(paris(2026, 3, 3, 22, 0), "low")
    raised = first_response_due(night.created_at, "technical", "high", STANDARD, window=night.window)
    assert raised.window == OUT_OF_HOURS
    assert raised.due_local() == paris(2026, 3, 4, 10, 0)


def test_priority_change_keeps_the_original_window_even_if_the_calendar_changed(tmp_path):
    created = paris(2026, 12, 24, 10)
    first = due(created, "average")
    closed = load_policy_set(write_policy(tmp_path, closures=("2026-12-24",))).default
    assert first_response_due(created, "technical", "high", closed).window == OUT_OF_HOURS, (
        "the closure counts for new tickets"
    )
    kept = first_response_due(created, "technical", "high", closed, window=first.window)
    assert (kept.window, kept.target, kept.due_local()) == (IN_HOURS, HOUR, paris(2026, 12, 24, 11))


def test_priority_set_later_decides_the_window_from_the_creation_instant():
    unset = due(paris(2026, 3, 7, 10), None)
    assert first_response_due(unset.created_at, "technical", "high", STANDARD, window=unset.window) == due(
        paris(2026, 3, 7, 10), "high"
    )


def test_an_unknown_window_is_refused():
    with pytest.raises(ValueError, match="unknown window 'evening'"):
        first_response_due(paris(2026, 3, 3, 10), "technical", "high", STANDARD, window="evening")


def test_naive_datetimes_are_refused():
    naive = dt.datetime(2026, 3, 3, 10, 0)
    with pytest.raises(ValueError, match="created_at 2026-03-03T10:00:00 has no UTC offset"):
        due(naive)
    with pytest.raises(ValueError, match="no UTC offset"):
        is_business_time(CALENDAR, naive)
    deadline = due(paris(2026, 3, 3, 10))
    with pytest.raises(ValueError, match="responded_at .* no UTC offset"):
        response_state(deadline.due, naive, paris(2026, 3, 3, 12))
    with pytest.raises(ValueError, match="now .* no UTC offset"):
        response_state(deadline.due, None, naive)


def test_response_states():
    due_at = due(paris(2026, 3, 3, 10)).due  # 11:00
    assert response_state(due_at, None, paris(2026, 3, 3, 10, 59)) == PENDING
    assert response_state(due_at, None, paris(2026, 3, 3, 11, 0)) == PENDING, "pending up to the deadline instant"
    assert response_state(due_at, None, paris(2026, 3, 3, 11, 0, 1)) == BREACHED
    assert response_state(due_at, paris(2026, 3, 3, 11, 0), paris(2026, 3, 9)) == MET
    # Answered late: stays breached, whenever one looks.
    assert response_state(due_at, paris(2026, 3, 3, 11, 5), paris(2026, 3, 3, 11, 5)) == BREACHED
    assert response_state(due_at, paris(2026, 3, 3, 11, 5), paris(2030, 1, 1)) == BREACHED
    assert response_state(due_at, dt.datetime(2026, 3, 3, 10, 1, tzinfo=UTC), paris(2026, 3, 3, 11, 2)) == BREACHED
    assert response_state(None, paris(2026, 3, 3, 11, 5), paris(2030, 1, 1)) == NO_TARGET


# Explanations.


def test_explanation_of_an_out_of_hours_holiday_ticket():
    assert due(paris(2026, 5, 14, 16, 30)).explain() == (
        "Thursday 14 May 2026 16:30 CEST: Ascension Day, a public holiday, so outside business hours; "
        "High: 12 hours; due Friday 15 May 2026 04:30 CEST"
    )


def test_explanation_of_an_in_hours_ticket():
    assert due(paris(2026, 3, 3, 10), "average").explain() == (
        "Tuesday 3 March 2026 10:00 CET: within business hours (Monday to Friday 08:00–17:00 Europe/Paris); "
        "Average: 2 hours; due Tuesday 3 March 2026 12:00 CET"
    )


@pytest.mark.parametrize(
    "local, words",
    [
        (paris(2026, 3, 7, 10), "Saturday 7 March 2026 10:00 CET: weekend, so outside business hours; High: 12 hours"),
        (paris(2026, 3, 3, 7, 59, 59), "Tuesday 3 March 2026 07:59:59 CET: before opening time (08:00)"),
        (paris(2026, 3, 6, 17), "Friday 6 March 2026 17:00 CET: after closing time (17:00)"),
    ],
)
def test_explanations_of_other_reasons(local, words):
    assert due(local).explain().startswith(words)


def test_hours_description_groups_days():
    calendar = BusinessCalendar(
        timezone="Europe/Paris",
        hours={
            0: ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))),
            1: ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))),
            4: ((dt.time(8), dt.time(16)),),
            5: ((dt.time(9), dt.time(12)),),
        },
    )
    assert describe_hours(calendar) == (
        "Monday to Tuesday 08:00–12:00 and 13:00–17:00, Friday 08:00–16:00, Saturday 09:00–12:00 Europe/Paris"
    )


def test_lunch_break_and_days_without_hours():
    calendar = BusinessCalendar(
        timezone="Europe/Paris",
        hours={0: ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17)))},
    )
    assert outside_hours_reason(calendar, paris(2026, 3, 2, 12, 30)) == OutsideHours("after_closing")
    assert is_business_time(calendar, paris(2026, 3, 2, 13))
    assert outside_hours_reason(calendar, paris(2026, 3, 4, 10)) == OutsideHours("weekend")
    policy = replace(STANDARD, calendar=calendar)
    assert (
        "12:30 CET: after closing time (12:00), so outside" in due(paris(2026, 3, 2, 12, 30), policy=policy).explain()
    )
    assert (
        "10:00 CET: no business hours on Wednesdays, so outside" in due(paris(2026, 3, 4, 10), policy=policy).explain()
    )
