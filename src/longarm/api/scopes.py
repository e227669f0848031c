"""What a token may do: read, or read and write, each kind of resource the API serves (issue 18).

A scope is ``<resource>:<access>``; ``write`` includes ``read``. Every API operation declares the one scope
it needs (``longarm.api.auth.scoped``), and the OpenAPI schema lists it in the operation's security
requirement, so that a client can ask for a token holding exactly what it uses.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Resource(models.TextChoices):
    REPORTS = "reports", _("Reports")
    MESSAGES = "messages", _("Messages with reporters")
    CASES = "cases", _("Cases")
    INCIDENTS = "incidents", _("Incidents")
    PERSONS = "persons", _("Persons")
    REFERRALS = "referrals", _("Referrals")
    IDENTIFIERS = "identifiers", _("Identifiers")
    LINKS = "links", _("Links and clusters")
    SEARCH = "search", _("Search")


class Access(StrEnum):
    READ = "read"
    WRITE = "write"


# The resources the API can change; the others are read-only whatever a token holds.
WRITABLE = frozenset(
    {
        Resource.MESSAGES,
        Resource.CASES,
        Resource.INCIDENTS,
        Resource.PERSONS,
        Resource.IDENTIFIERS,
        Resource.REFERRALS,
    }
)


@dataclass(frozen=True)
class Scope:
    resource: Resource
    access: Access

    def __str__(self) -> str:
        return f"{self.resource.value}:{self.access.value}"


def all_scopes() -> list[str]:
    """Every scope a token can hold: read on every resource, write on the writable ones."""
    return [
        str(Scope(resource, access))
        for resource in Resource
        for access in Access
        if access == Access.READ or resource in WRITABLE
    ]


def read_only_scopes() -> list[str]:
    return [str(Scope(resource, Access.READ)) for resource in Resource]


def scope_granted(held: list[str], needed: Scope) -> bool:
    """Whether a token holding ``held`` may perform an operation needing ``needed``."""
    if str(needed) in held:
        return True
    return needed.access == Access.READ and str(Scope(needed.resource, Access.WRITE)) in held


def valid_scopes(scopes: list[str]) -> bool:
    return set(scopes) <= set(all_scopes())
