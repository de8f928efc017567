"""The curated lists in `data/`, loaded once and typed: checks as data, apart from the logic."""

from __future__ import annotations

import fnmatch
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

_DATA = Path(__file__).with_name("data")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TakeoverPlatform(_Strict):
    platform: str
    suffixes: list[str] = Field(min_length=1)
    reason: str

    def matches(self, name: str) -> bool:
        labels = name.lower().rstrip(".").split(".")
        for suffix in self.suffixes:
            want = suffix.lower().split(".")
            # The platform's own apex (herokuapp.com itself) is not a customer resource.
            if len(labels) > len(want) and all(fnmatch.fnmatchcase(l, w) for l, w in zip(labels[-len(want):], want)):
                return True
        return False


class CertificateAuthority(_Strict):
    ca: str
    issuer_names: list[str] = Field(min_length=1)
    caa: list[str] = Field(min_length=1)

    def issued(self, issuer_names: list[str]) -> bool:
        have = [_plain(n) for n in issuer_names]
        return any(_plain(want) in h for want in self.issuer_names for h in have)


def _plain(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _load(name: str):
    with open(_DATA / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def takeover_platforms() -> tuple[TakeoverPlatform, ...]:
    return tuple(TakeoverPlatform.model_validate(e) for e in _load("takeover.yaml"))


def takeover_platform(name: str) -> TakeoverPlatform | None:
    return next((p for p in takeover_platforms() if p.matches(name)), None)


@cache
def dkim_selectors() -> tuple[str, ...]:
    return tuple(str(s) for s in _load("dkim_selectors.yaml")["selectors"])


@cache
def certificate_authorities() -> tuple[CertificateAuthority, ...]:
    return tuple(CertificateAuthority.model_validate(e) for e in _load("caa_issuers.yaml"))


def authority_for(issuer_names: list[str]) -> CertificateAuthority | None:
    return next((ca for ca in certificate_authorities() if ca.issued(issuer_names)), None)


def issuer_named_like(caa_domain: str, issuer_names: list[str]) -> bool:
    """'digicert.com' allows an issuer called 'DigiCert Inc': the CAA domain's first label is in its name."""
    label = _plain(caa_domain.split(".")[0])
    return len(label) >= 4 and any(label in _plain(n) for n in issuer_names)


@cache
def multi_label_suffixes() -> frozenset[str]:
    return frozenset(str(s).lower() for s in _load("public_suffixes.yaml")["suffixes"])


def organisational_domain(name: str) -> str:
    """The registered domain a name belongs to: a.b.example.com -> example.com (example.co.uk kept whole)."""
    labels = name.lower().rstrip(".").split(".")
    keep = 3 if len(labels) >= 3 and ".".join(labels[-2:]) in multi_label_suffixes() else 2
    return ".".join(labels[-keep:])
