"""Signs of an error tracker or real-user monitoring in what the app serves to browsers.

Data only: tool name -> patterns for its loader URL, its init call and its config. Each is strong
evidence that errors from real users reach someone's dashboard (whether anyone looks is a question
for a person).
"""

from __future__ import annotations

import re

from wizard.redact import redact

SENTRY_DSN = re.compile(r"https://([0-9a-f]{32})(?::[0-9a-f]{32})?@([\w.-]+)/(\d+)")

SIGNALS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(rx)) for name, rx in (
    ("Sentry", r"Sentry\.init\s*\(|browser\.sentry-cdn\.com|@sentry/browser|ingest\.sentry\.io/"),
    ("Datadog RUM", r"datadogRum\.init\s*\(|DD_RUM\.init|datadoghq-browser-agent\.com|browser-intake-datadoghq"),
    ("Rollbar", r"_rollbarConfig|Rollbar\.init\s*\(|cdn\.rollbar\.com"),
    ("Bugsnag", r"Bugsnag\.start\s*\(|Bugsnag\.init\s*\(|@bugsnag/js|bugsnag(?:\.min)?\.js"),
    ("New Relic", r"\bNREUM\b|js-agent\.newrelic\.com|bam(?:-cell)?\.nr-data\.net"),
    ("LogRocket", r"LogRocket\.init\s*\(|cdn\.logrocket\.(?:io|com)|cdn\.lr-ingest\.(?:io|com)"),
))


def find_signals(text: str) -> dict[str, str]:
    """tool -> a short, redacted description of what showed it."""
    found: dict[str, str] = {}
    for name, pattern in SIGNALS:
        m = pattern.search(text)
        if m:
            found[name] = " ".join(m.group(0).split())[:80]
    dsn = SENTRY_DSN.search(text)
    if dsn and "sentry" in dsn.group(2):
        # A DSN's key is public by design; masked all the same, like every value we show.
        found["Sentry"] = f"DSN {redact(dsn.group(1), 'sentry-dsn-key')} for {dsn.group(2)}/{dsn.group(3)}"
    return found
