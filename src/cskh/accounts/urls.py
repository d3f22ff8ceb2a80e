from django.urls import path

from cskh.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register_start, name="register"),
    path("register/verify/", views.register_verify, name="register_verify"),
    path("password/forgot/", views.password_forgot, name="password_forgot"),
    path("password/forgot/verify/", views.password_forgot_verify, name="password_forgot_verify"),
    path("language/", views.set_language, name="language"),
    path("terms/", views.legal, {"kind": "TERMS"}, name="terms"),
    path("privacy/", views.legal, {"kind": "PRIVACY"}, name="privacy"),
    path("account/", views.account_menu, name="menu"),
    path("account/profile/", views.profile, name="profile"),
    path("account/phone/", views.phone_change, name="phone_change"),
    path("account/phone/verify/", views.phone_change_verify, name="phone_change_verify"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/data/", views.my_data, name="my_data"),
    path("account/data/download/", views.my_data_download, name="my_data_download"),
    path("account/delete/", views.delete_account, name="delete"),
]
