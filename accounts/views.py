from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse_lazy

from bookings.dashboard import booker_dashboard
from certification.policy import is_moderator, is_qa_office, visible_enrolments, visible_visits

from .forms import SignInForm
from .roles import ADMIN_ROLES


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    template_name = "accounts/signed_out.html"
    next_page = None


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/emails/password_reset.txt"
    subject_template_name = "accounts/emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-sent")


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
def account(request):
    roles = request.user.role_names
    return render(
        request,
        "accounts/account.html",
        {
            "roles": roles,
            "uses_admin": request.user.is_superuser or any(r in ADMIN_ROLES for r in roles),
            "bookings": booker_dashboard(request.user),
            "has_portfolios": is_moderator(request.user)
            or visible_enrolments(request.user).exists(),
            "is_participant": request.user.enrolments.exists(),
            "has_visits": is_qa_office(request.user) or visible_visits(request.user).exists(),
        },
    )
