"""DMARC (RFC 7489): the record at _dmarc.<domain>, else the organisational domain's; its policy and tags."""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.netcheck.catalog import organisational_domain
from wizard.netcheck.dnsquery import Dns, Lookup

POLICIES = ("none", "quarantine", "reject")
ENFORCING = ("quarantine", "reject")


@dataclass
class DmarcResult:
    domain: str
    found_at: str | None = None  # the _dmarc name the record came from
    records: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # what makes the record invalid
    failed: Lookup | None = None  # a lookup that could not be made

    @property
    def inherited(self) -> bool:
        """Found at the organisational domain, so its subdomain policy applies."""
        return self.found_at is not None and self.found_at != f"_dmarc.{self.domain}"

    @property
    def record(self) -> str | None:
        return self.records[0] if len(self.records) == 1 else None

    @property
    def valid(self) -> bool:
        return self.record is not None and not self.errors

    @property
    def policy(self) -> str | None:
        """The policy receivers apply to mail from this domain."""
        if not self.valid:
            return None
        if self.inherited and "sp" in self.tags:
            return self.tags["sp"]
        return self.tags.get("p")

    @property
    def enforcing(self) -> bool:
        return self.policy in ENFORCING and self.pct == 100

    @property
    def pct(self) -> int:
        try:
            return int(self.tags.get("pct", "100"))
        except ValueError:
            return 100  # reported as an error by parse_tags


def is_dmarc(text: str) -> bool:
    return text.replace(" ", "").startswith("v=DMARC1")


def parse_tags(record: str) -> tuple[dict[str, str], list[str]]:
    tags: dict[str, str] = {}
    errors: list[str] = []
    for part in record.split(";"):
        if not part.strip():
            continue
        name, eq, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not eq:
            errors.append(f"'{part.strip()}' is not tag=value")
            continue
        tags.setdefault(name, value)
    if tags.get("v") != "DMARC1":
        errors.append("it must start with v=DMARC1")
    if "p" not in tags:
        errors.append("it has no policy (p=)")
    elif tags["p"].lower() not in POLICIES:
        errors.append(f"p={tags['p']} is not none, quarantine or reject")
    if "sp" in tags and tags["sp"].lower() not in POLICIES:
        errors.append(f"sp={tags['sp']} is not none, quarantine or reject")
    if "pct" in tags and not (tags["pct"].isdigit() and 0 <= int(tags["pct"]) <= 100):
        errors.append(f"pct={tags['pct']} is not a number from 0 to 100")
    for uri in (u.strip() for u in tags.get("rua", "").split(",") if u.strip()):
        if not uri.lower().startswith("mailto:"):
            errors.append(f"rua {uri} is not a mailto: address")
    for key in ("p", "sp"):
        if key in tags:
            tags[key] = tags[key].lower()
    return tags, errors


async def check(dns: Dns, domain: str) -> DmarcResult:
    result = DmarcResult(domain)
    names = [f"_dmarc.{domain}"]
    org = organisational_domain(domain)
    if org != domain:
        names.append(f"_dmarc.{org}")
    for name in names:
        look = await dns.txt(name)
        if look.failed:
            result.failed = look
            return result
        records = [t for t in look.texts() if is_dmarc(t)]
        if records:
            result.found_at, result.records = name, records
            if len(records) > 1:
                result.errors.append(f"{len(records)} DMARC records at {name}; receivers then ignore them all")
            else:
                result.tags, result.errors = parse_tags(records[0])
            return result
    return result


def suggested_record(result: DmarcResult) -> str:
    """The record to publish at _dmarc.<domain>: the person's own tags kept, policy enforcing, reports on."""
    tags = dict(result.tags) if result.valid else {}
    p = tags.get("p") if tags.get("p") in ENFORCING else "quarantine"
    out = ["v=DMARC1", f"p={p}"]
    if tags.get("sp") in ENFORCING:
        out.append(f"sp={tags['sp']}")
    out.append(f"rua={tags.get('rua') or f'mailto:dmarc-reports@{result.domain}'}")
    out += [f"{k}={v}" for k, v in tags.items() if k not in ("v", "p", "sp", "pct", "rua")]
    return f'_dmarc.{result.domain}. TXT "{"; ".join(out)}"'
