"""The frozen content of a release, and its CSV and JSON downloads (schema in ``docs/open-data.md``).

A table's content holds the protected numbers only; ``None`` (JSON ``null``, an empty CSV field) marks a
suppressed cell or total. Codes are the taxonomy's, never labels, so files merge across languages.
"""

import csv
import io
import json
from typing import Any, Final

from longarm.analytics.tables import ProtectedTable

TABLE_SCHEMA: Final = "longarm-table/1"
TOTAL: Final = "total"

type Content = dict[str, Any]


def table_content(
    protected: ProtectedTable,
    *,
    filters: dict[str, str],
    mechanism: str,
    epsilon: float | None,
    delta: float | None,
) -> Content:
    return {
        "schema": TABLE_SCHEMA,
        "unit": protected.unit,
        "row_dimension": protected.row_dimension,
        "column_dimension": protected.column_dimension,
        "rows": list(protected.rows),
        "columns": list(protected.columns),
        "cells": [list(row) for row in protected.cells],
        "row_totals": list(protected.row_totals),
        "column_totals": list(protected.column_totals),
        "grand_total": protected.grand_total,
        "threshold": protected.threshold,
        "noise": {"mechanism": mechanism, "epsilon": epsilon, "delta": delta},
        "filters": filters,
    }


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def table_csv(content: Content) -> str:
    """One line per row code: the row code, one field per column code, then the row total; a last line of
    column totals and the grand total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    one_way = content["column_dimension"] is None
    columns = [] if one_way else list(content["columns"])
    writer.writerow([content["row_dimension"], *columns, TOTAL])
    for code, cells, total in zip(content["rows"], content["cells"], content["row_totals"], strict=True):
        writer.writerow([code, *([] if one_way else [_cell(value) for value in cells]), _cell(total)])
    footer = [] if one_way else [_cell(value) for value in content["column_totals"]]
    writer.writerow([TOTAL, *footer, _cell(content["grand_total"])])
    return out.getvalue()


def open_data_csv(content: Content) -> str:
    """One line per record; lists are joined with ``;`` and an absent value is an empty field."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    fields = list(content["fields"])
    writer.writerow(fields)
    for record in content["records"]:
        writer.writerow(
            [
                ";".join(value) if isinstance(value, list) else _boolean(value)
                for value in (record[name] for name in fields)
            ]
        )
    return out.getvalue()


def _boolean(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _cell(value)


def as_json(content: Content) -> str:
    return json.dumps(content, ensure_ascii=False, indent=1, sort_keys=True)
