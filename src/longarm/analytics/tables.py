"""Count tables: what every analytics query returns and what disclosure control protects.

A table counts units (incidents or reports) by one dimension (rows) or two (rows by columns). Cells are
additive: the row, column and grand totals are the sums of the cells, so that disclosure control can reason
about what totals reveal. A multi-valued dimension (an incident with two tactics) therefore counts mentions,
and the table says so in ``unit``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class CountTable:
    title: str
    # What one count is, e.g. "incidents" or "tactic mentions".
    unit: str
    row_dimension: str
    # Codes in display order; labels come from the taxonomy.
    rows: tuple[str, ...]
    column_dimension: str | None
    columns: tuple[str, ...]
    # cells[i][j] counts rows[i] by columns[j]; a one-way table has one column, ``columns == ("total",)``.
    cells: tuple[tuple[int, ...], ...]

    def row_totals(self) -> tuple[int, ...]:
        return tuple(sum(row) for row in self.cells)

    def column_totals(self) -> tuple[int, ...]:
        return tuple(sum(column) for column in zip(*self.cells, strict=True)) if self.cells else ()

    def grand_total(self) -> int:
        return sum(self.row_totals())


@dataclass(frozen=True)
class ProtectedTable:
    """A table after disclosure control: ``None`` marks a suppressed cell or total."""

    source_title: str
    unit: str
    row_dimension: str
    rows: tuple[str, ...]
    column_dimension: str | None
    columns: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    grand_total: int | None
    threshold: int
