"""Percentiles you can defend: exact nearest-rank, and a distribution-free confidence interval.

The interval comes from order statistics: whatever the shape of the latency distribution, the
number of samples below its true p-quantile is Binomial(n, p), so two ranks of the sorted samples
bracket the quantile with a known probability. No normal approximation, no bootstrap.
"""

from __future__ import annotations

import math
from functools import lru_cache


def nearest_rank(sorted_values: list[float], p: float) -> float:
    """The smallest sample with at least a share p of the samples at or below it (no interpolation)."""
    if not sorted_values:
        raise ValueError("no samples")
    rank = max(1, math.ceil(round(p * len(sorted_values), 9)))  # round: 0.07 * 100 is 7.000000000000001
    return sorted_values[rank - 1]


def _binom_cdf_table(n: int, p: float) -> list[float]:
    """P(B <= k) for k = 0..n, B ~ Binomial(n, p); in log space so large n never overflows."""
    log_p, log_q = math.log(p), math.log1p(-p)
    lg_n = math.lgamma(n + 1)
    total = 0.0
    table = []
    for k in range(n + 1):
        total += math.exp(lg_n - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p + (n - k) * log_q)
        table.append(min(total, 1.0))
    return table


@lru_cache(maxsize=512)
def quantile_ci_ranks(n: int, p: float, confidence: float = 0.95) -> tuple[int, int]:
    """1-based ranks (l, u) with P(x_(l) <= q_p <= x_(u)) >= confidence; 0 or n+1 when a side is unbounded.

    l is the largest rank with P(B <= l-1) <= alpha/2 and u the smallest with P(B <= u-1) >= 1-alpha/2.
    """
    if not 0 < p < 1 or not 0 < confidence < 1:
        raise ValueError("p and confidence must be between 0 and 1")
    alpha = (1 - confidence) / 2
    cdf = _binom_cdf_table(n, p) if n else []
    lower = 0
    for k in range(1, n + 1):  # P(B <= k-1) grows with k
        if cdf[k - 1] <= alpha:
            lower = k
        else:
            break
    upper = next((k for k in range(1, n + 1) if cdf[k - 1] >= 1 - alpha), n + 1)
    return lower, upper


def quantile_ci(sorted_values: list[float], p: float, confidence: float = 0.95) -> tuple[float, float]:
    """Order-statistic interval for the p-quantile: (x_(l), x_(u)).

    P(x_(l) <= q_p <= x_(u)) >= confidence whatever the distribution. When the sample is too
    small for a bound, that side is -inf/+inf: the verdict must then wait for more samples.
    """
    n = len(sorted_values)
    lower, upper = quantile_ci_ranks(n, p, confidence)
    lo = sorted_values[lower - 1] if lower >= 1 else -math.inf
    hi = sorted_values[upper - 1] if upper <= n else math.inf
    return lo, hi


def smallest_n_for_upper_bound(p: float, confidence: float) -> int:
    """Fewest samples for which the interval has a finite upper end (below that, PASS is impossible)."""
    alpha = (1 - confidence) / 2
    return math.ceil(math.log(alpha) / math.log(p))


def looks(budget: int, first: int = 50) -> list[int]:
    """Sample counts at which a sequential test looks at the data: first, doubling, and the budget."""
    if budget < 1:
        return []
    out = []
    n = first
    while n < budget:
        out.append(n)
        n *= 2
    out.append(budget)
    return out


def per_look_confidence(confidence: float, n_looks: int) -> float:
    """Bonferroni: each of k looks at 1 - (1-c)/k keeps the chance of any wrong call under 1-c.

    Looking at the data several times and stopping at the first interval that clears the bar would
    otherwise call a borderline endpoint wrongly far more often than 5% of the time.
    """
    return 1 - (1 - confidence) / max(1, n_looks)
