"""Console URLs of referrals, protection, identity custody and dossiers, included by cases/urls.py."""

from django.urls import path

from longarm.cases.attestations import views as attestations
from longarm.cases.disclosure import views as disclosure
from longarm.cases.dossier import views as dossier
from longarm.cases.referrals import views as referrals

urlpatterns = [
    path("cases/<uuid:case_id>/referrals/", referrals.case_referrals, name="referrals"),
    path("cases/<uuid:case_id>/referrals/new/<slug:kind>/", referrals.referral_new, name="referral_new"),
    path("cases/<uuid:case_id>/referrals/<uuid:referral_id>/", referrals.referral_detail, name="referral"),
    path("cases/<uuid:case_id>/referrals/<uuid:referral_id>/dossier/", dossier.dossier, name="dossier"),
    path(
        "cases/<uuid:case_id>/referrals/<uuid:referral_id>/dossier/request/",
        dossier.dossier_request,
        name="dossier_request",
    ),
    path("cases/<uuid:case_id>/do-not-remove/", referrals.case_do_not_remove, name="case_do_not_remove"),
    path("cases/<uuid:case_id>/attestations/new/", attestations.attestation_new, name="attestation_new"),
    path(
        "cases/<uuid:case_id>/attestations/<str:reference>/",
        attestations.attestation_letter,
        name="attestation",
    ),
    path(
        "cases/<uuid:case_id>/attestations/<str:reference>/revoke/",
        attestations.attestation_revoke_view,
        name="attestation_revoke",
    ),
    path("reports/<uuid:public_id>/disclosure/", disclosure.disclosure_new, name="disclosure_new"),
    path("disclosures/", disclosure.disclosure_queue, name="disclosure_queue"),
    path(
        "disclosures/<uuid:public_id>/approve/",
        disclosure.disclosure_decide,
        {"decision": "approve"},
        name="disclosure_approve",
    ),
    path(
        "disclosures/<uuid:public_id>/deny/",
        disclosure.disclosure_decide,
        {"decision": "deny"},
        name="disclosure_deny",
    ),
]
