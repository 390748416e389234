"""Targets beyond the first response: next responses, resolution, elapsed and business time, the clock that pauses.

Pure engine tests: plain timelines in, targets out, every instant chosen by
the test (weekends, a public holiday, the daylight-saving nights of 2026).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from dataclasses import replace

import pytest

from helpcenter.sla import (
    BREACHED,
    BUSINESS,
    ELAPSED,
    FIRST_RESPONSE,
    MET,
    NEXT_RESPONSE,
    PAUSED,
    PENDING,
    RESOLUTION,
    ClockTarget,
    PolicyError,
    TicketTimeline,
    load_policy_set,
    ticket_targets,
)
from helpcenter.sla.clock import (
    PAUSED as PHASE_PAUSED,
)
from helpcenter.sla.clock import (
    RUNNING,
    STOPPED,
    add_business_time,
    business_time,
    clock_phases,
    running_periods,
)
from helpcenter.sla.policy import BusinessCalendar
from helpcenter.sla.reports import TicketTargets, targets_report
from helpcenter.sla.targets import BREACH, WARNING, most_urgent, target_of, thresholds_passed
from helpcenter.staff.export import BREACH_COLUMNS, breaches_csv

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
HOUR = dt.timedelta(hours=1)
POLICIES = load_policy_set()
STANDARD = POLICIES.default
CALENDAR = STANDARD.calendar

#: A contract policy with every kind of target, built here so that the rules, not the shipped figures, are tested.
CONTRACT = replace(
    STANDARD,
    code="contract",
    name="Contract",
    next_response={
        ("technical", "high"): ClockTarget(2 * HOUR, 4 * HOUR, ELAPSED),
        ("technical", "average"): ClockTarget(4 * HOUR, 4 * HOUR, BUSINESS),
    },
    resolution={
        ("technical", "high"): ClockTarget(24 * HOUR, 24 * HOUR, ELAPSED),
        ("technical", "average"): ClockTarget(18 * HOUR, 18 * HOUR, BUSINESS),  # two working days
    },
)


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def timeline(created, priority="high", *, statuses=(), customer=(), replies=(), window=None, first_response_at=None):
    """A ticket's timeline: created (status new) with its description, then the given changes and messages."""
    replies = tuple(replies)
    return TicketTimeline(
        created_at=created,
        category="technical",
        priority=priority,
        window=window,
        statuses=((created, "new"), *statuses),
        customer_messages=(created, *customer),
        staff_replies=replies,
        first_response_at=first_response_at or (replies[0] if replies else None),
    )


def target(line: TicketTimeline, kind: str, now: dt.datetime, policy=CONTRACT):
    return target_of(ticket_targets(line, policy, now), kind)


# --- the policy file --------------------------------------------------------------------------------


def test_the_standard_policy_adds_no_target_the_published_policy_does_not_state():
    assert STANDARD.next_response == {} and STANDARD.resolution == {}
    assert POLICIES.policies["premium"].next_response == {} and POLICIES.policies["premium"].resolution == {}
    line = timeline(paris(2026, 3, 10, 10))
    assert [t.kind for t in ticket_targets(line, STANDARD, paris(2026, 3, 10, 10, 5))] == [FIRST_RESPONSE]


def test_the_shipped_contract_example_has_next_response_and_resolution_targets():
    enterprise = POLICIES.for_contract("ful-enterprise-001")
    assert enterprise.name == "Enterprise"
    assert enterprise.clock_target(NEXT_RESPONSE, "technical", "high") == ClockTarget(HOUR, 2 * HOUR, ELAPSED)
    assert enterprise.clock_target(RESOLUTION, "technical", "high") == ClockTarget(8 * HOUR, 12 * HOUR, ELAPSED)
    assert enterprise.clock_target(RESOLUTION, "technical", "average") == ClockTarget(27 * HOUR, 27 * HOUR, BUSINESS)
    assert enterprise.clock_target(RESOLUTION, "general", "high") is None
    assert enterprise.clock_target(RESOLUTION, "technical", None) is None


