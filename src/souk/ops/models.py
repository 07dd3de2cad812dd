"""The audit log: one row per staff action, never updated or deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: What was done, e.g. ``seller.suspend`` or ``catalog.merge``.
    action: Mapped[str] = mapped_column(String(60))
    #: What it was done to: a seller id, an ASIN.
    subject: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
