"""Account pages. Each view validates a form, calls one service, and renders."""

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cskh.accounts import forms, services
from cskh.accounts.models import LegalDocument
from cskh.core import codes
from cskh.core.errors import DomainError, InvalidInput
from cskh.core.forms import add_errors
from cskh.core.http import client_ip, json_attachment


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _fail(form, error: DomainError) -> None:
    if isinstance(error, InvalidInput):
        add_errors(form, error)
    else:
        form.add_error(None, str(error.message))


def login_view(request):
    if request.user.is_authenticated:
        return redirect("web:home")
    form = forms.LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login(
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            auth_login(request, user)
            return redirect(_safe_next(request, reverse("web:home")))
    return render(
        request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")}
    )


@require_POST
def logout_view(request):
    auth_logout(request)
    messages.success(request, _("You have logged out."))
    return redirect("web:home")


def _otp_step(request, *, session_key: str, start, next_url: str, template: str, context):
    """First step of a code-by-SMS flow: a phone number, then on to the code page."""
    form = forms.PhoneForm(request.POST or None, initial={"phone": request.GET.get("phone", "")})
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            start(phone=phone, ip=client_ip(request), now=timezone.now())
        except DomainError as error:
            _fail(form, error)
        else:
            request.session[session_key] = phone
            messages.success(
                request, _("If this number can receive SMS, a code has been sent to it.")
            )
            return redirect(next_url)
    return render(request, template, {"form": form, **context})


def register_start(request):
    if request.user.is_authenticated:
        return redirect("web:home")
    return _otp_step(
        request,
        session_key="register_phone",
        start=services.start_registration,
        next_url="accounts:register_verify",
        template="accounts/register.html",
        context={},
    )


def register_verify(request):
    phone = request.session.get("register_phone")
    if not phone:
        return redirect("accounts:register")
    form = forms.RegisterVerifyForm(request.POST or None, initial={"phone": phone})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.complete_registration(
                phone=phone,
                otp=data["otp"],
                full_name=data["full_name"],
                password=data["password"],
                accept_terms=data["accept_terms"],
                language=translation.get_language(),
                ip=client_ip(request),
                now=timezone.now(),
            )
        except DomainError as error:
            _fail(form, error)
        else:
            del request.session["register_phone"]
            auth_login(request, user)
            messages.success(
                request,
                _(
                    "Your account is ready. Link your customer code to follow your "
                    "electricity use here."
                ),
            )
            return redirect("web:home")
    return render(
        request,
        "accounts/register_verify.html",
        {"form": form, "phone": codes.national_phone(phone)},
    )


def password_forgot(request):
    return _otp_step(
        request,
        session_key="reset_phone",
        start=services.start_password_reset,
        next_url="accounts:password_forgot_verify",
        template="accounts/password_forgot.html",
        context={},
    )


def password_forgot_verify(request):
    phone = request.session.get("reset_phone")
    if not phone:
        return redirect("accounts:password_forgot")
    form = forms.PasswordResetVerifyForm(request.POST or None, initial={"phone": phone})
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_password_reset(
                phone=phone,
                otp=form.cleaned_data["otp"],
                new_password=form.cleaned_data["new_password"],
                ip=client_ip(request),
                now=timezone.now(),
            )
        except DomainError as error:
            _fail(form, error)
        else:
            del request.session["reset_phone"]
            messages.success(
                request, _("Your password has been changed. Log in with the new password.")
            )
            return redirect("accounts:login")
    return render(
        request,
        "accounts/password_forgot_verify.html",
        {"form": form, "phone": codes.national_phone(phone)},
    )


@require_POST
def set_language(request):
    form = forms.LanguageForm(request.POST)
    response = redirect(_safe_next(request, reverse("web:home")))
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            services.set_language(user=request.user, language=language)
        response.set_cookie(
            "cskh_language", language, max_age=60 * 60 * 24 * 365, samesite="Lax", httponly=True
        )
    return response


def legal(request, kind: str):
    document = LegalDocument.in_force(kind, today=timezone.localdate())
    return render(
        request,
        "accounts/legal.html",
        {
            "document": document,
            "body": document.body(translation.get_language()) if document else "",
            "heading": LegalDocument.Kind(kind).label,
        },
    )


@login_required
def account_menu(request):
    return render(request, "accounts/menu.html")


@login_required
def profile(request):
    user = request.user
    initial = {"full_name": user.full_name, "email": user.email, "language": user.language}
    form = forms.ProfileForm(request.POST or None, initial=initial)
    if user.cccd:
        form.fields["cccd"].help_text = _("Leave empty to keep the number you saved.")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.update_profile(
            user=user,
            full_name=data["full_name"],
            cccd=data["cccd"] or user.cccd,
            email=data["email"],
            language=data["language"],
        )
        messages.success(request, _("Your profile has been saved."))
        response = redirect("accounts:profile")
        response.set_cookie("cskh_language", user.language, max_age=60 * 60 * 24 * 365)
        return response
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "phone": codes.national_phone(user.phone),
            "cccd_masked": codes.mask_cccd(user.cccd) if user.cccd else "",
        },
    )


@login_required
def phone_change(request):
    def start(*, phone, ip, now):
        services.start_phone_change(user=request.user, new_phone=phone, ip=ip, now=now)

    return _otp_step(
        request,
        session_key="new_phone",
        start=start,
        next_url="accounts:phone_change_verify",
        template="accounts/phone_change.html",
        context={"phone": codes.national_phone(request.user.phone)},
    )


@login_required
def phone_change_verify(request):
    phone = request.session.get("new_phone")
    if not phone:
        return redirect("accounts:phone_change")
    form = forms.PhoneChangeVerifyForm(request.POST or None, initial={"phone": phone})
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_phone_change(
                user=request.user,
                new_phone=phone,
                otp=form.cleaned_data["otp"],
                ip=client_ip(request),
                now=timezone.now(),
            )
        except DomainError as error:
            _fail(form, error)
        else:
            del request.session["new_phone"]
            messages.success(request, _("Your phone number has been changed."))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/phone_change_verify.html",
        {"form": form, "phone": codes.national_phone(phone)},
    )


@login_required
def password_change(request):
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                now=timezone.now(),
            )
        except DomainError as error:
            _fail(form, error)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(
                request, _("Your password has been changed. Your other devices are logged out.")
            )
            return redirect("accounts:menu")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def my_data(request):
    return render(request, "accounts/my_data.html")


@login_required
def my_data_download(request):
    data = services.export_personal_data(user=request.user, now=timezone.now())
    return json_attachment(data, services.EXPORT_FILENAME)


@login_required
def delete_account(request):
    form = forms.DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_current_password(
                user=request.user, password=form.cleaned_data["password"], field="password"
            )
        except DomainError as error:
            _fail(form, error)
        else:
            services.delete_account(user=request.user, now=timezone.now())
            auth_logout(request)
            messages.success(request, _("Your account and its data have been deleted."))
            return redirect("web:home")
    return render(request, "accounts/delete.html", {"form": form})
