"""Node keys of what the PagerDuty importer writes.

Escalation policies, schedules and shifts are keyed per account (``pagerduty/<account>/``);
people and teams that no other source knows are keyed by their PagerDuty id alone, which is
unique across accounts. Ids are lower-cased in keys; ``external_id`` keeps PagerDuty's case.
"""

from __future__ import annotations

import hashlib

OWN_PERSON_PREFIX = "user:pagerduty/"
OWN_TEAM_PREFIX = "group:pagerduty/"
OWN_NAMESPACE = "pagerduty"


def policy_key(account: str, policy_id: str) -> str:
    return f"escalation-policy:pagerduty/{account.lower()}/{policy_id.lower()}"


def schedule_key(account: str, schedule_id: str) -> str:
    return f"schedule:pagerduty/{account.lower()}/{schedule_id.lower()}"


def person_key(user_id: str) -> str:
    return f"{OWN_PERSON_PREFIX}{user_id.lower()}"


def team_key(team_id: str) -> str:
    return f"{OWN_TEAM_PREFIX}{team_id.lower()}"


def shift_key(account: str, policy_id: str, level: int, user_id: str, schedule_id: str | None, starts: str | None, ends: str | None) -> str:
    """One key per (policy, level, user, schedule, start, end): the same shift read twice is one node."""
    text = "\x1f".join((policy_id, str(level), user_id, schedule_id or "", starts or "", ends or ""))
    return f"oncall:pagerduty/{account.lower()}/{hashlib.sha256(text.encode()).hexdigest()[:24]}"
