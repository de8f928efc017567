"""The alert challenge: proof that an alert reaches a person, by a one-time code that must come back.

The wizard shows a code such as `LR-7KQ2-PXM4`; the person puts it in a test alert (most monitoring tools
have a "send test notification" button or an editable message), sends it, and pastes what arrived. It
passes only when the pasted text carries the code. The session keeps a salted hash of the code and when
it was made, never the code, so a resumed session can still verify and the file cannot reveal it.

A real audit always uses a random code. The scripted demo has no real alerting, so its runner supplies
the code and plays the alerting tool; the finding says so (`supplied_by`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from wizard.model import Status, now_utc
from wizard.session import PendingVerification

KIND = "alert-challenge"
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L: read aloud and typed by hand
MAX_AGE = timedelta(days=7)  # long enough to resume an audit next week, short enough that old codes expire
_ITERATIONS = 100_000
_CODE = re.compile(r"^LR-[A-Z2-9]{4}-[A-Z2-9]{4}$")
_CANDIDATE = re.compile(r"LR[\s_:.\-]*([A-Za-z2-9]{4})[\s_:.\-]*([A-Za-z2-9]{4})", re.I)


def new_code() -> str:
    pick = lambda: "".join(secrets.choice(ALPHABET) for _ in range(4))  # noqa: E731
    return f"LR-{pick()}-{pick()}"


def _digest(code: str, salt: str) -> str:
    normal = re.sub(r"[^A-Z0-9]", "", code.upper())
    return hashlib.pbkdf2_hmac("sha256", normal.encode(), bytes.fromhex(salt), _ITERATIONS).hex()


def issue(code: str | None = None, supplied_by: str = "wizard") -> tuple[str, PendingVerification]:
    """A new challenge: the code to show, and what the session keeps (its salted hash and the time)."""
    if code is None:
        code = new_code()
    elif not _CODE.match(code):
        raise ValueError(f"'{code}' is not a challenge code like LR-7KQ2-PXM4 (letters and digits from {ALPHABET})")
    salt = secrets.token_hex(16)
    return code, PendingVerification(kind=KIND, created=now_utc(), salt=salt, digest=_digest(code, salt),
                                     supplied_by=supplied_by)


@dataclass
class ChallengeResult:
    status: Status
    title: str
    detail: str


def check(pasted: str, pending: PendingVerification, now: datetime | None = None) -> ChallengeResult:
    now = now or datetime.now(timezone.utc)
    created = datetime.fromisoformat(pending.created)
    age = now - created
    issued = f"The code was issued at {created:%Y-%m-%d %H:%M} UTC"
    if pending.supplied_by != "wizard":
        issued += (f" (supplied by the {pending.supplied_by}, which also played the alerting tool: a scripted "
                   "demonstration, not proof of a real alert path)")
    if age > MAX_AGE:
        return ChallengeResult(Status.UNKNOWN, "The one-time code has expired: start a new alert challenge",
                               f"{issued}, more than {MAX_AGE.days} days ago.")
    for m in _CANDIDATE.finditer(pasted or ""):
        if hmac.compare_digest(_digest("LR" + m.group(1) + m.group(2), pending.salt), pending.digest):
            minutes = max(0, int(age.total_seconds() // 60))
            return ChallengeResult(Status.PASS, "A test alert carrying the one-time code reached a person",
                                   f"{issued}; the alert that carried it was pasted back {minutes} min later.")
    seen = "a different code" if _CANDIDATE.search(pasted or "") else "no code"
    return ChallengeResult(
        Status.FAIL, "The pasted alert did not carry the one-time code",
        f"{issued}; the pasted text has {seen}. Either the test alert did not arrive where it was pasted from, "
        "or it was not the test alert: send one carrying the code and paste what arrives.")
