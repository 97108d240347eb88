from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from cryocare.views import health, session_keepalive
from sessions.views import home

urlpatterns = [
    path("", home.home, name="home"),
    path("health/", health, name="health"),
    path("accounts/login/", login_not_required(auth_views.LoginView.as_view()), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/session/", session_keepalive, name="session_keepalive"),
    path("admin/", admin.site.urls),
    path("patients/", include("patients.urls")),
    # These apps' urls.py give their full paths: sessions serves /patients/<id>/ and /schedule/...,
    # clinic and documents serve pages under /schedule/ too.
    path("", include("protocols.urls")),
    path("", include("sessions.urls")),
    path("", include("clinic.urls")),
    path("", include("documents.urls")),
    path("", include("notifications.urls")),
    path("", include("outcomes.urls")),
    path("", include("exchange.urls")),
]

handler403 = "cryocare.views.permission_denied"
handler404 = "cryocare.views.page_not_found"
