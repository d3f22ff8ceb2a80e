"""The main journeys of a customer on a 360×800 phone, in Chromium.

The first page of the registration journey is checked in Vietnamese, the app's
default; the steps after it use English labels (the header button switches), so
the locators do not depend on the wording of the Vietnamese catalog."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from cskh.accounts.models import User
from cskh.customers.models import CustomerLink
from tests import factories
from tests.e2e.phone import expect_no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOT = settings.BASE_DIR / "var" / "e2e-home.png"


def expect_language(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)


def expect_every_control_labelled(page: Page) -> int:
    """Each visible form control in <main> has a <label>, and get_by_label with
    that label's text finds exactly this control. Returns how many were checked."""
    controls = page.locator("main").locator("input:not([type=hidden]), select, textarea")
    count = controls.count()
    for index in range(count):
        control = controls.nth(index)
        labels = control.evaluate("el => Array.from(el.labels, label => label.innerText.trim())")
        name = control.get_attribute("name")
        assert labels and labels[0], f"the {name!r} control has no label"
        found = page.get_by_label(labels[0], exact=True)
        expect(found).to_have_count(1)
        assert found.evaluate("(el, control) => el === control", control.element_handle()), (
            f"the label {labels[0]!r} does not name the {name!r} control"
        )
    return count


# ---------------------------------------------------------------- journey 1


def test_register_link_a_code_as_holder_and_see_it_on_home(page: Page, outbox):
    customer = factories.customer(
        code="PE0100123456",
        phone="+84912000123",
        name="Nguyễn Văn Bình",
        address="25 Nguyễn Huệ, Phường Sài Gòn, TP. Hồ Chí Minh",
    )

    # A visitor with a Vietnamese phone gets the app in Vietnamese.
    page.goto("/")
    expect_language(page, "vi")
    page.get_by_role("main").locator(f'a[href="{reverse("accounts:register")}"]').click()
    expect(page).to_have_url(re.compile(r"/register/$"))
    expect_language(page, "vi")

    # The header button switches to English on the same page.
    page.get_by_role("button", name="English").click()
    expect_language(page, "en")
    expect(page).to_have_url(re.compile(r"/register/$"))

    # Step 1: the phone number, written the way people write it.
    page.get_by_label("Mobile phone number").fill("0912 345 678")
    page.get_by_role("button", name="Send the code").click()
    expect(page).to_have_url(re.compile(r"/register/verify/$"))
    expect(page.get_by_role("status")).to_contain_text("a code has been sent")
    expect(page.get_by_role("main")).to_contain_text("0912 345 678")

    # Step 2: the code from the SMS, a name, a password and the consent.
    page.get_by_label("Code from the SMS").fill(outbox.last_code("+84912345678"))
    page.get_by_label("Full name").fill("Trần Thị Lan")
    page.get_by_label("Password").fill("Den-Sang-2025!")
    consent = page.get_by_label("I have read and accept the terms of use and the privacy notice.")
    expect(consent).not_to_be_checked()
    consent.check()
    page.get_by_role("button", name="Create my account").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Lan")
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")
    user = User.objects.get(phone="+84912345678")
    assert user.full_name == "Trần Thị Lan"
    assert user.consents.count() == 2

    # Link the customer code as its holder, proved by a code texted to the contract phone.
    page.get_by_role("link", name="Link a customer code").click()
    page.get_by_label("Customer code").fill("pe0100 123456")
    expect(page.get_by_label("Mine: the contract is in my name")).to_be_checked()
    page.get_by_label("A code sent by SMS to the phone on the contract").check()
    page.get_by_label("Nickname (optional)").fill("Nhà của tôi")
    page.get_by_role("button", name="Link", exact=True).click()

    expect(page).to_have_url(re.compile(r"/customers/link/verify/$"))
    expect(page.get_by_role("status")).to_contain_text("091****123")
    expect(page.get_by_label("Nickname (optional)")).to_have_value("Nhà của tôi")
    page.get_by_label("Code from the SMS").fill(outbox.last_code("+84912000123"))
    page.get_by_role("button", name="Confirm").click()

    # Home shows the code with its nickname and address.
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("status")).to_contain_text("PE0100123456 is linked to your account.")
    codes = page.get_by_role("list", name="Your customer codes")
    card = codes.get_by_role("link").filter(has_text="PE0100123456")
    expect(card).to_contain_text("Nhà của tôi")
    expect(card).to_contain_text(customer.address)
    expect(card).to_contain_text("Holder")
    link = CustomerLink.objects.get(account=user, customer=customer)
    assert (link.relation, link.proof, link.is_default) == (
        CustomerLink.Relation.OWNER,
        CustomerLink.Proof.CONTRACT_PHONE_OTP,
        True,
    )
    expect_no_horizontal_scroll(page)

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))


