"""Percentiles you can defend: exact nearest-rank, and a distribution-free confidence interval."""

from __future__ import annotations

import math


def nearest_rank(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        raise ValueError("no samples")
    rank = max(1, math.ceil(p * len(sorted_values)))
    return sorted_values[rank - 1]


def _binom_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(0, k + 1))


def quantile_ci(sorted_values: list[float], p: float, confidence: float = 0.95) -> tuple[float, float]:
    """Order-statistic interval for the p-quantile: (x_(l), x_(u)), 1-based ranks.

    P(x_(l) <= q_p <= x_(u)) >= confidence whatever the distribution. When the sample is too
    small for a bound, that side is -inf/+inf: the verdict must then wait for more samples.
    """
    n = len(sorted_values)
    alpha = (1 - confidence) / 2
    lower_rank = 0
    for k in range(0, n + 1):  # largest l with P(B <= l-1) <= alpha
        if _binom_cdf(k - 1, n, p) <= alpha:
            lower_rank = k
        else:
            break
    upper_rank = n + 1
    for k in range(1, n + 1):  # smallest u with P(B <= u-1) >= 1-alpha
        if _binom_cdf(k - 1, n, p) >= 1 - alpha:
            upper_rank = k
            break
    lo = sorted_values[lower_rank - 1] if lower_rank >= 1 else -math.inf
    hi = sorted_values[upper_rank - 1] if upper_rank <= n else math.inf
    return lo, hi
