"""Signatures of error pages that say too much: stack traces and framework debug pages.

Data first (name -> pattern); `find_leak` returns the first match's name and a short excerpt.
A plain "Not Found" page, or one that only names the framework, is not a finding.
"""

from __future__ import annotations

import re

LEAK_SIGNATURES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(rx, re.M)) for name, rx in (
    ("Python traceback", r"Traceback \(most recent call last\)"),
    ("Python stack frame", r'File "[^"]+\.py", line \d+, in \w+'),
    ("Django debug page", r"You're seeing this error because you have <code>DEBUG = True</code>|Using the URLconf defined in"),
    ("Werkzeug debugger", r"Werkzeug Debugger|The debugger caught an exception in your WSGI application"),
    ("Rails debug page", r"Action Controller: Exception caught|Routing Error</h1>\s*<p>No route matches"),
    ("Ruby stack frame", r"\.rb:\d+:in `"),
    ("Laravel / Whoops debug page", r"Whoops, looks like something went wrong|ignition-|Illuminate\\"),
    ("PHP error", r"(?:Fatal error|Parse error|Warning)</b>:.+ on line <b>\d+|Stack trace:\s*\n?\s*#0 "),
    ("Java stack trace", r"\bat [a-z][\w$]*(?:\.[\w$]+)+\([\w$]+\.java:\d+\)|java\.lang\.\w+(?:Exception|Error)"),
    ("Spring error page with exception", r"Whitelabel Error Page[\s\S]{0,400}(?:Exception|trace)"),
    (".NET error page", r"Server Error in '/' Application|System\.\w+Exception:|\bat [\w.<>`]+\(.*\) in .+:line \d+"),
    ("Node.js stack trace", r"\bat (?:[\w.<>\[\] ]+ )?\(?(?:/|[A-Z]:\\)[^()\s]+\.(?:js|mjs|cjs|ts):\d+:\d+\)?"),
    ("Go panic", r"goroutine \d+ \[running\]|panic: runtime error"),
    ("SQL error", r"SQLSTATE\[|You have an error in your SQL syntax|psycopg2?\.errors\.|ORA-\d{5}|SQLite3::|PG::\w+Error"),
))


def find_leak(text: str) -> tuple[str, str] | None:
    for name, pattern in LEAK_SIGNATURES:
        m = pattern.search(text)
        if m:
            excerpt = " ".join(m.group(0).split())
            return name, excerpt[:100]
    return None
