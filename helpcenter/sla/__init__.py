"""Support policy: business calendar, first-response targets, contract policies.

Pure Python, no Flask: everything takes plain arguments (a path, a code).
"""

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
    "CATEGORIES",
    "PRIORITIES",
    "WEEKDAYS",
    "BusinessCalendar",
    "Policy",
    "PolicyError",
    "PolicySet",
    "Target",
    "default_policy_path",
    "load_policy_set",
]
