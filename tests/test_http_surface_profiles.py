"""Every HTTP-surface check against a real HTTPS server in many profiles, each verdict asserted.

Profiles and their expected verdicts are data (tests/header_profiles.py): the good profile passes
everything, the others differ only where a header, cookie or CORS behaviour says they should.
"""

from __future__ import annotations

import pytest

from header_profiles import PROFILES, serve_profile
from surface_run import assert_ran_ok, make_config, run_surface, verdicts
from wizard.model import Status


def test_there_are_at_least_twelve_profiles():
    assert len(PROFILES) >= 12
    assert len({p.name for p in PROFILES}) == len(PROFILES)


@pytest.mark.parametrize("profile", PROFILES, ids=[p.name for p in PROFILES])
def test_profile_verdicts(profile, tmp_path):
    with serve_profile(profile, tmp_path) as served:
        config = make_config(tmp_path, served.url, http_url=served.http_url, ca=served.ca_path)
        findings, summary, _ = run_surface(config)
    assert_ran_ok(summary)
    got = verdicts(findings)
    expected = profile.expected_verdicts()
    assert {rule: got.get(rule) for rule in expected} == expected
    unexpected = sorted(set(got) - set(expected))
    assert not unexpected, f"rules not covered by the profile table: {unexpected}"
    assert not [f for f in findings if f.status is Status.UNKNOWN], [f.title for f in findings if f.status is Status.UNKNOWN]
