"""An intruder's audit: how tightly do the published numbers bound each suppressed value?

The intruder knows every published cell and total, that totals are sums, and that counts are non-negative.
For each suppressed entry a linear programme finds its smallest and largest feasible value. The constraint
matrix of a two-way table with margins is totally unimodular, so these bounds are also the integer bounds.
"""

import math

from scipy.optimize import linprog  # type: ignore[import-untyped]  # scipy ships no type stubs

from longarm.analytics.publication.disclosure import extended_values
from longarm.analytics.tables import CountTable, ProtectedTable


def published_extended(protected: ProtectedTable) -> list[list[int | None]]:
    rows = [[*cells, total] for cells, total in zip(protected.cells, protected.row_totals, strict=True)]
    rows.append([*protected.column_totals, protected.grand_total])
    return rows


def feasible_intervals(protected: ProtectedTable) -> dict[tuple[int, int], tuple[float, float]]:
    """The feasible interval of every suppressed entry of the extended table (``math.inf`` if unbounded)."""
    table = published_extended(protected)
    height, width = len(table), len(table[0])
    unknown = [(i, j) for i in range(height) for j in range(width) if table[i][j] is None]
    if not unknown:
        return {}
    index = {entry: k for k, entry in enumerate(unknown)}
    equalities: list[list[float]] = []
    constants: list[float] = []

    def line(entries: list[tuple[int, int]], total: tuple[int, int]) -> None:
        # sum(entries) - total == 0, with published values moved to the right-hand side.
        coefficients = [0.0] * len(unknown)
        constant = 0.0
        for entry, sign in [*((e, 1.0) for e in entries), (total, -1.0)]:
            value = table[entry[0]][entry[1]]
            if value is None:
                coefficients[index[entry]] += sign
            else:
                constant -= sign * value
        if any(coefficients):
            equalities.append(coefficients)
            constants.append(constant)
        else:
            assert constant == 0, "published numbers must add up"

    for i in range(height):
        line([(i, j) for j in range(width - 1)], (i, width - 1))
    for j in range(width):
        line([(i, j) for i in range(height - 1)], (height - 1, j))

    intervals = {}
    for entry, k in index.items():
        bounds = []
        for sign in (1.0, -1.0):
            objective = [0.0] * len(unknown)
            objective[k] = sign
            result = linprog(
                objective,
                A_eq=equalities or None,
                b_eq=constants or None,
                bounds=[(0, None)] * len(unknown),
                method="highs",
            )
            if result.status == 3:
                bounds.append(math.inf)
            else:
                assert result.status == 0, result.message
                bounds.append(sign * result.fun)
        intervals[entry] = (bounds[0], bounds[1])
    return intervals


def true_extended(table: CountTable) -> list[list[int]]:
    return extended_values(table)