def test_the_shipped_oncall_and_warning_settings():
    assert POLICIES.oncall.email == "oncall@fulgur.example" and POLICIES.oncall.webhook_url is None
    assert POLICIES.oncall.repeat == dt.timedelta(minutes=15)
    assert POLICIES.warning_share == 0.75


def write(tmp_path, text: str):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_targets_oncall_and_warnings_are_read_from_the_file(tmp_path):
    policies = load_policy_set(
        write(
            tmp_path,
            '[oncall]\nemail = "pager@example.org"\nwebhook_url = "https://hooks.example.org/p"\nrepeat = "5m"\n'
            '[warnings]\nshare = "80%"\n'
            '[calendar.hours]\nmonday = ["09:00", "12:00"]\n'
            '[policies.gold]\ncontracts = ["G"]\n'
            '[policies.gold.resolution.technical]\nlow = { in_hours = "3d", out_of_hours = "4d", clock = "elapsed" }\n'
            '[policies.gold.next_response.general]\nhigh = { in_hours = "90m", out_of_hours = 120, clock = "business" }\n',
        )
    )
    assert (policies.oncall.email, policies.oncall.webhook_url) == ("pager@example.org", "https://hooks.example.org/p")
    assert policies.oncall.repeat == dt.timedelta(minutes=5) and policies.warning_share == 0.8
    gold = policies.for_contract("g")
    assert gold.clock_target(RESOLUTION, "technical", "low") == ClockTarget(72 * HOUR, 96 * HOUR, ELAPSED)
    assert gold.clock_target(NEXT_RESPONSE, "general", "high") == ClockTarget(
        90 * dt.timedelta(minutes=1), 2 * HOUR, BUSINESS
    )
    assert load_policy_set(write(tmp_path, "[oncall]\n[warnings]\nshare = 0.5\n")).warning_share == 0.5


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '[default.resolution.technical]\nhigh = { in_hours = "1h", out_of_hours = "2h" }\n',
            "say how the time counts",
        ),
        (
            '[default.next_response.technical]\nhigh = { in_hours = "1h", out_of_hours = "2h", clock = "wall" }\n',
            "'elapsed' or 'business' (got 'wall')",
        ),
        (
            '[calendar]\nhours = {}\n[default.resolution.technical]\nlow = { in_hours = "1h", out_of_hours = "1h", clock = "business" }\n',
            "business time needs a calendar with business hours",
        ),
        (
            '[default.targets.technical]\nhigh = { in_hours = "1h", out_of_hours = "2h", clock = "business" }\n',
            "first-response targets run in elapsed time only",
        ),
        (
            '[default.resolution.technical]\nurgent = { in_hours = "1h", out_of_hours = "2h", clock = "elapsed" }\n',
            "unknown priority",
        ),
        ('[default.resolution.technical]\nhigh = { in_hours = "1h", clock = "elapsed" }\n', "missing out_of_hours"),
        ('[oncall]\nemail = "nobody"\n', "oncall.email: expected an e-mail address"),
        (
            '[oncall]\nwebhook_url = "ftp://hooks.example"\n',
            "oncall.webhook_url: expected an http:// or https:// address",
        ),
        ('[oncall]\nrepeat = "0m"\n', "oncall.repeat: a target must be longer than zero"),
        ('[warnings]\nshare = "100%"\n', "warnings.share: expected a share"),
        ('[warnings]\nshare = "most"\n', "warnings.share: expected a share"),
        ("[warnings]\nshare = true\n", "warnings.share: expected a share"),
        ('[policies.default]\ncontracts = ["X"]\n', "the name 'default' is the standard policy's"),
    ],
)
def test_invalid_new_settings_are_refused_clearly(tmp_path, text, message):
    with pytest.raises(PolicyError) as error:
        load_policy_set(write(tmp_path, text))
    assert message in str(error.value) and "policy.toml" in str(error.value)


