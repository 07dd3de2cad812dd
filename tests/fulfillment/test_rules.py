"""Tracking numbers per carrier, with the UPS and USPS check digits."""

from __future__ import annotations

import pytest

from souk.core.errors import InvalidInput
from souk.fulfillment.rules import CARRIERS, check_tracking


def _usps_with_check(body: str) -> str:
    # Independent restatement of the USPS mod-10: weights 3,1,3,1... from the right of the body.
    weighted = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - weighted % 10) % 10)


VALID = [
    ("UPS", "1Z999AA10123456784"),  # UPS's published test number
    ("UPS", "1Z12345E6605272234"),
    ("UPS", "1z 999 aa1 0123 4567 84"),  # spaces and case are cleaned
    ("USPS", "9405511899223197428490"),
    ("USPS", _usps_with_check("920559016491731275108")),
    ("USPS", "EA123456789US"),
    ("FedEx", "123456789012"),
    ("FedEx", "123456789012345"),
    ("DHL", "1234567890"),
    ("DHL", "JJD000390007827498513"),
    ("Royal Mail", "AB123456789GB"),
    ("DPD", "01234567890123"),
    ("Canada Post", "1234567890123456"),
    ("Canada Post", "RR123456789CA"),
    ("Japan Post", "12345678901"),
    ("Japan Post", "EJ123456789JP"),
    ("India Post", "EE123456789IN"),
    ("Correos", "PQ4F6P0703673180128001B"),
    ("Correos", "RR123456789ES"),
]

INVALID = [
    ("UPS", "1Z999AA10123456785"),  # wrong check digit
    ("UPS", "1Z999AA1012345678"),  # too short
    ("UPS", "2Z999AA10123456784"),
    ("USPS", "9405511899223197428491"),  # wrong check digit
    ("USPS", "8405511899223197428490"),
    ("USPS", "EA123456789GB"),
    ("FedEx", "12345678901"),
    ("FedEx", "12345678901A"),
    ("DHL", "123456789"),
    ("Royal Mail", "AB123456789US"),
    ("DPD", "0123456789012"),
    ("Canada Post", "123456789012345"),
    ("Japan Post", "1234567890"),
    ("India Post", "EE12345678IN"),
    ("Correos", "XX"),
    ("UPS", ""),
]


@pytest.mark.parametrize(("carrier", "number"), VALID)
def test_valid_tracking_numbers(carrier, number):
    name, cleaned = check_tracking(carrier, number)
    assert name == carrier
    assert cleaned == number.replace(" ", "").replace("-", "").upper()


@pytest.mark.parametrize(("carrier", "number"), INVALID)
def test_invalid_tracking_numbers_say_the_expected_shape(carrier, number):
    with pytest.raises(InvalidInput) as error:
        check_tracking(carrier, number)
    assert error.value.field == "tracking_number"
    assert carrier in error.value.message


def test_every_carrier_has_a_valid_example_here():
    assert {carrier for carrier, _ in VALID} == set(CARRIERS)


def test_unknown_carrier():
    with pytest.raises(InvalidInput) as error:
        check_tracking("Pigeon", "123")
    assert error.value.field == "carrier"
