"""The reporter's answers as one value: what goes under the report key, what under the identity key, and
which coarse codes may stand in clear."""

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class IncidentDate:
    year: int | None
    month: int | None
    day: int | None
    approximate: bool

    @property
    def precision(self) -> str:
        if self.year is None:
            return "unknown"
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"


@dataclass(frozen=True)
class Perpetrators:
    names: str = ""
    phone_numbers: str = ""
    wechat_ids: str = ""
    badge_numbers: str = ""
    other: str = ""


@dataclass(frozen=True)
class ReportAnswers:
    what_happened: str
    incident_date: IncidentDate
    host_country: str
    host_region: str
    actor_types: tuple[str, ...]
    channels: tuple[str, ...]
    tactics: tuple[str, ...]
    tactic_other: str
    community: str
    perpetrators: Perpetrators = field(default_factory=Perpetrators)
    # Under the identity key (DESIGN §3): never visible to caseworkers without a custodian's approval.
    relatives_at_risk: str = ""
    contact: str = ""

    def content(self) -> dict[str, Any]:
        """Everything sealed under the report's data key."""
        data = asdict(self)
        del data["relatives_at_risk"], data["contact"]
        return data

    def identity(self) -> dict[str, Any]:
        """What is sealed under the identity key."""
        return {"relatives_at_risk": self.relatives_at_risk, "contact": self.contact}
