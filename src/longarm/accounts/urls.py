from django.urls import path

from longarm.accounts import passkey_views, staff_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("login/passkey/", passkey_views.passkey_login_options_view, name="passkey_login_options"),
    path("security/", passkey_views.security, name="security"),
    path("security/passkey/", passkey_views.passkey_registration_options_view, name="passkey_options"),
    path(
        "security/passkey/<int:passkey_id>/remove/", passkey_views.passkey_remove_view, name="passkey_remove"
    ),
    path("second-factors/", passkey_views.second_factors, name="second_factors"),
    path(
        "staff/<int:staff_id>/passkeys/remove/",
        passkey_views.staff_passkeys_remove,
        name="staff_passkeys_remove",
    ),
    path("staff/<int:staff_id>/offboard/", views.staff_offboard_view, name="staff_offboard"),
    path("staff/new/", staff_views.staff_add, name="staff_add"),
    path("staff/<int:staff_id>/", staff_views.staff_member_view, name="staff_member"),
    path("staff/<int:staff_id>/role/", staff_views.staff_role, name="staff_role"),
    path("staff/<int:staff_id>/second-factor/", staff_views.staff_second_factor, name="staff_second_factor"),
    path("approvals/", staff_views.approvals, name="approvals"),
    path(
        "approvals/<uuid:public_id>/approve/",
        staff_views.approval_decide,
        {"decision": "approve"},
        name="approval_approve",
    ),
    path(
        "approvals/<uuid:public_id>/reject/",
        staff_views.approval_decide,
        {"decision": "reject"},
        name="approval_reject",
    ),
    path("enrol/<str:token>/", staff_views.enrol, name="enrol"),
]
