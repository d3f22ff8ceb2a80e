"""Pages of the account's customer codes: list, link (with proof), detail, unlink."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cskh.core.errors import DomainError, InvalidInput
from cskh.core.forms import add_errors
from cskh.core.http import client_ip
from cskh.customers import forms, queries, services
from cskh.customers.models import CustomerLink


def _show_error(form, error: DomainError) -> None:
    if isinstance(error, InvalidInput):
        add_errors(form, error)
    else:
        form.add_error(None, str(error.message))


def _linked(request, link: CustomerLink):
    messages.success(
        request, _("%(code)s is linked to your account.") % {"code": link.customer.code}
    )
    return redirect("web:home")


@login_required
def link_list(request):
    return render(request, "customers/list.html", {"links": queries.links_of(request.user)})


@login_required
def link_start(request):
    form = forms.LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data, account, now = form.cleaned_data, request.user, timezone.now()
        try:
            if data["relation"] == CustomerLink.Relation.OTHER:
                link = services.link_other(
                    account=account,
                    code=data["code"],
                    meter_number=data["meter_number"],
                    nickname=data["nickname"],
                    now=now,
                )
            elif data["method"] == forms.LinkForm.Method.CCCD:
                link = services.link_holder_by_cccd(
                    account=account, code=data["code"], nickname=data["nickname"], now=now
                )
            else:
                masked = services.start_holder_link(
                    account=account, code=data["code"], ip=client_ip(request), now=now
                )
                request.session["link_pending"] = {
                    "code": data["code"],
                    "nickname": data["nickname"],
                    "phone": masked,
                }
                messages.success(request, services.otp_sent_message(masked))
                return redirect("customers:link_verify")
        except DomainError as error:
            _show_error(form, error)
        else:
            return _linked(request, link)
    return render(request, "customers/link.html", {"form": form})


@login_required
def link_verify(request):
    pending = request.session.get("link_pending")
    if not pending:
        return redirect("customers:link")
    form = forms.LinkVerifyForm(request.POST or None, initial={"nickname": pending["nickname"]})
    if request.method == "POST" and form.is_valid():
        try:
            link = services.verify_holder_link(
                account=request.user,
                code=pending["code"],
                otp=form.cleaned_data["otp"],
                nickname=form.cleaned_data["nickname"],
                ip=client_ip(request),
                now=timezone.now(),
            )
        except DomainError as error:
            _show_error(form, error)
        else:
            del request.session["link_pending"]
            return _linked(request, link)
    return render(request, "customers/link_verify.html", {"form": form, "pending": pending})


def _own_link(request, code: str) -> CustomerLink:
    link = queries.link_of(request.user, code.upper())
    if link is None:
        raise Http404(_("This customer code is not linked to your account."))
    return link


@login_required
def link_detail(request, code: str):
    link = _own_link(request, code)
    form = forms.LinkUpdateForm(
        request.POST or None, initial={"nickname": link.nickname, "default": link.is_default}
    )
    if request.method == "POST" and form.is_valid():
        services.update_link(
            account=request.user,
            code=link.customer.code,
            nickname=form.cleaned_data["nickname"],
            make_default=form.cleaned_data["default"],
        )
        messages.success(request, _("Saved."))
        return redirect("customers:detail", code=link.customer.code)
    return render(
        request,
        "customers/detail.html",
        {"link": link, "customer": queries.detail(link, today=timezone.localdate()), "form": form},
    )


@login_required
def link_remove(request, code: str):
    link = _own_link(request, code)
    if request.method == "POST":
        services.unlink(account=request.user, code=link.customer.code)
        messages.success(
            request,
            _("%(code)s is no longer linked to your account.") % {"code": link.customer.code},
        )
        return redirect("customers:list")
    return render(request, "customers/unlink.html", {"link": link})
