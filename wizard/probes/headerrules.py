"""Judging security headers by thresholds, not exact values. Pure functions, easy to test.

Repeated headers and comma-joined ones are read the way browsers read them: a browser joins repeated
header lines with ", " before parsing, so for list-valued headers both shapes mean the same, and for
single-valued ones (HSTS, X-Frame-Options) a repeat is itself something to report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wizard.model import Status


@dataclass
class Verdict:
    status: Status
    title: str
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def _lines(headers, name: str) -> list[str]:
    """Every header line of that name, stripped, empty ones dropped."""
    return [v.strip() for v in headers.get_list(name) if v.strip()]


def _items(headers, name: str) -> list[str]:
    """List-valued header: repeated lines and comma-joined values flattened into one list."""
    return [p.strip() for v in _lines(headers, name) for p in v.split(",") if p.strip()]


# -- HSTS ----------------------------------------------------------------------------------------

def parse_hsts(value: str) -> tuple[int | None, set[str], str]:
    """(max-age or None, other directive names, problem). RFC 6797: a repeated directive voids the header."""
    seen: set[str] = set()
    age: int | None = None
    for part in value.split(";"):
        name, eq, raw = part.strip().partition("=")
        name = name.strip().lower()
        if not name:
            continue
        if name in seen:
            return None, seen, f"directive '{name}' appears twice"
        seen.add(name)
        if name == "max-age":
            raw = raw.strip().strip('"')
            if not eq or not raw.isdigit():
                return None, seen, f"max-age '{raw[:20]}' is not a number of seconds"
            age = int(raw)
    if age is None:
        return None, seen, "no max-age directive"
    return age, seen - {"max-age"}, ""


def judge_hsts(headers, min_days: int, https: bool) -> Verdict:
    if not https:
        return Verdict(Status.FAIL, "No HSTS: the app is not served over HTTPS", "HSTS only works over HTTPS.")
    entries = _items(headers, "strict-transport-security")  # a comma never belongs in one HSTS value
    if not entries:
        return Verdict(Status.FAIL, "HSTS header missing",
                       "Browsers may still try plain HTTP first, where traffic can be read or changed.")
    normalised = {" ".join(e.lower().split()) for e in entries}
    if len(normalised) > 1:
        return Verdict(Status.FAIL, "Conflicting HSTS headers",
                       f"{len(entries)} different Strict-Transport-Security values ({'; '.join(sorted(normalised))[:200]}); "
                       "browsers read them as one malformed value and may ignore HSTS.")
    age, directives, problem = parse_hsts(entries[0])
    if age is None:
        return Verdict(Status.FAIL, "HSTS header is invalid", f"{problem}: {entries[0][:120]}")
    days = age / 86400
    data = {"max_age": age, "include_subdomains": "includesubdomains" in directives, "preload": "preload" in directives}
    if age == 0:
        return Verdict(Status.FAIL, "HSTS max-age is 0 (HSTS switched off)", data=data)
    if len(entries) > 1:
        return Verdict(Status.WARN, f"HSTS header sent {len(entries)} times",
                       "Browsers join repeated headers with a comma and some then reject the whole value. "
                       "Usually the app and a proxy both add it: keep one.", data=data)
    if days < min_days:
        return Verdict(Status.WARN, f"HSTS max-age is only {days:.0f} days (want {min_days}+)", data=data)
    sub = data["include_subdomains"]
    return Verdict(Status.PASS, f"HSTS set for {days:.0f} days" + ("" if sub else " (without includeSubDomains)"), data=data)


# -- Content-Security-Policy ---------------------------------------------------------------------

_HASH_OR_NONCE = ("'nonce-", "'sha256-", "'sha384-", "'sha512-")
_ANY_SOURCE = {"*", "http:", "https:", "data:", "blob:"}


def parse_csp(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.strip().split()
        if tokens and tokens[0].lower() not in directives:  # the first occurrence wins
            directives[tokens[0].lower()] = [t.lower() for t in tokens[1:]]
    return directives


def csp_policies(headers, meta: list[str] | tuple[str, ...] = ()) -> list[dict[str, list[str]]]:
    """Every enforced policy: each header line, each comma-separated policy in it, each <meta> one."""
    return [parse_csp(p) for p in _items(headers, "content-security-policy")] + [parse_csp(m) for m in meta if m.strip()]


def script_problems(policy: dict[str, list[str]]) -> list[str]:
    """Why this policy does not stop injected scripts; empty when it does."""
    sources = policy.get("script-src", policy.get("default-src"))
    if sources is None:
        return ["no script-src or default-src"]
    problems = []
    keyed = any(t.startswith(_HASH_OR_NONCE) for t in sources)
    if "'unsafe-inline'" in sources and not keyed:  # browsers ignore unsafe-inline next to a nonce or hash
        problems.append("scripts allow 'unsafe-inline'")
    if "'unsafe-eval'" in sources:
        problems.append("scripts allow 'unsafe-eval'")
    if "'strict-dynamic'" not in sources:  # with strict-dynamic, host and scheme sources are ignored
        wide = sorted(t for t in sources if t in _ANY_SOURCE)
        if wide:
            problems.append(f"scripts may load from any site ({' '.join(wide)})")
        if any(t.startswith("http://") for t in sources):
            problems.append("scripts may load over plain HTTP")
    return problems


def judge_csp(headers, meta: list[str] | tuple[str, ...] = ()) -> Verdict:
    policies = csp_policies(headers, meta)
    report_only = _lines(headers, "content-security-policy-report-only")
    if not policies:
        if report_only:
            return Verdict(Status.WARN, "CSP is only in report-only mode",
                           "Violations are reported but nothing is blocked; enforce it once the reports are clean.")
        return Verdict(Status.FAIL, "Content-Security-Policy missing",
                       "Nothing limits which scripts may run if an attacker manages to inject HTML.")
    # Every enforced policy applies, so one strict policy is enough to restrict scripts.
    per_policy = [script_problems(p) for p in policies]
    directives = {k for p in policies for k in p}
    data = {"policies": len(policies), "directives": sorted(directives), "report_only": bool(report_only)}
    if all(per_policy):
        problems = sorted({x for probs in per_policy for x in probs})
        return Verdict(Status.FAIL, "CSP does not restrict scripts", "; ".join(problems), data)
    warnings = []
    if not any(p.get("object-src", p.get("default-src")) for p in policies):
        warnings.append("plugins are not restricted (add object-src 'none')")
    styles = [p.get("style-src", p.get("default-src")) for p in policies]
    styles = [s for s in styles if s is not None]
    if styles and all("'unsafe-inline'" in s for s in styles):
        warnings.append("styles allow 'unsafe-inline'")
    notes = [] if "base-uri" in directives else ["no base-uri (consider base-uri 'self')"]
    if warnings:
        return Verdict(Status.WARN, "CSP restricts scripts but has gaps", "; ".join(warnings + notes), data)
    return Verdict(Status.PASS, "CSP restricts scripts", "; ".join(notes), data)


# -- framing -------------------------------------------------------------------------------------

def judge_framing(headers) -> Verdict:
    # frame-ancestors is ignored in <meta> policies, and when present browsers ignore X-Frame-Options.
    ancestors = [p["frame-ancestors"] for p in csp_policies(headers) if "frame-ancestors" in p]
    for fa in ancestors:
        if not fa or "'none'" in fa or all(t == "'self'" for t in fa):
            shown = " ".join(fa) or "(empty: no one)"
            return Verdict(Status.PASS, f"Framing limited by CSP frame-ancestors {shown}")
        if fa and not any(t in _ANY_SOURCE or t == "*" for t in fa) and not any(t.startswith("http://") for t in fa):
            return Verdict(Status.PASS, f"Framing limited to {len(fa)} listed site(s) by CSP frame-ancestors")
    if ancestors:
        return Verdict(Status.FAIL, "CSP frame-ancestors lets any site frame the pages",
                       f"frame-ancestors {' '.join(ancestors[0])[:100]}")
    xfo = [v.upper() for v in _items(headers, "x-frame-options")]
    kinds = set(xfo)
    if not xfo:
        return Verdict(Status.FAIL, "Pages can be framed by other sites (clickjacking)",
                       "Neither CSP frame-ancestors nor X-Frame-Options DENY/SAMEORIGIN is set.")
    if len(kinds) == 1 and kinds <= {"DENY", "SAMEORIGIN"}:
        return Verdict(Status.PASS, f"Framing limited by X-Frame-Options {xfo[0]}"
                       + (f" (sent {len(xfo)} times)" if len(xfo) > 1 else ""))
    if kinds <= {"DENY", "SAMEORIGIN"}:
        return Verdict(Status.WARN, "Conflicting X-Frame-Options values",
                       f"{', '.join(xfo)}: current browsers then refuse all framing, older ones may ignore the header. Send one value.")
    if any(k.startswith("ALLOW-FROM") for k in kinds):
        return Verdict(Status.FAIL, "X-Frame-Options ALLOW-FROM is ignored by current browsers",
                       "Use CSP frame-ancestors with the sites allowed to frame the app.")
    return Verdict(Status.FAIL, "X-Frame-Options value is invalid", f"'{', '.join(xfo)[:80]}' is not DENY or SAMEORIGIN.")


# -- small headers -------------------------------------------------------------------------------

def judge_nosniff(headers) -> Verdict:
    values = _items(headers, "x-content-type-options")
    if values and values[0].lower() == "nosniff":  # browsers read the first value only
        return Verdict(Status.PASS, "X-Content-Type-Options: nosniff set")
    if values:
        return Verdict(Status.WARN, "X-Content-Type-Options has an invalid value", f"'{values[0][:60]}' (want nosniff)")
    return Verdict(Status.WARN, "X-Content-Type-Options: nosniff missing",
                   "Browsers may guess content types and run an uploaded file as a script.")


REFERRER_POLICIES = {"no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin",
                     "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url"}
_UNSAFE_REFERRER = {"unsafe-url", "no-referrer-when-downgrade"}


def judge_referrer(headers, meta: list[str] | tuple[str, ...] = ()) -> Verdict:
    tokens = _items(headers, "referrer-policy") + [t.strip() for m in meta for t in m.split(",")]
    valid = [t.lower() for t in tokens if t.lower() in REFERRER_POLICIES]  # unknown tokens are skipped
    if not valid:
        detail = "Current browsers fall back to strict-origin-when-cross-origin, older ones leak full URLs (with ids and search terms)."
        if tokens:
            return Verdict(Status.WARN, "Referrer-Policy has no valid value", f"'{', '.join(tokens)[:80]}'. {detail}")
        return Verdict(Status.WARN, "Referrer-Policy missing", detail)
    last = valid[-1]  # the last valid token wins
    if last in _UNSAFE_REFERRER:
        return Verdict(Status.FAIL, f"Referrer-Policy '{last}' leaks full URLs to other sites")
    return Verdict(Status.PASS, f"Referrer-Policy '{last}'")


_POWERFUL_FEATURES = ("camera", "microphone", "geolocation", "usb", "payment", "display-capture")


def judge_permissions_policy(headers) -> Verdict:
    value = ", ".join(_lines(headers, "permissions-policy"))
    if not value:
        if _lines(headers, "feature-policy"):
            return Verdict(Status.WARN, "Only the old Feature-Policy header is set (optional hardening)",
                           "Browsers now read Permissions-Policy.")
        return Verdict(Status.WARN, "Permissions-Policy not set (optional hardening)",
                       "It switches off browser features an admin app never needs (camera, microphone, location).")
    wide = [f for f in _POWERFUL_FEATURES if re.search(rf"(?:^|,)\s*{f}\s*=\s*\*", value, re.I)]
    if wide:
        return Verdict(Status.WARN, "Permissions-Policy grants powerful features to every site", ", ".join(wide))
    return Verdict(Status.PASS, "Permissions-Policy set")


def judge_coop(headers) -> Verdict:
    values = [v.split(";")[0].strip().lower() for v in _lines(headers, "cross-origin-opener-policy")]
    if values and values[0] in ("same-origin", "same-origin-allow-popups", "noopener-allow-popups"):
        return Verdict(Status.PASS, f"Cross-Origin-Opener-Policy {values[0]}")
    if values:
        return Verdict(Status.WARN, f"Cross-Origin-Opener-Policy '{values[0][:40]}' does not isolate the window (optional hardening)")
    return Verdict(Status.WARN, "Cross-Origin-Opener-Policy not set (optional hardening)",
                   "same-origin stops pages on other sites from keeping a handle on the admin window.")


def judge_corp(headers) -> Verdict:
    values = [v.strip().lower() for v in _lines(headers, "cross-origin-resource-policy")]
    if values and values[0] in ("same-origin", "same-site"):
        return Verdict(Status.PASS, f"Cross-Origin-Resource-Policy {values[0]}")
    if values:
        return Verdict(Status.WARN, f"Cross-Origin-Resource-Policy '{values[0][:40]}' lets any site embed responses (optional hardening)")
    return Verdict(Status.WARN, "Cross-Origin-Resource-Policy not set (optional hardening)",
                   "same-origin stops other sites from loading the app's responses into their pages.")


def parse_cache_control(headers) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in _items(headers, "cache-control"):
        name, _, value = item.partition("=")
        out.setdefault(name.strip().lower(), value.strip().strip('"'))
    return out


def judge_cache_control(headers) -> Verdict:
    """For a response to a logged-in request: it must not be kept by browsers or shared caches."""
    cc = parse_cache_control(headers)
    shown = ", ".join(f"{k}={v}" if v else k for k, v in cc.items())
    if "no-store" in cc:
        return Verdict(Status.PASS, "Logged-in responses send Cache-Control: no-store")

    def positive(name: str) -> bool:
        return cc.get(name, "").isdigit() and int(cc[name]) > 0

    if "public" in cc or positive("s-maxage") or (positive("max-age") and "private" not in cc):
        return Verdict(Status.FAIL, "Logged-in responses may be stored by shared caches",
                       f"Cache-Control: {shown}: a proxy or CDN may serve one person's data to another.")
    if cc:
        return Verdict(Status.WARN, "Logged-in responses may be kept in the browser cache",
                       f"Cache-Control: {shown} (no no-store): the next person on a shared computer may see them.")
    return Verdict(Status.WARN, "Cache-Control missing on logged-in responses",
                   "Browsers may keep copies of pages with customer data on disk.")


_BANNER_HEADERS = ("server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator")


def judge_banner(headers) -> Verdict:
    leaks = []
    for name in _BANNER_HEADERS:
        for v in _lines(headers, name):
            if re.search(r"\d", v) or name != "server":
                leaks.append(f"{name}: {v[:80]}")
    if leaks:
        return Verdict(Status.WARN, "Version banners reveal the software stack", "; ".join(leaks))
    return Verdict(Status.PASS, "No version banners")
