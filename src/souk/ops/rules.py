"""Rules for staff actions: which exist, and that each carries a reason."""

from __future__ import annotations

from souk.core.errors import InvalidInput

#: Staff actions on a seller account and the status each one sets.
SELLER_ACTIONS: dict[str, str] = {
    "suspend": "suspended",
    "reinstate": "active",
    "deactivate": "deactivated",
}
MERGE_ACTION = "catalog.merge"
MAX_REASON_LENGTH = 2000


def check_reason(reason: str) -> str:
    """Every staff action is explained, so the audit log says why it happened."""
    cleaned = reason.strip()
    if not cleaned:
        raise InvalidInput("Give the reason for this action.", field="reason")
    if len(cleaned) > MAX_REASON_LENGTH:
        raise InvalidInput(
            f"Reasons are limited to {MAX_REASON_LENGTH} characters.", field="reason"
        )
    return cleaned


def seller_status_for(action: str) -> str:
    """The seller status a staff action leads to; unknown actions are refused."""
    if action not in SELLER_ACTIONS:
        raise InvalidInput(f"Action must be one of {', '.join(SELLER_ACTIONS)}.", field="action")
    return SELLER_ACTIONS[action]
