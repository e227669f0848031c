"""Differentially private counts with OpenDP.

A table's cells are released as one noisy vector. Each unit (an incident) changes at most ``contributions``
cells by one (one cell, unless a dimension is multi-valued: an incident with three tactics counts in three
rows), so the vector's L1 sensitivity is ``contributions`` and its L2 sensitivity is at most
``ceil(sqrt(contributions))``. Laplace noise (OpenDP's discrete Laplace on integers) gives pure epsilon-DP;
Gaussian noise (discrete Gaussian) gives zero-concentrated DP, converted to (epsilon, delta) at the
configured delta so that one ledger can add both up (basic composition).

Totals are recomputed from the noisy cells and negative cells are clamped to zero: post-processing, which
costs no privacy. Disclosure control then runs on the noisy table, also post-processing, so which cells are
suppressed depends on the noisy counts only and leaks nothing more.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import opendp.prelude as dp

from longarm.analytics.tables import CountTable

dp.enable_features("contrib")


@dataclass(frozen=True)
class NoisyTable:
    table: CountTable
    # The privacy loss actually spent, as computed by OpenDP's privacy map.
    epsilon: float
    delta: float


def _domain_and_metric(*, gaussian: bool) -> tuple[dp.Domain, dp.Metric]:
    domain = dp.vector_domain(dp.atom_domain(T=int))
    metric = dp.l2_distance(T=int) if gaussian else dp.l1_distance(T=int)
    return domain, metric


def laplace_measurement(*, epsilon: float, contributions: int) -> dp.Measurement:
    domain, metric = _domain_and_metric(gaussian=False)
    # The discrete Laplace's privacy map is d_in / scale.
    return dp.m.make_laplace(
        domain, metric, scale=laplace_scale(epsilon=epsilon, contributions=contributions)
    )


def laplace_scale(*, epsilon: float, contributions: int) -> float:
    return contributions / epsilon


def _gaussian(*, delta: float) -> Callable[[float], dp.Measurement]:
    domain, metric = _domain_and_metric(gaussian=True)

    def measurement(scale: float) -> dp.Measurement:
        return dp.c.make_fix_delta(
            dp.c.make_zCDP_to_approxDP(dp.m.make_gaussian(domain, metric, scale)), delta
        )

    return measurement


def gaussian_scale(*, epsilon: float, delta: float, contributions: int) -> float:
    """The smallest discrete Gaussian scale OpenDP's privacy map accepts for (epsilon, delta)."""
    sensitivity = math.ceil(math.sqrt(contributions))
    return float(dp.binary_search_param(_gaussian(delta=delta), d_in=sensitivity, d_out=(epsilon, delta)))


def gaussian_measurement(*, epsilon: float, delta: float, contributions: int) -> dp.Measurement:
    return _gaussian(delta=delta)(gaussian_scale(epsilon=epsilon, delta=delta, contributions=contributions))


@dataclass(frozen=True)
class NoisePreview:
    """What noise a release would get, before any is drawn: the per-cell scale and the half-width of the
    interval that holds each noisy cell's distance from the true count with ``confidence``."""

    mechanism: str
    epsilon: float
    delta: float
    scale: float
    margin: float
    confidence: float


def noise_preview(
    *, mechanism: str, epsilon: float, delta: float = 0.0, contributions: int = 1, confidence: float = 0.95
) -> NoisePreview:
    """The noise ``noisy_counts`` would add with these parameters (same OpenDP scales), and its error margin
    from OpenDP's accuracy functions. Reads no data and spends no budget. Raises ``ValueError`` like
    ``noisy_counts``. Clamping negative cells to zero only moves them closer to the truth."""
    if not epsilon > 0 or math.isinf(epsilon):
        raise ValueError("Epsilon must be a positive number.")
    alpha = 1 - confidence
    if mechanism == "laplace":
        scale = laplace_scale(epsilon=epsilon, contributions=contributions)
        margin = float(dp.discrete_laplacian_scale_to_accuracy(scale, alpha))
        delta = 0.0
    elif mechanism == "gaussian":
        if not 0 < delta < 1:
            raise ValueError("Gaussian noise needs a delta between 0 and 1.")
        scale = gaussian_scale(epsilon=epsilon, delta=delta, contributions=contributions)
        margin = float(dp.discrete_gaussian_scale_to_accuracy(scale, alpha))
    else:
        raise ValueError(f"Unknown noise mechanism {mechanism!r}.")
    return NoisePreview(mechanism, epsilon, delta, scale, margin, confidence)


def noisy_counts(
    table: CountTable, *, mechanism: str, epsilon: float, delta: float = 0.0, contributions: int = 1
) -> NoisyTable:
    """The table with noise added to every cell and the privacy loss spent.

    ``mechanism`` is ``"laplace"`` or ``"gaussian"`` (which needs ``0 < delta < 1``). Raises ``ValueError``
    for anything else or a non-positive epsilon.
    """
    if not epsilon > 0 or math.isinf(epsilon):
        raise ValueError("Epsilon must be a positive number.")
    if contributions < 1:
        raise ValueError("Each unit contributes to at least one cell.")
    cells = [count for row in table.cells for count in row]
    if mechanism == "laplace":
        measurement = laplace_measurement(epsilon=epsilon, contributions=contributions)
        spent_epsilon, spent_delta = float(measurement.map(contributions)), 0.0  # type: ignore[no-untyped-call]  # unannotated
    elif mechanism == "gaussian":
        if not 0 < delta < 1:
            raise ValueError("Gaussian noise needs a delta between 0 and 1.")
        measurement = gaussian_measurement(epsilon=epsilon, delta=delta, contributions=contributions)
        spent_epsilon, spent_delta = (
            float(value)
            for value in measurement.map(math.ceil(math.sqrt(contributions)))  # type: ignore[no-untyped-call]
        )
    else:
        raise ValueError(f"Unknown noise mechanism {mechanism!r}.")
    noisy = [max(0, int(value)) for value in measurement(cells)] if cells else []
    width = len(table.columns)
    rows = tuple(tuple(noisy[i * width : (i + 1) * width]) for i in range(len(table.rows)))
    return NoisyTable(table=replace(table, cells=rows), epsilon=spent_epsilon, delta=spent_delta)