# --- business time ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, amount, end",
    [
        (paris(2026, 3, 13, 16), 2 * HOUR, paris(2026, 3, 16, 9)),  # Friday 16:00 + 2 h: Monday 09:00
        (paris(2026, 3, 13, 16), HOUR, paris(2026, 3, 13, 17)),  # the last hour of the day ends at closing
        (paris(2026, 3, 14, 23), HOUR, paris(2026, 3, 16, 9)),  # from a Saturday night: the next opening
        (paris(2026, 3, 16, 6), 9 * HOUR, paris(2026, 3, 16, 17)),  # before opening: the whole day
        (paris(2026, 5, 13, 16), 2 * HOUR, paris(2026, 5, 15, 9)),  # Ascension Thursday 14 May is skipped
        (paris(2026, 3, 27, 16), 2 * HOUR, paris(2026, 3, 30, 9)),  # across the spring-forward weekend
        (paris(2026, 10, 23, 16), 2 * HOUR, paris(2026, 10, 26, 9)),  # across the fall-back weekend
    ],
)
def test_adding_business_time(start, amount, end):
    assert add_business_time(CALENDAR, start, amount) == end
    assert business_time(CALENDAR, start, end) == amount


def test_a_business_day_is_nine_hours_whatever_the_offset():
    assert business_time(CALENDAR, paris(2026, 3, 27, 0), paris(2026, 3, 28, 0)) == 9 * HOUR  # CET
    assert business_time(CALENDAR, paris(2026, 3, 30, 0), paris(2026, 3, 31, 0)) == 9 * HOUR  # CEST
    assert business_time(CALENDAR, paris(2026, 3, 27, 0), paris(2026, 3, 31, 0)) == 18 * HOUR
    assert business_time(CALENDAR, paris(2026, 3, 31, 0), paris(2026, 3, 30, 0)) == dt.timedelta()


def test_a_calendar_without_hours_never_counts_business_time():
    closed = BusinessCalendar(timezone="Europe/Paris", hours={})
    with pytest.raises(ValueError, match="no business hours"):
        add_business_time(closed, paris(2026, 3, 13, 9), HOUR)


# --- the clock's phases -----------------------------------------------------------------------------


def test_waiting_pauses_resolved_stops_and_a_customer_message_resumes_only_a_pause():
    created = paris(2026, 3, 9, 9)
    phases = clock_phases(
        [(created, "new"), (paris(2026, 3, 9, 10), "waiting"), (paris(2026, 3, 9, 15), "resolved")],
        [created, paris(2026, 3, 9, 12), paris(2026, 3, 9, 16)],
    )
    assert phases == (
        (created, RUNNING),
        (paris(2026, 3, 9, 10), PHASE_PAUSED),
        (paris(2026, 3, 9, 12), RUNNING),  # the customer answered, though the status still says waiting
        (paris(2026, 3, 9, 15), STOPPED),  # a message after resolution does not reopen the ticket
    )
    assert running_periods(phases, created) == (
        (created, paris(2026, 3, 9, 10)),
        (paris(2026, 3, 9, 12), paris(2026, 3, 9, 15)),
    )


# --- paused clocks: a weekend, a holiday, the daylight-saving nights ------------------------------


def test_a_pause_across_a_weekend_moves_the_resolution_and_the_next_response_targets():
    created = paris(2026, 3, 13, 10)  # Friday, in business hours
    line = timeline(
        created,
        statuses=[(paris(2026, 3, 13, 11), "waiting"), (paris(2026, 3, 16, 9), "open")],
        # Saturday's message comes by a way that leaves the status as it was: it resumes the clock all the
        # same, and the reply that follows pauses it again (the ticket still waits on the customer).
        customer=[paris(2026, 3, 14, 15), paris(2026, 3, 16, 9)],
        replies=[paris(2026, 3, 13, 11), paris(2026, 3, 14, 16)],
    )
    sunday = paris(2026, 3, 15, 12)
    resolution = target(line, RESOLUTION, sunday)
    assert (resolution.state, resolution.counted, resolution.left, resolution.due) == (
        PAUSED,
        2 * HOUR,
        22 * HOUR,
        None,
    )
    assert resolution.stopped_for == dt.timedelta(hours=48)  # Friday 10:00 to Sunday 12:00 is 50 h, 2 of them counted
    monday = paris(2026, 3, 16, 9, 30)
    resolution = target(line, RESOLUTION, monday)
    assert resolution.state == PENDING and resolution.counted == 2.5 * HOUR
    assert resolution.due == paris(2026, 3, 17, 7)  # Monday 09:00 + the 22 h left
    first, saturday, current = ticket_targets(line, CONTRACT, monday)[:3]
    assert first.kind == FIRST_RESPONSE and first.state == MET
    assert (saturday.kind, saturday.state, saturday.window, saturday.target) == (
        NEXT_RESPONSE,
        MET,
        "out_of_hours",
        4 * HOUR,
    )
    assert (saturday.started_at, saturday.ended_at, saturday.counted) == (
        paris(2026, 3, 14, 15),
        paris(2026, 3, 14, 16),
        HOUR,
    )
    assert (current.state, current.window, current.target) == (PENDING, "in_hours", 2 * HOUR)
    assert current.due == paris(2026, 3, 16, 11)


