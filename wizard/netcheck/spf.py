"""SPF (RFC 7208) parsed and evaluated the way receivers do, without a sender address.

Counted: the DNS lookups of include, a, mx, ptr, exists and redirect through the whole tree (at most
10), with the cost of each top-level include; void lookups (no such name, or no record: at most 2);
loops; syntax; the `all` qualifier in force (following redirect=).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from wizard.netcheck.dnsquery import Dns, Lookup

MAX_LOOKUPS = 10
MAX_VOIDS = 2
_GIVE_UP = 25  # stop walking a runaway tree once the verdict is certain
_MECHANISMS = {"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"}
_COUNTED = {"include", "a", "mx", "ptr", "exists"}
_MODIFIER = re.compile(r"^([A-Za-z][A-Za-z0-9_.-]*)=(.*)$")
_MECHANISM = re.compile(r"^([+\-~?]?)([A-Za-z0-9]+)(?::([^/]*))?(/.*)?$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*\.?$")


@dataclass
class Term:
    text: str
    qualifier: str = "+"
    name: str = ""  # mechanism or modifier name, lower case
    value: str = ""  # domain-spec or address
    modifier: bool = False


class SpfSyntaxError(ValueError):
    pass


def is_spf(text: str) -> bool:
    return text.lower() == "v=spf1" or text.lower().startswith("v=spf1 ")


def parse(record: str) -> list[Term]:
    """The terms after 'v=spf1'; raises SpfSyntaxError naming the first bad term."""
    terms: list[Term] = []
    seen_modifiers: set[str] = set()
    for text in record.split()[1:]:
        mod = _MODIFIER.match(text)
        if mod:
            name = mod.group(1).lower()
            if name in ("redirect", "exp"):
                if name in seen_modifiers:
                    raise SpfSyntaxError(f"'{name}=' appears twice")
                _check_domain(mod.group(2), text)
            seen_modifiers.add(name)
            terms.append(Term(text, name=name, value=mod.group(2), modifier=True))
            continue
        mech = _MECHANISM.match(text)
        if not mech or mech.group(2).lower() not in _MECHANISMS:
            raise SpfSyntaxError(f"'{text}' is not an SPF mechanism")
        qualifier, name, value, cidr = mech.group(1) or "+", mech.group(2).lower(), mech.group(3), mech.group(4)
        if name == "all" and (value is not None or cidr):
            raise SpfSyntaxError(f"'{text}': 'all' takes no value")
        if name in ("include", "exists"):
            if not value:
                raise SpfSyntaxError(f"'{text}' needs a domain")
            _check_domain(value, text)
        if name in ("a", "mx", "ptr") and value:
            _check_domain(value, text)
        if name in ("ip4", "ip6"):
            _check_address(name, (value or "") + (cidr or ""), text)
        elif cidr and not re.fullmatch(r"/\d{1,2}(//\d{1,3})?|//\d{1,3}", cidr):
            raise SpfSyntaxError(f"'{text}' has a bad prefix length")
        terms.append(Term(text, qualifier, name, value or ""))
    return terms


def _check_domain(value: str, text: str) -> None:
    if "%" in value:
        return  # a macro: only known when a message arrives
    if not _DOMAIN.match(value) or "." not in value.strip("."):
        raise SpfSyntaxError(f"'{text}': '{value}' is not a domain")


def _check_address(kind: str, value: str, text: str) -> None:
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise SpfSyntaxError(f"'{text}' is not a valid {kind} address or range") from None
    if (kind == "ip4") != (net.version == 4):
        raise SpfSyntaxError(f"'{text}' is not an {'IPv4' if kind == 'ip4' else 'IPv6'} address")


@dataclass
class SpfResult:
    domain: str
    records: list[str] = field(default_factory=list)  # every v=spf1 record at the domain itself
    lookup: Lookup | None = None  # the TXT lookup of the domain
    lookups: int = 0
    per_include: dict[str, int] = field(default_factory=dict)  # 'include:x' / 'redirect=x' -> lookups it costs
    voids: list[str] = field(default_factory=list)
    all_qualifier: str | None = None  # in force at the end of evaluation; None: no 'all' anywhere
    syntax: list[str] = field(default_factory=list)
    loops: list[str] = field(default_factory=list)
    broken_includes: list[str] = field(default_factory=list)  # include/redirect targets without exactly one SPF record
    failed: list[Lookup] = field(default_factory=list)  # lookups that could not be made (SERVFAIL, timeout)
    ptr: bool = False

    @property
    def record(self) -> str | None:
        return self.records[0] if len(self.records) == 1 else None


async def check(dns: Dns, domain: str) -> SpfResult:
    result = SpfResult(domain)
    look = await dns.txt(domain)
    result.lookup = look
    if look.failed:
        result.failed.append(look)
        return result
    result.records = [t for t in look.texts() if is_spf(t)]
    if len(result.records) != 1:
        return result
    walker = _Walker(dns, result)
    result.all_qualifier = await walker.evaluate(domain, result.records[0], [domain], top=True)
    return result


class _Walker:
    def __init__(self, dns: Dns, result: SpfResult):
        self.dns, self.r = dns, result

    async def evaluate(self, domain: str, record: str, stack: list[str], top: bool = False) -> str | None:
        try:
            terms = parse(record)
        except SpfSyntaxError as err:
            self.r.syntax.append(f"{domain}: {err}")
            return None
        qualifier = None
        for term in terms:
            if self.r.lookups > _GIVE_UP:
                return qualifier
            if term.modifier:
                continue
            if term.name == "all":
                qualifier = term.qualifier
                break  # nothing after 'all' is ever evaluated
            if term.name in _COUNTED:
                before = self.r.lookups
                self.r.lookups += 1
                await self._mechanism(term, domain, stack)
                if top and term.name == "include":
                    self.r.per_include[f"include:{term.value}"] = self.r.lookups - before
        redirect = next((t for t in terms if t.modifier and t.name == "redirect"), None)
        if qualifier is None and redirect is not None:  # redirect= only counts when no 'all' matched first
            before = self.r.lookups
            self.r.lookups += 1
            qualifier = await self._follow(redirect.value, stack, "redirect")
            if top:
                self.r.per_include[f"redirect={redirect.value}"] = self.r.lookups - before
        return qualifier

    async def _mechanism(self, term: Term, domain: str, stack: list[str]) -> None:
        target = term.value or domain
        if "%" in target:
            return  # a macro: counted, but it cannot be resolved without a message
        if term.name == "include":
            await self._follow(target, stack, "include")
        elif term.name == "a":
            found, look = await self.dns.addresses(target)
            self._void_or_failed(look, target, empty=not found)
        elif term.name == "mx":
            look = await self.dns.query(target, "MX")
            self._void_or_failed(look, target, empty=not look.ok)
        elif term.name == "exists":
            look = await self.dns.query(target, "A")
            self._void_or_failed(look, target, empty=not look.ok)
        elif term.name == "ptr":
            self.r.ptr = True

    def _void_or_failed(self, look: Lookup, target: str, empty: bool) -> None:
        if look.failed:
            self.r.failed.append(look)
        elif empty:
            self.r.voids.append(target)

    async def _follow(self, target: str, stack: list[str], how: str) -> str | None:
        if "%" in target:
            return None
        if target.lower().rstrip(".") in stack:
            self.r.loops.append(" -> ".join([*stack, target]))
            return None
        look = await self.dns.txt(target)
        if look.failed:
            self.r.failed.append(look)
            return None
        if look.missing:
            self.r.voids.append(target)
        records = [t for t in look.texts() if is_spf(t)] if look.ok else []
        if len(records) != 1:
            self.r.broken_includes.append(f"{how}:{target} ({'no SPF record' if not records else f'{len(records)} SPF records'})")
            return None
        return await self.evaluate(target, records[0], [*stack, target.lower().rstrip(".")])


def rewrite(records: list[str], drop: set[str] | None = None, final: str = "-all") -> str:
    """One record from `records`: same mechanisms (minus `drop`), in order, without duplicates, ending in `final`."""
    drop = {d.lower() for d in (drop or set())}
    kept: list[str] = []
    for record in records:
        for text in record.split()[1:]:
            low = text.lower()
            bare = low.lstrip("+-~?")
            if bare == "all" or low.startswith("redirect=") or low in drop or bare in drop or low in kept:
                continue
            kept.append(text)
    return " ".join(["v=spf1", *kept, final])
