"""Product reviews with their edit history, images, votes and reports; the
review programme (enrolments and claimed units); sellers' review requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from souk.core.db import Base


class Review(Base):
    """A buyer's review of a product. It belongs to the variation family
    (``family_asin``: the parent's ASIN, or the product's own), not to a seller."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("buyer_id", "family_asin"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        Index("ix_reviews_family_status", "family_asin", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asin: Mapped[str] = mapped_column(ForeignKey("products.asin"), index=True)
    family_asin: Mapped[str] = mapped_column(ForeignKey("products.asin"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    marketplace: Mapped[str] = mapped_column(String(2))
    stars: Mapped[int]
    headline: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    #: published | held | removed
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_reasons: Mapped[str] = mapped_column(Text, default="")
    verified_purchase: Mapped[bool] = mapped_column(default=False)
    programme_review: Mapped[bool] = mapped_column(default=False)
    helpful_votes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    moderated_at: Mapped[datetime | None]
    moderated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    images: Mapped[list[ReviewImage]] = relationship(
        order_by="ReviewImage.position", cascade="all, delete-orphan"
    )


class ReviewRevision(Base):
    """What a review said before an edit: edits are kept, never overwritten."""

    __tablename__ = "review_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    stars: Mapped[int]
    headline: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime]
    replaced_at: Mapped[datetime]


class ReviewImage(Base):
    __tablename__ = "review_images"
    __table_args__ = (UniqueConstraint("review_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)


class ReviewVote(Base):
    """One "Helpful" per person per review."""

    __tablename__ = "review_votes"
    __table_args__ = (UniqueConstraint("review_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    voted_at: Mapped[datetime]


class ReviewReport(Base):
    """A reader's abuse report; staff close it when they moderate the review."""

    __tablename__ = "review_reports"
    __table_args__ = (UniqueConstraint("review_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(120))
    reported_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class ProgrammeEnrolment(Base):
    """A product enrolled in the review programme with free units for invited reviewers."""

    __tablename__ = "review_programme_enrolments"
    __table_args__ = (UniqueConstraint("family_asin", "marketplace"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asin: Mapped[str] = mapped_column(ForeignKey("products.asin"))
    family_asin: Mapped[str] = mapped_column(ForeignKey("products.asin"))
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"), index=True)
    marketplace: Mapped[str] = mapped_column(String(2))
    units: Mapped[int]
    units_claimed: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3))
    fee_minor: Mapped[int]
    enrolled_at: Mapped[datetime]


class ProgrammeClaim(Base):
    """An invited reviewer's free unit."""

    __tablename__ = "review_programme_claims"
    __table_args__ = (UniqueConstraint("enrolment_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("review_programme_enrolments.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    claimed_at: Mapped[datetime]


class ReviewRequest(Base):
    """The one review request a seller may send per order."""

    __tablename__ = "review_requests"

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime]
    #: "messaging" once handed to buyer-seller messaging; "recorded" until it exists
    delivered_via: Mapped[str] = mapped_column(String(20), default="recorded")