def test_a_pause_across_a_public_holiday_in_business_time():
    created = paris(2026, 5, 13, 9)  # Wednesday before Ascension Day (Thursday 14 May)
    line = timeline(
        created,
        "average",
        statuses=[(paris(2026, 5, 13, 12), "waiting"), (paris(2026, 5, 14, 10), "open")],
        customer=[paris(2026, 5, 14, 10)],
        replies=[paris(2026, 5, 13, 12)],
    )
    holiday = paris(2026, 5, 14, 16)
    resolution = target(line, RESOLUTION, holiday)
    # 3 business hours on Wednesday; none on the holiday; 9 on Friday, 6 on Monday: due Monday 14:00.
    assert (resolution.state, resolution.counted, resolution.clock) == (PENDING, 3 * HOUR, BUSINESS)
    assert resolution.due == paris(2026, 5, 18, 14)
    assert target(line, RESOLUTION, paris(2026, 5, 18, 14)).state == PENDING, "pending up to the deadline instant"
    late = target(line, RESOLUTION, paris(2026, 5, 18, 14, 1))
    assert late.state == BREACHED and late.due == paris(2026, 5, 18, 14) and late.left == -dt.timedelta(minutes=1)
    # The message of the holiday started a next-response target of the out-of-hours window, in business time.
    following = target(line, NEXT_RESPONSE, holiday)
    assert (following.window, following.reason.kind, following.reason.name) == (
        "out_of_hours",
        "holiday",
        "Ascension Day",
    )
    assert following.due == paris(2026, 5, 15, 12)  # 4 business hours: Friday 08:00 to 12:00


def test_a_pause_across_the_spring_forward_night_counts_real_hours():
    created = paris(2026, 3, 28, 18)  # Saturday, CET (UTC+1); the clocks go forward at 02:00 that night
    line = timeline(
        created,
        statuses=[(paris(2026, 3, 28, 19), "waiting"), (paris(2026, 3, 29, 9), "open")],
        customer=[paris(2026, 3, 29, 9)],
        replies=[paris(2026, 3, 28, 19)],
    )
    resolution = target(line, RESOLUTION, paris(2026, 3, 29, 9))
    assert resolution.stopped_for == 13 * HOUR, "19:00 CET to 09:00 CEST is 13 hours, not the 14 a wall clock shows"
    assert resolution.counted == HOUR and resolution.due == paris(2026, 3, 30, 8)


def test_a_running_clock_across_the_spring_forward_night_is_due_in_elapsed_hours():
    created = paris(2026, 3, 28, 18)
    line = timeline(
        created,
        statuses=[(paris(2026, 3, 28, 19), "waiting"), (paris(2026, 3, 28, 23), "open")],
        customer=[paris(2026, 3, 28, 23)],
        replies=[paris(2026, 3, 28, 19)],
    )
    resolution = target(line, RESOLUTION, paris(2026, 3, 28, 23, 30))
    # 23 h left from Saturday 23:00 CET: Sunday 23:00 CEST (22:00 by a wall clock that ignores the change).
    assert resolution.due == paris(2026, 3, 29, 23)
    assert resolution.due - paris(2026, 3, 28, 23) == 23 * HOUR


