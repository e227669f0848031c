"""Associated data of a referral's ciphertexts, so none can be moved to another referral or field."""

from longarm.cases.keys import case_context
from longarm.cases.models import Referral


def details_context(referral: Referral) -> bytes:
    return case_context(referral.case.public_id, f"referral {referral.public_id} details")


def identity_context(referral: Referral) -> bytes:
    return case_context(referral.case.public_id, f"referral {referral.public_id} identity")


def event_context(referral: Referral, event_id: int) -> bytes:
    return case_context(referral.case.public_id, f"referral {referral.public_id} event {event_id}")
