from django.urls import path

from longarm.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report_step, name="report_new"),
    path("report/sent/", views.report_sent, name="report_sent"),
    path("report/<slug:slug>/", views.report_step, name="report_step"),
    path("mailbox/", views.mailbox_login, name="mailbox_login"),
    path("mailbox/report/", views.mailbox, name="mailbox"),
    path("mailbox/files/", views.mailbox_files, name="mailbox_files"),
    path("mailbox/leave/", views.mailbox_leave, name="mailbox_leave"),
]
