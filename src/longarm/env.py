"""Typed readers for configuration from the environment.

Every option Longarm has is read here, through these helpers, so that a bad value fails loudly at start-up
rather than half-working. Any option ``NAME`` may instead be given as ``NAME_FILE`` pointing at a file that
holds the value (for secrets handed over by an orchestrator).
"""

import difflib
import os
import re
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


# Every name asked of the environment by this process: what `longarm doctor` compares the environment with.
ASKED: set[str] = set()


def _raw(name: str) -> str | None:
    ASKED.add(name)
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE points at {file_name!r}, which cannot be read: {error}"
            ) from error
    return os.environ.get(name)


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None or value == "" else value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value.strip().lower()


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/yes/no/1/0/on/off, not {value!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from error
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from error
    if not number >= minimum or number == float("inf"):
        raise ImproperlyConfigured(f"{name} must be a finite number of at least {minimum}, not {value!r}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name: str, default: list[str]) -> list[IPv4Network | IPv6Network]:
    """Comma-separated addresses or CIDR networks; a single address is a network of one."""
    value = _raw(name)
    items = default if value is None or value.strip() == "" else value.split(",")
    networks = []
    for item in (item.strip() for item in items if item.strip()):
        try:
            networks.append(ip_network(item, strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(f"{name} must list IP addresses or networks, not {item!r}") from error
    return networks


def env_path(name: str, default: Path) -> Path:
    value = _raw(name)
    return (Path(value) if value else default).expanduser().resolve()


_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PREFIX_PART = re.compile(r"^[A-Za-z0-9._-]+$")


def env_bucket_url(name: str) -> tuple[str, str] | None:
    """An ``s3://bucket/optional/prefix`` URL as its bucket and its prefix (ending in ``/``, or empty), or
    None when the option is not set."""
    value = (_raw(name) or "").strip()
    if not value:
        return None
    scheme, _, rest = value.partition("://")
    bucket, _, prefix = rest.partition("/")
    parts = [part for part in prefix.split("/") if part]
    if (
        scheme.lower() != "s3"
        or not _BUCKET.fullmatch(bucket)
        or any(not _PREFIX_PART.fullmatch(part) or part in {".", ".."} for part in parts)
    ):
        raise ImproperlyConfigured(
            f"{name} must be s3://bucket or s3://bucket/prefix (a bucket name of lower-case letters, "
            f"digits, dots and hyphens; a prefix of letters, digits, dots, hyphens and underscores), "
            f"not {value!r}"
        )
    return bucket, "".join(f"{part}/" for part in parts)


def unread_longarm_variables() -> list[str]:
    """``LONGARM_*`` variables set in the environment that no setting asked for (misspelt, or meant for a
    configuration not in use), in the order of their names."""
    unread = []
    for name in sorted(os.environ):
        base = name.removesuffix("_FILE")
        if name.startswith("LONGARM_") and base not in ASKED:
            unread.append(name)
    return unread


def closest_longarm_variable(name: str) -> str | None:
    """The variable a setting asked for that ``name`` most likely misspells, if one is close enough."""
    base = name.removesuffix("_FILE")
    matches = difflib.get_close_matches(base, sorted(ASKED), n=1, cutoff=0.8)
    if not matches:
        return None
    return matches[0] + ("_FILE" if name.endswith("_FILE") else "")
