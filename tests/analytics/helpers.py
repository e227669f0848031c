"""Synthetic coded facts for the analytics tests."""

from typing import Any

from longarm.analytics.services import SyntheticFact, facts_insert_synthetic


def facts(count: int = 1, **values: Any) -> None:
    """Store ``count`` identical facts."""
    facts_insert_synthetic([SyntheticFact(**values)] * count)
