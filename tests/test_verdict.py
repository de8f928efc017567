"""The verdict rules a founder relies on: what READY means, and what keeps an app NOT READY."""

from wizard.model import Status
from wizard.verdict import NOT_READY, READY, compute_verdict

from helpers import answer, finding, tiny_checklist

ALL_GOOD = [
    finding("authn.unauthenticated-access", Status.PASS, "authentication"),
    finding("secrets.clean", Status.PASS, "secrets"),
    finding("headers.hsts", Status.PASS, "headers"),
    finding("cookies.session-flags", Status.PASS, "session"),
]
GOOD_ANSWERS = [answer("authentication.third-party", "no"), answer("secrets.shared", "no"), answer("revocation.how-fast", "15m")]


def test_ready_only_when_every_bar_item_passes():
    v = compute_verdict(tiny_checklist(), ALL_GOOD, GOOD_ANSWERS)
    assert v.status == READY and not v.blockers and v.score == 100 and v.band == "Launch-ready"


def test_a_failing_bar_item_is_a_blocker():
    findings = ALL_GOOD[1:] + [finding("authn.unauthenticated-access", Status.FAIL, "authentication", key="export")]
    v = compute_verdict(tiny_checklist(), findings, GOOD_ANSWERS)
    assert v.status == NOT_READY and not v.unverified
    assert [b.item.id for b in v.blockers] == ["authentication"]
    assert v.reason.startswith("1 launch blocker")


def test_item_status_is_the_worst_of_findings_and_answers():
    findings = ALL_GOOD + [finding("authn.invalid-token-accepted", Status.WARN, "authentication", key="x")]
    v = compute_verdict(tiny_checklist(), findings, [answer("authentication.third-party", "yes")])
    assert v.item("authentication").status is Status.FAIL  # the red-flag answer fails it


def test_unknown_bar_item_means_not_ready_unverified_with_how_to_verify():
    v = compute_verdict(tiny_checklist(), ALL_GOOD[:1] + ALL_GOOD[2:], [answer("authentication.third-party", "no")])
    assert v.item("secrets").status is Status.UNKNOWN  # no evidence: never silently a pass
    assert v.status == NOT_READY and v.unverified
    assert [b.entry.verify for b in v.to_verify] == ["scan the repo"]


def test_dont_know_is_unknown_not_pass():
    v = compute_verdict(tiny_checklist(), [], [answer("secrets.shared", None)])
    assert v.item("secrets").status is Status.UNKNOWN


def test_skipped_bar_item_is_unverified():
    v = compute_verdict(tiny_checklist(), ALL_GOOD, GOOD_ANSWERS, overrides={"secrets": "skipped"})
    assert v.item("secrets").status is Status.SKIPPED
    assert v.status == NOT_READY and v.unverified


def test_fix_before_launch_items_block_even_off_the_bar():
    findings = ALL_GOOD[:3] + [finding("cookies.session-flags", Status.FAIL, "session")]
    v = compute_verdict(tiny_checklist(), findings, GOOD_ANSWERS)
    assert v.status == NOT_READY and [b.item.id for b in v.blockers] == ["session"]


def test_polish_failures_do_not_block_but_lower_the_score():
    findings = [f for f in ALL_GOOD if f.item != "headers"] + [finding("headers.hsts", Status.FAIL, "headers")]
    v = compute_verdict(tiny_checklist(), findings, GOOD_ANSWERS)
    assert v.status == READY and v.score < 100


def test_two_red_flags_recommend_a_senior_engineer():
    one = compute_verdict(tiny_checklist(), ALL_GOOD, [answer("authentication.third-party", "yes")])
    assert len(one.red_flags) == 1 and not one.senior_engineer
    two = compute_verdict(tiny_checklist(), ALL_GOOD, [answer("authentication.third-party", "yes"), answer("revocation.how-fast", "3d")])
    assert len(two.red_flags) == 2 and two.senior_engineer


def test_blockers_cap_the_score_below_the_ready_bands():
    findings = ALL_GOOD[1:] + [finding("authn.unauthenticated-access", Status.FAIL, "authentication")]
    v = compute_verdict(tiny_checklist(), findings, GOOD_ANSWERS)
    assert v.score <= 69


def test_informational_answers_do_not_change_status():
    v = compute_verdict(tiny_checklist(), [], [answer("revocation.owner", "Dana")])
    assert v.item("revocation").status is Status.UNKNOWN


def test_not_applicable_items_leave_the_score_alone():
    base = compute_verdict(tiny_checklist(), ALL_GOOD, GOOD_ANSWERS)
    na = compute_verdict(tiny_checklist(), ALL_GOOD, GOOD_ANSWERS, overrides={"revocation": "n/a"})
    assert na.item("revocation").status is Status.NA and na.score == base.score == 100


def test_items_that_need_a_person_do_not_pass_on_code_signals_alone():
    ck = tiny_checklist()
    ck.items[2].needs_person = True  # headers, for the test
    v = compute_verdict(ck, ALL_GOOD, GOOD_ANSWERS)
    assert v.item("headers").status is Status.UNKNOWN