# ---------------------------------------------------------------- journey 2


def test_wrong_password_then_lockout(new_page):
    factories.account(phone="+84912000222")
    page = new_page(language="en")  # a Vietnamese phone, the app set to English
    page.goto(reverse("accounts:login"))
    expect_language(page, "en")
    phone, password = page.get_by_label("Mobile phone number"), page.get_by_label("Password")
    log_in = page.get_by_role("button", name="Log in")

    def attempt(secret: str) -> None:
        phone.fill("0912 000 222")
        password.fill(secret)
        log_in.click()
        expect(page.get_by_role("alert")).to_be_visible()

    for _ in range(settings.LOGIN_FAILURES_PER_PHONE - 1):
        attempt("not-my-password")
        expect(page.get_by_role("alert")).to_have_text("The phone number or the password is wrong.")
        expect(phone).to_have_value("0912 000 222")
        expect(password).to_have_value("")

    minutes = settings.LOGIN_LOCKOUT_SECONDS // 60
    locked = f"Too many failed logins. Try again in {minutes} minutes or reset your password."
    attempt("still-not-it")
    expect(page.get_by_role("alert")).to_have_text(locked)

    # While locked, even the right password is refused.
    attempt(factories.PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"Try again in \d+ minutes"))
    expect(page).to_have_url(re.compile(r"/login/$"))
    page.goto("/")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


# ---------------------------------------------------------------- journey 3