def test_a_pause_across_the_fall_back_night_counts_real_hours():
    created = paris(2026, 10, 24, 18)  # Saturday, CEST; the clocks go back at 03:00 that night
    line = timeline(
        created,
        statuses=[(paris(2026, 10, 24, 19), "waiting"), (paris(2026, 10, 25, 9), "open")],
        customer=[paris(2026, 10, 25, 9)],
        replies=[paris(2026, 10, 24, 19)],
    )
    resolution = target(line, RESOLUTION, paris(2026, 10, 25, 9))
    assert resolution.stopped_for == 15 * HOUR and resolution.due == paris(2026, 10, 26, 8)


def test_business_time_paused_across_the_daylight_saving_weekend():
    created = paris(2026, 3, 27, 16)  # Friday 16:00 CET
    line = timeline(
        created,
        "average",
        statuses=[(paris(2026, 3, 27, 16, 30), "waiting"), (paris(2026, 3, 29, 11), "open")],
        customer=[paris(2026, 3, 29, 11)],
        replies=[paris(2026, 3, 27, 16, 30)],
    )
    resolution = target(line, RESOLUTION, paris(2026, 3, 30, 12))
    # 30 min on Friday, 9 h on Monday (CEST), 8 h 30 on Tuesday: due at 16:30 local, whatever the offset.
    assert resolution.due == paris(2026, 3, 31, 16, 30)
    assert resolution.counted == 4.5 * HOUR


# --- next responses -----------------------------------------------------------------------------------


def test_next_responses_start_with_a_customer_message_after_the_first_response():
    created = paris(2026, 3, 10, 9)
    line = timeline(
        created,
        statuses=[(paris(2026, 3, 10, 9, 30), "waiting"), (paris(2026, 3, 10, 10), "open")],
        customer=[paris(2026, 3, 10, 9, 10), paris(2026, 3, 10, 10), paris(2026, 3, 10, 10, 30)],
        replies=[paris(2026, 3, 10, 9, 30), paris(2026, 3, 10, 13)],
    )
    found = [t for t in ticket_targets(line, CONTRACT, paris(2026, 3, 10, 14)) if t.kind == NEXT_RESPONSE]
    # 09:10 (before any answer) is the first response's; 10:00 and 10:30 make one target, answered at 13:00.
    assert [(t.started_at, t.ended_at, t.state) for t in found] == [
        (paris(2026, 3, 10, 10), paris(2026, 3, 10, 13), BREACHED)
    ]
    assert found[0].left == -HOUR, "answered an hour late: it stays breached"


def test_no_next_response_before_the_first_one_and_resolving_ends_one():
    created = paris(2026, 3, 10, 9)
    waiting = timeline(created, customer=[paris(2026, 3, 10, 9, 5)])
    assert target(waiting, NEXT_RESPONSE, paris(2026, 3, 10, 12)) is None
    line = timeline(
        created,
        statuses=[
            (paris(2026, 3, 10, 9, 30), "waiting"),
            (paris(2026, 3, 10, 10), "open"),
            (paris(2026, 3, 10, 11), "resolved"),
        ],
        customer=[paris(2026, 3, 10, 10)],
        replies=[paris(2026, 3, 10, 9, 30)],
    )
    ended = target(line, NEXT_RESPONSE, paris(2026, 3, 10, 18))
    assert (ended.state, ended.ended_at, ended.counted) == (MET, paris(2026, 3, 10, 11), HOUR)


def test_a_message_while_resolved_starts_its_target_when_the_ticket_is_reopened():
    created = paris(2026, 3, 10, 9)
    line = timeline(
        created,
        statuses=[(paris(2026, 3, 10, 9, 30), "resolved"), (paris(2026, 3, 11, 10), "open")],
        customer=[paris(2026, 3, 10, 20)],
        replies=[paris(2026, 3, 10, 9, 30)],
    )
    assert target(line, NEXT_RESPONSE, paris(2026, 3, 11, 9)) is None, "nothing runs while the ticket is resolved"
    reopened = target(line, NEXT_RESPONSE, paris(2026, 3, 11, 10, 30))
    assert (reopened.started_at, reopened.state, reopened.due) == (
        paris(2026, 3, 11, 10),
        PENDING,
        paris(2026, 3, 11, 12),
    )


