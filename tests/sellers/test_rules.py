from __future__ import annotations

import pytest

from souk.core.errors import InvalidInput
from souk.sellers.rules import (
    ROLES,
    can_sell,
    check_business_name,
    check_plan,
    check_role,
    may,
)


def test_business_name_is_tidied_and_bounded():
    assert check_business_name("  Acme   Trading  Co ") == "Acme Trading Co"
    for bad in ("", " x ", "A" * 121):
        with pytest.raises(InvalidInput):
            check_business_name(bad)


def test_plans_and_roles():
    assert check_plan("individual") == "individual"
    assert check_role("orders") == "orders"
    with pytest.raises(InvalidInput):
        check_plan("gold")
    with pytest.raises(InvalidInput):
        check_role("owner")


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        ("admin", "inventory", True),
        ("admin", "orders", True),
        ("admin", "users", True),
        ("inventory", "inventory", True),
        ("inventory", "orders", False),
        ("inventory", "users", False),
        ("orders", "orders", True),
        ("orders", "inventory", False),
        ("orders", "settings", False),
        ("stranger", "orders", False),
    ],
)
def test_role_permissions(role, permission, allowed):
    assert may(role, permission) is allowed


def test_admin_may_do_everything_other_roles_may():
    from souk.sellers.rules import ROLE_PERMISSIONS

    for role in ROLES:
        assert ROLE_PERMISSIONS[role] <= ROLE_PERMISSIONS["admin"]


def test_only_active_sellers_not_on_holiday_sell():
    assert can_sell("active", False)
    assert not can_sell("active", True)
    assert not can_sell("suspended", False)
    assert not can_sell("deactivated", False)
