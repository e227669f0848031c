"""Commands run inside another deployment's own process, database and keyring (see ``deployments.py``):
``python -m tests.federation.remote COMMAND JSON``. Prints one line of JSON."""

import json
import sys
from types import SimpleNamespace
from typing import Any


def _seed(spec: dict[str, Any]) -> dict[str, Any]:
    from longarm.accounts.models import Role
    from longarm.accounts.services import staff_create
    from longarm.core.keyring import current_keyring
    from longarm.federation.wire import b64
    from tests.cases.helpers import opened_case
    from tests.conftest import STAFF_PASSWORD
    from tests.linking.match_helpers import add

    caseworker = staff_create(
        username="remote-casey", password=STAFF_PASSWORD, role=Role.CASEWORKER, receives_new_reports=True
    ).user
    staff_create(username="remote-adam", password=STAFF_PASSWORD, role=Role.ADMIN)
    cast: Any = SimpleNamespace(caseworker=caseworker)
    case = opened_case(cast)
    for kind, value in spec["identifiers"]:
        add(case, caseworker, kind, value)
    return {"public_key": b64(current_keyring().signing_public_key)}


def _partner(spec: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    from longarm.federation.models import Partnership
    from longarm.federation.wire import unb64

    now = timezone.now()
    terms = dict(spec)
    terms["public_key"] = unb64(terms["public_key"])
    Partnership.objects.update_or_create(
        name=terms.pop("name"), defaults={**terms, "created_at": now, "changed_at": now}
    )
    return {}


def _run(spec: dict[str, Any]) -> dict[str, Any]:
    from longarm.federation.client import federation_run
    from longarm.federation.exceptions import RunRefused
    from longarm.federation.models import Partnership

    try:
        result = federation_run(partnership=Partnership.objects.get(name=spec["partner"]), actor=None)
    except RunRefused as error:
        return {"refused": error.code}
    return {"common": result.figures.common, "found": _found(spec["partner"])}


def _found(partner: str) -> list[str]:
    """The canonical keys of our identifiers that the latest run with ``partner`` found."""
    from longarm.cases.models import Identifier
    from longarm.crypto.envelopes import decrypt
    from longarm.federation.keyset import federation_key, offered_context
    from longarm.federation.selectors import findings_for

    key = federation_key()
    identifiers = list(Identifier.objects.all())
    found = findings_for(identifiers)
    values = set()
    for identifier in identifiers:
        if any(item.partnership.name == partner for item in found.get(identifier.pk, [])):
            for row in identifier.offered_keys.all():
                values.add(decrypt(key, bytes(row.ciphertext), context=offered_context(identifier)).decode())
    return sorted(values)


def _messages(spec: dict[str, Any]) -> dict[str, Any]:
    from longarm.audit.models import AuditEvent
    from longarm.federation.selectors import partner_messages

    return {
        "messages": [
            {"partner": item.message.partnership.name, "content": item.content} for item in partner_messages()
        ],
        "runs_answered": AuditEvent.objects.filter(action="federation.answered:done").count(),
    }


COMMANDS = {"seed": _seed, "partner": _partner, "run": _run, "messages": _messages}


def main() -> None:
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    # The test client that submits the seed report speaks as "testserver".
    setup_test_environment()
    command, spec = sys.argv[1], json.loads(sys.argv[2])
    sys.stdout.write(json.dumps(COMMANDS[command](spec)) + "\n")


if __name__ == "__main__":
    main()
