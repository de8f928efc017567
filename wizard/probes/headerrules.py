"""Judging security headers by thresholds, not exact values. Pure functions, easy to test."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.model import Status


@dataclass
class Verdict:
    status: Status
    title: str
    detail: str = ""


def _values(headers, name: str) -> list[str]:
    # Repeated headers and comma-joined ones both count; empty values are ignored.
    return [v.strip() for v in headers.get_list(name) if v.strip()]


def judge_hsts(headers, min_days: int, https: bool) -> Verdict:
    if not https:
        return Verdict(Status.FAIL, "No HSTS: the app is not served over HTTPS", "HSTS only works over HTTPS.")
    values = _values(headers, "strict-transport-security")
    if not values:
        return Verdict(Status.FAIL, "HSTS header missing", "Browsers may still try plain HTTP first, where traffic can be intercepted.")
    if len(set(values)) > 1:
        return Verdict(Status.FAIL, "Conflicting HSTS headers", f"{len(values)} different Strict-Transport-Security values; browsers use only one.")
    m = re.search(r"max-age\s*=\s*\"?(\d+)\"?", values[0], re.I)
    if not m:
        return Verdict(Status.FAIL, "HSTS header has no valid max-age", f"Value: {values[0][:120]}")
    age = int(m.group(1))
    days = age / 86400
    if age == 0:
        return Verdict(Status.FAIL, "HSTS max-age is 0 (HSTS switched off)")
    if days < min_days:
        return Verdict(Status.WARN, f"HSTS max-age is only {days:.0f} days (want {min_days}+)")
    sub = "includesubdomains" in values[0].lower()
    return Verdict(Status.PASS, f"HSTS set for {days:.0f} days" + ("" if sub else " (without includeSubDomains)"))


def parse_csp(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.strip().split()
        if tokens and tokens[0].lower() not in directives:  # the first occurrence wins
            directives[tokens[0].lower()] = [t.lower() for t in tokens[1:]]
    return directives


def judge_csp(headers) -> Verdict:
    enforced = _values(headers, "content-security-policy")
    report_only = _values(headers, "content-security-policy-report-only")
    if not enforced:
        if report_only:
            return Verdict(Status.WARN, "CSP is only in report-only mode", "Violations are reported but not blocked.")
        return Verdict(Status.FAIL, "Content-Security-Policy missing", "Nothing limits which scripts may run if an attacker injects HTML.")
    problems: list[str] = []
    for value in enforced:
        csp = parse_csp(value)
        scripts = csp.get("script-src", csp.get("default-src"))
        if scripts is None:
            problems.append("no script-src or default-src")
            continue
        has_nonce = any(t.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for t in scripts)
        if "'unsafe-inline'" in scripts and not has_nonce:
            problems.append("scripts allow 'unsafe-inline'")
        if "'unsafe-eval'" in scripts:
            problems.append("scripts allow 'unsafe-eval'")
        if any(t in ("*", "http:", "https:", "data:") for t in scripts):
            problems.append("scripts may load from any origin")
    if problems:
        return Verdict(Status.FAIL, "CSP does not restrict scripts", "; ".join(sorted(set(problems))))
    return Verdict(Status.PASS, "CSP restricts scripts")


def judge_framing(headers) -> Verdict:
    for value in _values(headers, "content-security-policy"):
        fa = parse_csp(value).get("frame-ancestors")
        if fa is not None and fa and all(t in ("'none'", "'self'") for t in fa):
            return Verdict(Status.PASS, f"Framing limited by CSP frame-ancestors {' '.join(fa)}")
    xfo = [v.upper() for v in _values(headers, "x-frame-options")]
    if xfo and all(v in ("DENY", "SAMEORIGIN") for v in xfo):
        return Verdict(Status.PASS, f"Framing limited by X-Frame-Options {xfo[0]}")
    return Verdict(Status.FAIL, "Pages can be framed by other sites (clickjacking)", "Neither CSP frame-ancestors nor X-Frame-Options DENY/SAMEORIGIN is set.")


def judge_nosniff(headers) -> Verdict:
    if any(v.lower() == "nosniff" for v in _values(headers, "x-content-type-options")):
        return Verdict(Status.PASS, "X-Content-Type-Options: nosniff set")
    return Verdict(Status.WARN, "X-Content-Type-Options: nosniff missing", "Browsers may guess content types and run uploads as scripts.")


_UNSAFE_REFERRER = {"unsafe-url", "no-referrer-when-downgrade"}


def judge_referrer(headers) -> Verdict:
    values = _values(headers, "referrer-policy")
    if not values:
        return Verdict(Status.WARN, "Referrer-Policy missing", "Full admin URLs (with ids and search terms) may leak to other sites.")
    last = [t.strip().lower() for t in values[-1].split(",") if t.strip()][-1]  # browsers use the last valid one
    if last in _UNSAFE_REFERRER:
        return Verdict(Status.FAIL, f"Referrer-Policy '{last}' leaks full URLs")
    return Verdict(Status.PASS, f"Referrer-Policy '{last}'")


def judge_banner(headers) -> Verdict:
    leaks = []
    for name in ("server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"):
        for v in _values(headers, name):
            if re.search(r"\d", v) or name != "server":
                leaks.append(f"{name}: {v[:80]}")
    if leaks:
        return Verdict(Status.WARN, "Version banners reveal the software stack", "; ".join(leaks))
    return Verdict(Status.PASS, "No version banners")