# --- resolution, the first response, states -----------------------------------------------------------


def test_reopening_runs_the_resolution_clock_on_from_where_it_stopped():
    created = paris(2026, 3, 9, 9)
    resolved = timeline(created, statuses=[(paris(2026, 3, 9, 12), "resolved")], replies=[paris(2026, 3, 9, 9, 30)])
    met = target(resolved, RESOLUTION, paris(2026, 3, 10, 9))
    assert (met.state, met.ended_at, met.counted, met.due) == (MET, paris(2026, 3, 9, 12), 3 * HOUR, None)
    reopened = replace(resolved, statuses=(*resolved.statuses, (paris(2026, 3, 11, 9), "open")))
    running = target(reopened, RESOLUTION, paris(2026, 3, 11, 9, 30))
    assert (running.state, running.ended_at, running.counted) == (PENDING, None, 3.5 * HOUR)
    assert running.due == paris(2026, 3, 12, 6)


def test_the_first_response_does_not_pause():
    created = paris(2026, 3, 10, 9)
    line = timeline(created, statuses=[(paris(2026, 3, 10, 9, 15), "waiting")])
    first = target(line, FIRST_RESPONSE, paris(2026, 3, 10, 10, 1), policy=STANDARD)
    assert (first.state, first.due, first.counted) == (BREACHED, paris(2026, 3, 10, 10), HOUR + dt.timedelta(minutes=1))


def test_the_recorded_first_response_deadline_is_the_one_used():
    created = paris(2026, 3, 10, 9)
    line = replace(timeline(created), first_response_due=paris(2026, 3, 10, 9, 45))
    first = target(line, FIRST_RESPONSE, paris(2026, 3, 10, 9, 30), policy=STANDARD)
    assert first.due == paris(2026, 3, 10, 9, 45) and first.target == dt.timedelta(minutes=45)


def test_no_target_without_a_priority_or_for_other_categories():
    created = paris(2026, 3, 10, 9)
    assert ticket_targets(timeline(created, None), CONTRACT, created) == ()
    general = replace(timeline(created), category="general")
    assert ticket_targets(general, CONTRACT, created) == ()


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="created_at"):
        TicketTimeline(created_at=dt.datetime(2026, 3, 10, 9), category="technical", priority="high", statuses=())
    with pytest.raises(ValueError, match="now"):
        ticket_targets(timeline(paris(2026, 3, 10, 9)), CONTRACT, dt.datetime(2026, 3, 10, 9))


# --- warnings thresholds --------------------------------------------------------------------------------


def test_thresholds_warning_at_the_share_and_breach_after_the_deadline():
    created = paris(2026, 3, 10, 10)  # High, in hours: first response within 1 h
    line = timeline(created)

    def passed(minutes: int) -> tuple[str, ...]:
        return thresholds_passed(target(line, FIRST_RESPONSE, created + dt.timedelta(minutes=minutes)), 0.75)

    assert passed(44) == ()
    assert passed(45) == (WARNING,)
    assert passed(60) == (WARNING,), "still pending at the deadline instant"
    assert passed(61) == (WARNING, BREACH)
    first = target(line, FIRST_RESPONSE, created)
    assert first.reached_at(0.75) == paris(2026, 3, 10, 10, 45)
    answered = timeline(created, replies=[paris(2026, 3, 10, 10, 50)])
    assert thresholds_passed(target(answered, FIRST_RESPONSE, paris(2026, 3, 10, 12)), 0.75) == ()


def test_a_paused_target_warns_about_nothing():
    created = paris(2026, 3, 10, 10)
    line = timeline(created, statuses=[(paris(2026, 3, 10, 10, 5), "waiting")], replies=[paris(2026, 3, 10, 10, 5)])
    resolution = target(line, RESOLUTION, paris(2026, 3, 20, 10))
    assert resolution.state == PAUSED and thresholds_passed(resolution, 0.0001) == ()


