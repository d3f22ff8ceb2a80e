"""Staff enter customers with the rules customers' own input meets."""

import pytest
from django.utils import translation

from cskh.staff.admin import CustomerForm
from tests import factories

pytestmark = pytest.mark.django_db


def form_for(**overrides):
    units = factories.unit_tree()
    data = {
        "code": "pe0100 1234567",
        "name": "Nguyễn Văn Mới",
        "address": "1 Lê Lợi, Quận 1, TP. Hồ Chí Minh",
        "unit": units["PE0100"].pk,
        "purpose": "RESIDENTIAL",
        "voltage": "LT_6KV",
        "households": 1,
        "contract_phone": "028 3822 1234",
        "holder_cccd": "079 085 001 234",
        "status": "ACTIVE",
    }
    data.update(overrides)
    return CustomerForm(data=data), units


def test_a_valid_customer_is_saved_in_canonical_form():
    form, units = form_for()
    assert form.is_valid(), form.errors
    customer = form.save()
    assert customer.code == "PE01001234567"
    assert customer.contract_phone == "+842838221234"  # a landline is fine on a contract
    assert customer.holder_cccd == "079085001234"
    assert customer.unit == units["PE0100"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", "XX12"),
        ("code", "PE01-ABC"),
        ("contract_phone", "12345"),
        ("holder_cccd", "0790850012"),
    ],
)
def test_malformed_input_is_refused_on_its_field(field, value):
    form, _units = form_for(**{field: value})
    assert not form.is_valid()
    assert form.errors[field]


def test_a_code_whose_unit_prefix_does_not_exist_is_refused():
    form, _units = form_for(code="PZ99001234567")
    with translation.override("en"):
        assert not form.is_valid()
        assert form.errors["code"] == ["No EVN unit has the code this customer code starts with."]


def test_the_unit_must_be_the_one_the_code_names_or_under_it():
    units = factories.unit_tree()
    form, _units = form_for(code="PE01001234567", unit=units["PD0100"].pk)
    with translation.override("en"):
        assert not form.is_valid()
        assert "belongs to PE0100" in form.errors["unit"][0]
