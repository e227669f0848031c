from uuid import UUID

from django.http import Http404

from longarm.accounts.models import StaffUser
from longarm.cases.models import Attestation
from longarm.cases.selectors import case_for_user


def attestation_for_member(*, user: StaffUser, case_id: UUID, reference: str) -> Attestation:
    """An attestation of a case ``user`` is a member of; 404 otherwise."""
    case = case_for_user(user=user, public_id=case_id)
    attestation = Attestation.objects.filter(case=case, reference=reference).select_related("case").first()
    if attestation is None:
        raise Http404
    return attestation
