"""Support policy: business calendar, first-response targets, contract policies.

Pure Python, no Flask: everything takes plain arguments (a path, a code).
"""

from .calendar import (
    IN_HOURS,
    OUT_OF_HOURS,
    OutsideHours,
    business_window,
    describe_hours,
    is_business_time,
    outside_hours_reason,
    public_holidays,
)
from .deadlines import (
    BREACHED,
    MET,
    NO_TARGET,
    PENDING,
    RESPONSE_STATES,
    Deadline,
    first_response_due,
    response_state,
)
from .policy import (
    CATEGORIES,
    PRIORITIES,
    WEEKDAYS,
    BusinessCalendar,
    Policy,
    PolicyError,
    PolicySet,
    Target,
    default_policy_path,
    load_policy_set,
)

__all__ = [
    "BREACHED",
    "CATEGORIES",
    "MET",
    "NO_TARGET",
    "PENDING",
    "RESPONSE_STATES",
    "IN_HOURS",
    "OUT_OF_HOURS",
    "PRIORITIES",
    "WEEKDAYS",
    "BusinessCalendar",
    "Deadline",
    "OutsideHours",
    "Policy",
    "PolicyError",
    "PolicySet",
    "Target",
    "business_window",
    "default_policy_path",
    "describe_hours",
    "first_response_due",
    "is_business_time",
    "load_policy_set",
    "outside_hours_reason",
    "public_holidays",
    "response_state",
]
