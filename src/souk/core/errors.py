"""Typed domain errors. Web and API layers map them to 4xx answers; nothing
here knows about HTTP except the suggested status."""

from __future__ import annotations


class SoukError(Exception):
    """Base of every error souk raises on purpose."""

    code = "InvalidInput"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class InvalidInput(SoukError):
    code = "InvalidInput"
    status = 400


class NotFound(SoukError):
    code = "NotFound"
    status = 404


class Forbidden(SoukError):
    code = "Unauthorized"
    status = 403


class Unauthenticated(SoukError):
    code = "Unauthorized"
    status = 401


class Conflict(SoukError):
    code = "Conflict"
    status = 409


class OutOfStock(Conflict):
    code = "OutOfStock"


class PaymentDeclined(SoukError):
    code = "PaymentDeclined"
    status = 402


class InvalidState(Conflict):
    """An action that the object's current status does not allow."""

    code = "InvalidState"
