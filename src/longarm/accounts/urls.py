from django.urls import path

from longarm.accounts import staff_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.password_change, name="password_change"),
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
