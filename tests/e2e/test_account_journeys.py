"""The account journeys after registration, on a 360×800 phone in Chromium: forgotten
password, profile, managing linked codes, downloading one's data, deleting the account.
English labels (the `cskh_language` cookie) keep the locators off the Vietnamese copy."""

import json
import re

import pytest
from playwright.sync_api import Page, expect

from cskh.accounts.models import User
from cskh.customers.models import CustomerLink
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = "+84912555666"
NEW_PASSWORD = "Mat-Khau-Moi-2026"


def log_in_with_form(page: Page, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Mobile phone number").fill("0912 555 666")
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()


def test_forgotten_password_then_profile(new_page, outbox):
    factories.account(phone=PHONE, language="en", full_name="Lê Thị Hồng")
    page = new_page(locale="en-US", language="en")

    page.goto("/login/")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Mobile phone number").fill("0912.555.666")
    page.get_by_role("button", name="Send the code").click()
    page.get_by_label("Code from the SMS").fill(outbox.last_code(PHONE))
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password has been changed")

    log_in_with_form(page, factories.PASSWORD)  # the old one no longer works
    expect(page.get_by_role("alert")).to_contain_text("The phone number or the password is wrong")
    log_in_with_form(page, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Hello, Hồng")).to_be_visible()

    page.goto("/account/profile/")
    page.get_by_label("CCCD number").fill("079 123 456")  # too short
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("CCCD number")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("CCCD number")).to_have_accessible_description(
        re.compile("A CCCD number has exactly 12 digits.")
    )
    page.get_by_label("CCCD number").fill("079 185 004 321")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile has been saved")
    expect(page.locator("main")).to_contain_text("079*******21")  # shown masked
    expect(page.locator("main")).not_to_contain_text("079185004321")


def test_manage_codes_download_data_and_delete_the_account(new_page, log_in):
    user = factories.account(phone=PHONE, language="en")
    home = factories.customer(unit_code="PE0100", name="Nhà riêng")
    parents = factories.customer(unit_code="PD0100", name="Nhà bố mẹ")
    factories.link(user, home, nickname="Nhà mình")
    factories.link(user, parents, relation="OTHER")
    page = new_page(locale="en-US", language="en")
    log_in(page, user)

    # rename the parents' code and make it the default: it moves to the top of home
    page.goto(f"/customers/{parents.code}/")
    page.get_by_label("Nickname").fill("Nhà bố mẹ")
    page.get_by_label("Show this code first").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    page.goto("/")
    cards = page.locator("main .customer")
    expect(cards.first).to_contain_text("Nhà bố mẹ")
    expect(cards.first).to_contain_text("Default")

    # unlink it: the other code becomes the default
    page.goto(f"/customers/{parents.code}/")
    page.get_by_role("link", name="Unlink this code").click()
    page.get_by_role("button", name="Unlink").click()
    expect(page.get_by_role("status")).to_contain_text("is no longer linked")
    assert list(
        CustomerLink.objects.filter(account=user).values_list("customer", "is_default")
    ) == [(home.pk, True)]

    # download my data
    page.goto("/account/data/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    data = json.loads(download_info.value.path().read_text(encoding="utf-8"))
    assert data["account"]["phone"] == PHONE
    assert [link["code"] for link in data["customer_links"]] == [home.code]

    # delete the account: the wrong password is refused, then it is gone
    page.get_by_role("link", name="Delete my account").click()
    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_label("Your password")).to_have_accessible_description(
        "The current password is wrong."
    )
    page.get_by_label("Your password").fill(factories.PASSWORD)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Your account and its data have been deleted"
    )
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert not User.objects.filter(phone=PHONE).exists()