def test_the_most_urgent_open_target():
    created = paris(2026, 3, 10, 9)
    line = timeline(
        created,
        statuses=[(paris(2026, 3, 10, 9, 30), "waiting"), (paris(2026, 3, 10, 10), "open")],
        customer=[paris(2026, 3, 10, 10)],
        replies=[paris(2026, 3, 10, 9, 30)],
    )
    # Next response due 12:00, resolution (24 h) due Wednesday: the next response comes first.
    assert most_urgent(ticket_targets(line, CONTRACT, paris(2026, 3, 10, 11))).kind == NEXT_RESPONSE
    # Missed at 12:00: still first, ahead of anything merely pending.
    late = most_urgent(ticket_targets(line, CONTRACT, paris(2026, 3, 10, 13)))
    assert (late.kind, late.state) == (NEXT_RESPONSE, BREACHED)
    answered = replace(line, staff_replies=(*line.staff_replies, paris(2026, 3, 10, 11)))
    assert most_urgent(ticket_targets(answered, CONTRACT, paris(2026, 3, 10, 13))).kind == RESOLUTION
    resolved = replace(answered, statuses=(*answered.statuses, (paris(2026, 3, 10, 12), "resolved")))
    assert most_urgent(ticket_targets(resolved, CONTRACT, paris(2026, 3, 10, 13))) is None


# --- the report and the export of breaches ----------------------------------------------------------------


def test_targets_report_counts_each_target_and_lists_every_breach():
    now = paris(2026, 3, 16, 9, 30)
    weekend = timeline(
        paris(2026, 3, 13, 10),
        statuses=[(paris(2026, 3, 13, 11), "waiting"), (paris(2026, 3, 16, 9), "open")],
        customer=[paris(2026, 3, 16, 9)],
        replies=[paris(2026, 3, 13, 11)],
    )
    late = timeline(paris(2026, 3, 12, 9), "average")  # unanswered: first response and resolution missed
    tickets = [
        TicketTargets("HC-1", "Weekend", weekend.created_at, ticket_targets(weekend, CONTRACT, now)),
        TicketTargets("HC-2", '=cmd|" /C calc"!A0', late.created_at, ticket_targets(late, CONTRACT, now)),
        TicketTargets("HC-0", "Before", paris(2026, 3, 1, 9), ticket_targets(late, CONTRACT, now)),
    ]
    report = targets_report(tickets, start=paris(2026, 3, 2), end=paris(2026, 3, 17))
    rows = {(row.kind, row.priority): row for row in report.rows if row.targets}
    assert set(rows) == {(NEXT_RESPONSE, "high"), (RESOLUTION, "high"), (RESOLUTION, "average")}
    assert (rows[RESOLUTION, "average"].breached, rows[RESOLUTION, "average"].compliance) == (1, 0.0)
    assert (rows[RESOLUTION, "high"].pending, rows[RESOLUTION, "high"].compliance) == (1, None)
    assert [(b.reference, b.target.kind) for b in report.breaches] == [("HC-2", FIRST_RESPONSE), ("HC-2", RESOLUTION)]
    text = breaches_csv(report.breaches, columns={**{key: key for key in BREACH_COLUMNS}, "subject": "Subject"})
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == [*BREACH_COLUMNS, "Subject"]
    over = (now - paris(2026, 3, 12, 11)) // dt.timedelta(minutes=1)  # due Thursday 11:00, never answered
    assert rows[1] == [
        "HC-2", "first_response", "average", "in_hours", "elapsed", "120",
        "2026-03-12T08:00:00Z", "2026-03-12T10:00:00Z", "", str(over), "'=cmd|\" /C calc\"!A0",
    ]  # fmt: skip
    # 18 business hours from Thursday 09:00: 8 that day, 9 on Friday, 1 on Monday: missed at 09:00, 30 min ago.
    assert rows[2][:10] == [
        "HC-2", "resolution", "average", "in_hours", "business", "1080",
        "2026-03-12T08:00:00Z", "2026-03-16T08:00:00Z", "", "30",
    ]  # fmt: skip
    assert text.count("\r\n") == 3
