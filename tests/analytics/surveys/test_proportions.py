"""Wilson's interval checked against its definition and against values worked out by hand."""

import math

import pytest

from longarm.analytics.surveys.proportions import normal_quantile, wilson_interval

Z95 = 1.959963984540054


def score_test_bounds(successes: int, trials: int, z: float) -> tuple[float, float]:
    """Wilson's interval by its definition: the proportions π not rejected by the score test,
    |p̂ - π| ≤ z·√(π(1 - π)/n), found by bisection — no use of the closed formula."""
    p = successes / trials

    def rejected(pi: float) -> bool:
        return (p - pi) ** 2 > z * z * pi * (1 - pi) / trials

    def boundary(inside: float, outside: float) -> float:
        for _ in range(200):
            middle = (inside + outside) / 2
            if rejected(middle):
                outside = middle
            else:
                inside = middle
        return (inside + outside) / 2

    low = 0.0 if rejected(0.0) is False else boundary(p, 0.0)
    high = 1.0 if rejected(1.0) is False else boundary(p, 1.0)
    return low, high


def test_z_for_95_percent_is_the_normal_quantile() -> None:
    assert normal_quantile(0.95) == pytest.approx(Z95, abs=1e-12)


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Hand-checked with z = 1.959964: d = 1 + z²/n, centre = (p̂ + z²/2n)/d,
        # half-width = z·√(p̂(1-p̂)/n + z²/4n²)/d.
        (32, 48, 0.525401, 0.783232),  # UK: centre 0.654317, half-width 0.128916
        (118, 148, 0.725392, 0.854160),  # Turkey: centre 0.789776, half-width 0.064384
        (0, 10, 0.0, 0.277533),
        (10, 10, 0.722467, 1.0),
    ],
)
def test_interval_equals_hand_checked_values(successes: int, trials: int, low: float, high: float) -> None:
    interval = wilson_interval(successes, trials)
    assert interval.low == pytest.approx(low, abs=5e-7)
    assert interval.high == pytest.approx(high, abs=5e-7)


@pytest.mark.parametrize(("successes", "trials"), [(32, 48), (118, 148), (1, 3), (5, 1000), (999, 1000)])
def test_closed_formula_equals_inverted_score_test(successes: int, trials: int) -> None:
    interval = wilson_interval(successes, trials)
    low, high = score_test_bounds(successes, trials, Z95)
    assert interval.low == pytest.approx(low, abs=1e-12)
    assert interval.high == pytest.approx(high, abs=1e-12)


def test_interval_contains_the_observed_proportion_and_is_not_symmetric() -> None:
    interval = wilson_interval(32, 48)
    assert interval.low < 32 / 48 < interval.high
    # Wilson pulls the interval towards one half, unlike the Wald interval p̂ ± z·√(p̂(1-p̂)/n).
    wald_half_width = Z95 * math.sqrt((2 / 3) * (1 / 3) / 48)
    assert interval.high - 32 / 48 < wald_half_width < 32 / 48 - interval.low


def test_none_and_all_give_exact_zero_and_one() -> None:
    assert wilson_interval(0, 48).low == 0.0
    assert wilson_interval(48, 48).high == 1.0
    assert 0 < wilson_interval(0, 48).high < 0.1
    assert 0.9 < wilson_interval(48, 48).low < 1


@pytest.mark.parametrize(("successes", "trials"), [(0, 0), (1, 0), (-1, 5), (6, 5)])
def test_no_interval_without_a_proportion(successes: int, trials: int) -> None:
    with pytest.raises(ValueError, match="no proportion"):
        wilson_interval(successes, trials)


def test_other_confidence_levels_widen_and_narrow_the_interval() -> None:
    narrow, usual, wide = (wilson_interval(32, 48, confidence=level) for level in (0.8, 0.95, 0.99))
    assert wide.low < usual.low < narrow.low < narrow.high < usual.high < wide.high
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(32, 48, confidence=1.0)
