"""Properties of first-response deadlines, over many instants, offsets and priorities."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import given, settings
from hypothesis import strategies as st

from helpcenter.sla import (
    BREACHED,
    IN_HOURS,
    MET,
    OUT_OF_HOURS,
    PRIORITIES,
    first_response_due,
    is_business_time,
    load_policy_set,
    response_state,
)

POLICIES = load_policy_set()
ALL_POLICIES = [POLICIES.default, *POLICIES.policies.values()]

ZONES = st.sampled_from(
    [
        dt.UTC,
        dt.timezone(dt.timedelta(hours=1)),
        dt.timezone(dt.timedelta(hours=2)),
        dt.timezone(dt.timedelta(hours=-5)),
        dt.timezone(dt.timedelta(hours=5, minutes=30)),
        dt.timezone(dt.timedelta(hours=-9, minutes=-30)),
        dt.timezone(dt.timedelta(hours=14)),
        zoneinfo.ZoneInfo("Europe/Paris"),
        zoneinfo.ZoneInfo("America/New_York"),
        zoneinfo.ZoneInfo("Australia/Sydney"),
    ]
)
INSTANTS = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2028, 12, 31, 23, 59, 59),
    timezones=ZONES,
    allow_imaginary=False,
)
PRIORITY = st.sampled_from(PRIORITIES)
POLICY = st.sampled_from(ALL_POLICIES)

# No example database: the suite must not write files into the project.
quick = settings(database=None, deadline=None, max_examples=200)


@quick
@given(created=INSTANTS, priority=PRIORITY, policy=POLICY)
def test_due_is_creation_plus_the_target_of_its_window(created, priority, policy):
    deadline = first_response_due(created, "technical", priority, policy)
    target = policy.target("technical", priority)
    inside = is_business_time(policy.calendar, created)
    assert deadline.window == (IN_HOURS if inside else OUT_OF_HOURS)
    assert deadline.target == (target.in_hours if inside else target.out_of_hours)
    assert deadline.due >= created
    assert deadline.due - created == deadline.target
    # Compared as timestamps: Python never finds a time of the repeated autumn
    # hour equal to a time of another zone (PEP 495), though it is the same instant.
    assert deadline.due_local().timestamp() == deadline.due.timestamp()
    assert deadline.due_local().tzinfo == policy.calendar.zone
    assert (deadline.reason is None) == inside


@quick
@given(created=INSTANTS, other=ZONES, priority=PRIORITY)
def test_only_the_instant_matters_not_its_offset(created, other, priority):
    policy = POLICIES.default
    assert first_response_due(created, "technical", priority, policy) == first_response_due(
        created.astimezone(other), "technical", priority, policy
    )


@quick
@given(created=INSTANTS, before=PRIORITY, after=PRIORITY, policy=POLICY)
def test_a_priority_change_keeps_creation_instant_and_window(created, before, after, policy):
    first = first_response_due(created, "technical", before, policy)
    changed = first_response_due(created, "technical", after, policy, window=first.window)
    assert changed == first_response_due(created, "technical", after, policy)
    assert (changed.created_at, changed.window) == (first.created_at, first.window)


@quick
@given(
    created=INSTANTS,
    priority=PRIORITY,
    late=st.timedeltas(min_value=dt.timedelta(seconds=1), max_value=dt.timedelta(days=30)),
)
def test_a_late_first_response_stays_breached(created, priority, late):
    deadline = first_response_due(created, "technical", priority, POLICIES.default)
    assert response_state(deadline.due, deadline.due + late, deadline.due + late) == BREACHED
    assert response_state(deadline.due, deadline.due + late, deadline.due + 1000 * late) == BREACHED
    assert response_state(deadline.due, deadline.due, deadline.due + late) == MET
    assert response_state(deadline.due, None, deadline.due + late) == BREACHED


@quick
@given(created=INSTANTS, category=st.sampled_from(["general", "improvement"]), priority=st.none() | PRIORITY)
def test_no_target_outside_technical_assistance(created, category, priority):
    deadline = first_response_due(created, category, priority, POLICIES.default)
    assert (deadline.window, deadline.target, deadline.due) == (None, None, None)
