"""Small statistics for benchmark reports: Wilson score intervals for success rates, mean and sd over seeds."""
from __future__ import annotations

import math
from typing import Sequence

Z95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (0, 1) when n == 0."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if successes == 0 else max(0.0, centre - half)  # exact ends: no 0.9999999999999999
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return lo, hi


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (n - 1); sd is 0 for a single value. Empty -> (nan, nan)."""
    values = [float(v) for v in values]
    if not values:
        return math.nan, math.nan
    m = sum(values) / len(values)
    if len(values) == 1:
        return m, 0.0
    return m, math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def rate(successes: int, n: int) -> dict:
    """A success rate with its Wilson 95% interval, as a JSON-able dict."""
    lo, hi = wilson(successes, n)
    return {"rate": successes / n if n else None, "k": successes, "n": n, "ci95": [lo, hi]}