def test_switch_language_and_back(new_page, log_in):
    page = new_page()  # vi-VN
    page.goto("/")
    expect_language(page, "vi")
    account = page.get_by_role("navigation").locator(f'a[href="{reverse("accounts:menu")}"]')
    expect(account).to_be_visible()
    expect(page.get_by_role("link", name="Account", exact=True)).to_have_count(0)

    page.get_by_role("button", name="English").click()
    expect_language(page, "en")
    expect(page.get_by_role("link", name="Account", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Tiếng Việt")).to_have_attribute("lang", "vi")
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    assert cookies["cskh_language"] == "en"

    # The choice holds on the next pages (cookie).
    page.get_by_role("link", name="Log in").first.click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect_language(page, "en")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    # And back to Vietnamese, on the same page.
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect_language(page, "vi")
    expect(account).to_be_visible()
    expect(page.get_by_role("link", name="Account", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="English")).to_have_attribute("lang", "en")
    page.goto(reverse("accounts:register"))
    expect_language(page, "vi")

    # Logged in, the choice is saved on the account.
    user = factories.account(language="vi")
    log_in(page, user)
    page.goto("/")
    expect_language(page, "vi")
    page.get_by_role("button", name="English").click()
    expect_language(page, "en")
    user.refresh_from_db()
    assert user.language == "en"
    page.get_by_role("link", name="Account", exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect_language(page, "en")

    # Another phone without the cookie gets the account's language.
    other = new_page(locale="vi-VN")
    log_in(other, user)
    other.goto("/")
    expect_language(other, "en")
    other.get_by_role("button", name="Tiếng Việt").click()
    expect_language(other, "vi")
    user.refresh_from_db()
    assert user.language == "vi"


# ---------------------------------------------------------------- journey 4


def test_link_as_not_the_holder_hides_contract_phone_and_cccd(new_page, log_in):
    customer = factories.customer(
        code="PD0100765432",
        unit_code="PD0100",
        phone="+84912000456",
        cccd="001085004321",
        meter="23118765",
        address="8 Hàng Bài, Phường Hoàn Kiếm, Hà Nội",
    )
    user = factories.account(language="en")
    page = new_page(locale="en-US")
    log_in(page, user)
    page.goto(reverse("customers:link"))

    page.get_by_label("Customer code").fill("PD0100765432")
    meter = page.get_by_label("Meter number (printed on the bill)")
    holder_proof = page.get_by_role("group", name="How to prove you are the holder")
    # The form asks only for the proof the chosen relation needs.
    expect(meter).to_be_hidden()
    expect(holder_proof).to_be_visible()
    someone_else = page.get_by_role("radio", name=re.compile("Someone else's"))
    someone_else.check()
    expect(holder_proof).to_be_hidden()
    meter.fill("99999999")
    page.get_by_label("Nickname (optional)").fill("Nhà bố mẹ")
    page.get_by_role("button", name="Link", exact=True).click()

    # A wrong meter number is refused, on the field.
    expect(meter).to_have_attribute("aria-invalid", "true")
    expect(meter).to_have_accessible_description(re.compile("does not match the customer code"))
    expect(someone_else).to_be_checked()

    meter.fill(" 2311 8765 ")
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))
    card = page.get_by_role("list", name="Your customer codes").get_by_role("link")
    expect(card).to_contain_text("PD0100765432")
    expect(card).to_contain_text("Nhà bố mẹ")
    expect(card).to_contain_text("Not the holder")
    assert CustomerLink.objects.get(account=user, customer=customer).proof == (
        CustomerLink.Proof.METER_NUMBER
    )

    card.click()
    expect(page).to_have_url(re.compile(r"/customers/PD0100765432/$"))
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhà bố mẹ · PD0100765432")
    expect(main).to_contain_text(customer.address)
    expect(main).to_contain_text("23118765")
    expect(main).to_contain_text("Not the holder")
    for hidden in ("Phone on the contract", "Holder's CCCD"):
        expect(main).not_to_contain_text(hidden)
    html = page.content()
    for secret in ("0912 000 456", "0912000456", "912000456", "091****456", "001085004321"):
        assert secret not in html, f"{secret} shows to someone who is not the holder"
    assert "001*******21" not in html
    expect_no_horizontal_scroll(page)


# ---------------------------------------------------------------- journey 5


def test_forms_are_labelled_announce_errors_and_fit_the_phone(new_page, outbox):
    user = factories.account(phone="+84912000789", full_name="Lê Văn Minh", language="en")
    page = new_page(locale="en-US")

    # Register, step 1.
    page.goto(reverse("accounts:register"))
    expect_language(page, "en")
    # The stylesheet is served and applied (touch-sized buttons).
    expect(page.get_by_role("button", name="Send the code")).to_have_css("min-height", "48px")
    assert expect_every_control_labelled(page) == 1
    expect_no_horizontal_scroll(page)
    phone = page.get_by_label("Mobile phone number")
    expect(phone).to_have_attribute("inputmode", "tel")
    phone.fill("12345")
    page.get_by_role("button", name="Send the code").click()
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description("Enter a phone number such as 0912 345 678.")
    expect_no_horizontal_scroll(page)

    # Register, step 2: every field labelled; a missing consent is told on the box.
    phone.fill("0912 345 001")
    page.get_by_role("button", name="Send the code").click()
    expect(page).to_have_url(re.compile(r"/register/verify/$"))
    assert expect_every_control_labelled(page) == 4
    expect_no_horizontal_scroll(page)
    page.get_by_label("Code from the SMS").fill(outbox.last_code("+84912345001"))
    page.get_by_label("Full name").fill("Phạm Thu Hà")
    page.get_by_label("Password").fill("Den-Sang-2025!")
    page.get_by_role("button", name="Create my account").click()
    consent = page.get_by_label("I have read and accept the terms of use and the privacy notice.")
    expect(consent).to_have_attribute("aria-invalid", "true")
    expect(consent).to_have_accessible_description(
        "To register you must accept the terms of use and the privacy notice."
    )
    expect(page.get_by_label("Password")).to_have_accessible_description(
        re.compile("At least 8 characters")
    )
    # A password with several faults: each one is read out with the field.
    consent.check()
    password = page.get_by_label("Password")
    password.fill("12345678")
    page.get_by_role("button", name="Create my account").click()
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(re.compile("too common.*entirely numeric"))
    expect_no_horizontal_scroll(page)

    # Login: labelled; empty fields are marked invalid and described.
    page.goto(reverse("accounts:login"))
    assert expect_every_control_labelled(page) == 2
    expect_no_horizontal_scroll(page)
    page.get_by_role("button", name="Log in").click()
    for label in ("Mobile phone number", "Password"):
        field = page.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(re.compile(r"\w"))
    # A wrong password is announced as an alert.
    page.get_by_label("Mobile phone number").fill("0912 000 789")
    page.get_by_label("Password").fill("not-my-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("The phone number or the password is wrong.")
    expect_no_horizontal_scroll(page)

    # Keyboard only: skip link, then the form, submitted with Enter.
    page.goto(reverse("accounts:login"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mobile phone number")).to_be_focused()
    page.keyboard.type("0912 000 789")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    # (the #main of the skip link stays on the URL through the redirect)
    expect(page).to_have_url(re.compile(r"^[^?]+//[^/]+/(#main)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {user.get_short_name()}")
    expect_no_horizontal_scroll(page)
