from django.urls import path

from longarm.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("staff/<int:staff_id>/offboard/", views.staff_offboard_view, name="staff_offboard"),
]
