"""Prevalence with Wilson's score interval.

Wilson (1927), "Probable inference, the law of succession, and statistical inference", JASA 22:209-212; the
closed form is method 3 of Newcombe (1998), "Two-sided confidence intervals for the single proportion:
comparison of seven methods", Statistics in Medicine 17:857-872:

    centre ± half-width, with  d = 1 + z²/n,  centre = (p̂ + z²/2n) / d,
                                half-width = z · √(p̂(1 - p̂)/n + z²/4n²) / d

This is the interval statsmodels' ``proportion_confint(method="wilson")`` returns. statsmodels (with SciPy
and pandas under it) would add some hundred megabytes to the server for one line of arithmetic, so the
formula is written out here and the tests check it against its definition (the score test inverted
numerically) and against hand-checked values. ``z`` comes from the standard library's normal quantile.
"""

import math
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def normal_quantile(confidence: float) -> float:
    """The two-sided z for ``confidence`` (1.959963984540054 for 0.95)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, not {confidence}")
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def wilson_interval(successes: int, trials: int, *, confidence: float = 0.95) -> Interval:
    """Wilson's score interval for ``successes`` out of ``trials``; raise ``ValueError`` for no trials or
    counts outside 0 ≤ successes ≤ trials, where no proportion exists."""
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError(f"no proportion for {successes} out of {trials}")
    z = normal_quantile(confidence)
    p = successes / trials
    z2n = z * z / trials
    denominator = 1 + z2n
    centre = (p + z2n / 2) / denominator
    half_width = z * math.sqrt(p * (1 - p) / trials + z2n / (4 * trials)) / denominator
    # At 0 and at n the bounds are exactly 0 and 1 in theory; rounding would otherwise leave 1e-17.
    low = 0.0 if successes == 0 else centre - half_width
    high = 1.0 if successes == trials else centre + half_width
    return Interval(low=low, high=high)
