"""Judging how the app gets people onto HTTPS: the plain-HTTP first hop, HSTS along redirect chains,
plain-HTTP resources inside HTTPS pages. Pure functions over responses already fetched."""

from __future__ import annotations

from urllib.parse import urlsplit

from wizard.engine.http import Response
from wizard.model import Status
from wizard.probes.headerrules import Verdict, parse_hsts
from wizard.probes.htmlscan import Page
from wizard.probes.pages import resolve

_REDIRECTS = (301, 302, 303, 307, 308)


def chain_of(resp: Response) -> list[Response]:
    return [*resp.history, resp]


def describe_chain(chain: list[Response]) -> list[str]:
    lines = []
    for r in chain:
        loc = r.headers.get("location", "")
        lines.append(f"GET {r.url} -> {r.status}" + (f" Location: {loc[:160]}" if loc and r.status in _REDIRECTS else ""))
    return lines


def judge_first_hop(chain: list[Response], https_host: str) -> Verdict:
    """`chain` starts with the answer to a plain-HTTP request (and follows in-scope redirects)."""
    first, final = chain[0], chain[-1]
    location = first.headers.get("location", "")
    dest = resolve(first.url, location) if location else None
    dest_parts = urlsplit(dest) if dest else None
    if first.status in _REDIRECTS and dest_parts:
        if dest_parts.scheme == "https":
            if dest_parts.hostname != urlsplit(first.url).hostname:
                return Verdict(Status.WARN, "Plain HTTP redirects straight to another host",
                               f"http://{urlsplit(first.url).hostname}/ goes to {dest_parts.hostname}: the host people type never "
                               "gets its own HTTPS answer, so browsers never learn HSTS for it. Redirect to https:// on the same host first.")
            if first.status in (301, 308):
                return Verdict(Status.PASS, f"Plain HTTP redirects to HTTPS ({first.status}, same host)")
            return Verdict(Status.WARN, f"HTTP to HTTPS redirect is temporary ({first.status})",
                           "A permanent 301/308 lets browsers and search engines remember it.")
        if urlsplit(final.url).scheme == "https" or final.status in _REDIRECTS:
            return Verdict(Status.WARN, "Plain HTTP first redirects to another plain-HTTP address",
                           f"First hop: {first.status} to {dest[:120]}; the switch to HTTPS should be the first hop.")
        return Verdict(Status.FAIL, "Plain HTTP redirects to plain HTTP, never to HTTPS",
                       "Logins and session cookies travel unencrypted.")
    if 200 <= first.status < 300:
        return Verdict(Status.FAIL, "Plain HTTP is served without a redirect to HTTPS",
                       "Logins and session cookies can travel unencrypted when someone opens the http:// address.")
    return Verdict(Status.WARN, f"Plain HTTP answers {first.status} instead of redirecting to HTTPS",
                   "Nothing is served unencrypted, but people typing the bare address get an error; a 301 to HTTPS is friendlier.")


def _sends_hsts(r: Response) -> bool:
    values = [v for v in r.headers.get_list("strict-transport-security") if v.strip()]
    return bool(values) and parse_hsts(values[0])[0] not in (None, 0)


def judge_hsts_chain(chains: list[list[Response]]) -> Verdict | None:
    """Every host answering over HTTPS on the way in must send HSTS somewhere: browsers only remember it
    for the host that sent it, so `https://example.com` redirecting to `https://www.example.com` without
    it leaves example.com open to a downgrade. None when no HTTPS answer redirects."""
    hops = [r for chain in chains for r in chain[:-1] if urlsplit(r.url).scheme == "https"]
    if not hops:
        return None
    covered = {urlsplit(r.url).hostname for chain in chains for r in chain
               if urlsplit(r.url).scheme == "https" and _sends_hsts(r)}
    missing = [r.url for r in hops if urlsplit(r.url).hostname not in covered]
    if missing:
        hosts = sorted({urlsplit(u).hostname or "" for u in missing})
        return Verdict(Status.WARN, "A host on the way in never sends HSTS",
                       f"{', '.join(missing[:3])}: browsers only remember HSTS for the host that sent it, so "
                       f"{', '.join(hosts)} stays open to a downgrade. Add the header to redirects too (nginx: `always`).")
    return Verdict(Status.PASS, f"Every host on the way in sends HSTS ({len(covered)})")


def judge_mixed_content(pages: list[tuple[str, Page]]) -> Verdict | None:
    """Plain-HTTP resources inside HTTPS pages; None when no HTTPS page was read."""
    https_pages = [(url, page) for url, page in pages if urlsplit(url).scheme == "https"]
    if not https_pages:
        return None
    active, passive = [], []
    for url, page in https_pages:
        for sub in page.subresources:
            ref = resolve(url, sub.url)
            if ref and urlsplit(ref).scheme == "http":
                (active if sub.active else passive).append(f"<{sub.tag}> {ref[:120]} on {urlsplit(url).path or '/'}")
    if active:
        return Verdict(Status.FAIL, "HTTPS pages load scripts, styles, frames or forms over plain HTTP",
                       "Browsers block these (the page breaks), and a form posting to http:// sends data unencrypted: "
                       + "; ".join(active[:5]), {"active": active, "passive": passive})
    if passive:
        return Verdict(Status.WARN, "HTTPS pages load images or media over plain HTTP",
                       "Anyone on the network can see or swap them: " + "; ".join(passive[:5]), {"passive": passive})
    return Verdict(Status.PASS, f"No plain-HTTP resources in the HTTPS pages ({len(https_pages)} checked)")
