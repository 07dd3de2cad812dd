"""Rules for seller accounts: plans, roles, who may sell."""

from __future__ import annotations

from souk.core.errors import InvalidInput

PLANS = ("individual", "professional")
ROLES = ("admin", "inventory", "orders")
STATUSES = ("active", "suspended", "deactivated")

# What each role may do in Seller Central and the seller API.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"inventory", "orders", "settings", "reports", "users"}),
    "inventory": frozenset({"inventory", "reports"}),
    "orders": frozenset({"orders"}),
}


def check_business_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if len(cleaned) < 2:
        raise InvalidInput("Enter your business name.", field="business_name")
    if len(cleaned) > 120:
        raise InvalidInput("Business names are limited to 120 characters.", field="business_name")
    return cleaned


def check_plan(plan: str) -> str:
    if plan not in PLANS:
        raise InvalidInput(f"Plan must be one of {', '.join(PLANS)}.", field="plan")
    return plan


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}.", field="role")
    return role


def may(role: str, permission: str) -> bool:
    """Whether a seller user with ``role`` may use ``permission``."""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def can_sell(status: str, on_holiday: bool) -> bool:
    """Offers of a seller are shown to buyers only when this holds."""
    return status == "active" and not on_holiday


MAX_PROFILE_TEXT = 4000


def check_store_settings(
    handling_days: int, max_handling_days: int, about: str, returns: str
) -> None:
    """Refuse store settings a buyer could not rely on, naming the field."""
    if not 0 <= handling_days <= max_handling_days:
        raise InvalidInput(
            f"Handling time must be 0 to {max_handling_days} days.", field="default_handling_days"
        )
    for text, field in ((about, "about"), (returns, "returns_policy")):
        if len(text) > MAX_PROFILE_TEXT:
            raise InvalidInput(f"Keep this under {MAX_PROFILE_TEXT} characters.", field=field)
