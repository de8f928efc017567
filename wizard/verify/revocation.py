"""Revocation as a timed drill: the wizard starts a clock when the person disables a test account and stops
it when they confirm the already-open session is refused. The measured time answers the revocation
question, with a note saying it was measured. (When a session probe can run the drill itself, it will
replace this; until then a person performs the steps.)
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

from wizard.model import now_utc
from wizard.session import PendingVerification

KIND = "revocation-drill"

STEPS = (
    "Log in to the app as a test account in a second browser window and keep that window open.",
    "Start the clock, then cut the account off the way you would for a leaver (SSO, the app's user page, API tokens).",
    "Keep clicking in the open window. Stop the clock when the app refuses it (logged out, 401 or 403).",
)


def start() -> PendingVerification:
    return PendingVerification(kind=KIND, created=now_utc())


def elapsed_seconds(pending: PendingVerification, now: datetime | None = None) -> float:
    now = now or datetime.now(timezone.utc)
    return max(0.0, (now - datetime.fromisoformat(pending.created)).total_seconds())


def as_duration(seconds: float) -> str:
    """A duration the revocation question accepts, rounded up so it never flatters: 45s, 7m, 2h, 3d."""
    if seconds < 60:
        return f"{max(1, math.ceil(seconds))}s"
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)}m"
    if seconds < 86400:
        return f"{math.ceil(seconds / 3600)}h"
    return f"{math.ceil(seconds / 86400)}d"
