"""Percentiles and intervals the latency verdict rests on: exact, distribution-free, and honest about n."""

import math
import random

import pytest

from wizard.stats import looks, nearest_rank, per_look_confidence, quantile_ci, quantile_ci_ranks, smallest_n_for_upper_bound


def test_nearest_rank_is_exact_and_never_one_rank_too_high():
    values = [float(i) for i in range(1, 401)]  # 1..400
    assert nearest_rank(values, 0.95) == 380.0  # rank ceil(0.95 * 400) = 380, not 381 (hey's rule)
    assert nearest_rank(values, 0.99) == 396.0
    assert nearest_rank(values, 0.5) == 200.0
    assert nearest_rank([7.0], 0.99) == 7.0
    assert nearest_rank([float(i) for i in range(1, 101)], 0.07) == 7.0  # 0.07 * 100 is 7.000000000000001
    with pytest.raises(ValueError):
        nearest_rank([], 0.95)


def test_interval_ranks_match_the_binomial_definition():
    # n=100, p95: the classic order-statistic interval is (x_(90), x_(99)) at >= 95%;
    # here it is (x_(90), x_(100)): the 99th does not reach 97.5% on the upper side.
    assert quantile_ci_ranks(100, 0.95) == (90, 100)
    assert quantile_ci_ranks(200, 0.95) == (184, 197)
    assert quantile_ci_ranks(400, 0.95) == (371, 389)
    assert quantile_ci_ranks(20, 0.95)[1] == 21  # too few samples: no upper end, so nothing can pass yet
    assert smallest_n_for_upper_bound(0.95, 0.95) == 72


def test_large_samples_do_not_overflow():
    lo, hi = quantile_ci_ranks(20_000, 0.95)
    assert 18_900 < lo < 19_000 < hi < 19_100


def test_interval_is_unbounded_on_the_side_it_cannot_know():
    lo, hi = quantile_ci(sorted(range(20)), 0.95)
    assert lo > -math.inf and hi == math.inf


@pytest.mark.parametrize("draw", [lambda r: r.expovariate(1 / 0.1), lambda r: r.lognormvariate(-2, 1.2),
                                  lambda r: 0.05 if r.random() < 0.9 else 0.6])
def test_interval_covers_the_true_p95_at_least_95_percent_of_the_time(draw):
    rng = random.Random(7)
    population = sorted(draw(rng) for _ in range(200_000))
    truth = nearest_rank(population, 0.95)
    trials, covered = 600, 0
    for _ in range(trials):
        sample = sorted(draw(rng) for _ in range(200))
        lo, hi = quantile_ci(sample, 0.95)
        covered += lo <= truth <= hi
    assert covered / trials >= 0.93  # >= 95% by construction; 600 trials leave about +-1% of noise


def test_looks_double_up_to_the_budget_and_share_the_error_rate():
    assert looks(400) == [50, 100, 200, 400]
    assert looks(300) == [50, 100, 200, 300]
    assert looks(50) == [50]
    assert per_look_confidence(0.95, 4) == pytest.approx(0.9875)
    assert smallest_n_for_upper_bound(0.95, per_look_confidence(0.95, 4)) == 99  # so a PASS needs 100 samples
