"""Use cases for seller identity verification and the INFORM Consumers Act.

Sellers submit their details and a government id document; the document and
the tax id and bank account are encrypted at rest with Fernet (the key is
derived from souk's secret key), readable only through the staff review
functions here. Staff verify or reject with a reason; the seller may submit
again. A daily job counts each seller's real orders for the INFORM rule,
sends the 10-day notice, suspends when nothing was provided, reminds of the
yearly re-certification and decides who is disclosed on the store page.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from souk.core.clock import Clock
from souk.core.config import get_settings
from souk.core.errors import InvalidInput, InvalidState, NotFound
from souk.core.events import emit
from souk.core.policy import IdentityPolicy, default_policy
from souk.core.storage import MediaStorage
from souk.identity import rules
from souk.identity.models import IdentityDocument, SellerIdentity, VerificationEvent
from souk.ops.rules import check_reason
from souk.ops.service import record
from souk.orders import rules as order_rules
from souk.orders.models import Order
from souk.policy import rules as policy_rules
from souk.policy import service as policy_service
from souk.sellers.models import Seller
from souk.sellers.service import get_seller, set_status


class IdentityInvalid(InvalidInput):
    """Several fields are wrong at once; ``errors`` names each."""

    def __init__(self, errors: dict[str, str]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = errors


def identity_policy() -> IdentityPolicy:
    return default_policy().default.identity


# -- encryption at rest ---------------------------------------------------------------------


class IdentityVault:
    """Encrypts identity documents and numbers with a key derived from the secret key."""

    def __init__(self, secret: str) -> None:
        digest = hashlib.sha256(b"souk identity vault\x00" + secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    @classmethod
    def for_session(cls, session: Session) -> IdentityVault:
        rt = session.info.get("runtime")
        settings = rt.settings if rt is not None else get_settings()
        return cls(settings.resolved_secret_key())

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise InvalidState("This record cannot be decrypted with the current key.") from None


# -- the seller's side ----------------------------------------------------------------------


def identity_of(session: Session, seller_id: str) -> SellerIdentity:
    """The seller's identity record (a not-started one, unsaved, when there is none)."""
    found = session.get(SellerIdentity, seller_id)
    if found is None:
        found = SellerIdentity(seller_id=seller_id, status=rules.NOT_STARTED)
    return found


def identities_of(session: Session, seller_ids: Sequence[str]) -> dict[str, SellerIdentity]:
    rows = session.scalars(
        select(SellerIdentity).where(SellerIdentity.seller_id.in_(list(seller_ids)))
    )
    return {row.seller_id: row for row in rows}


def history(session: Session, seller_id: str, limit: int = 50) -> list[VerificationEvent]:
    return list(
        session.scalars(
            select(VerificationEvent)
            .where(VerificationEvent.seller_id == seller_id)
            .order_by(VerificationEvent.at.desc(), VerificationEvent.id.desc())
            .limit(limit)
        )
    )


def documents(session: Session, seller_id: str) -> list[IdentityDocument]:
    return list(
        session.scalars(
            select(IdentityDocument)
            .where(IdentityDocument.seller_id == seller_id)
            .order_by(IdentityDocument.uploaded_at.desc(), IdentityDocument.id.desc())
        )
    )


def _log(
    session: Session,
    seller_id: str,
    action: str,
    at: datetime,
    note: str = "",
    staff_user_id: int | None = None,
    details: dict[str, object] | None = None,
) -> None:
    session.add(
        VerificationEvent(
            seller_id=seller_id,
            at=at,
            action=action,
            note=note,
            staff_user_id=staff_user_id,
            details=details or {},
        )
    )


def submit_identity(
    session: Session,
    clock: Clock,
    media: MediaStorage,
    *,
    seller_id: str,
    form: rules.IdentityForm,
    documents: Sequence[tuple[str, bytes]],
) -> SellerIdentity:
    """Submit (or submit again) the seller's details with at least one identity
    document. Every field is checked first; nothing is written when any is wrong."""
    policy = identity_policy()
    checked, errors = rules.check_identity(form)
    if not documents:
        errors.setdefault("document", "Upload a photo or scan of a government id document.")
    for kind, data in documents:
        refusal = rules.document_refusal(
            kind,
            rules.sniff_document(data[:16]),
            len(data),
            policy.document_types,
            policy.document_max_bytes,
        )
        if refusal:
            errors.setdefault("document", refusal)
    if errors or checked is None:
        raise IdentityInvalid(errors)
    seller = get_seller(session, seller_id)
    identity = session.get(SellerIdentity, seller.id)
    if identity is None:
        identity = SellerIdentity(seller_id=seller.id, status=rules.NOT_STARTED)
        session.add(identity)
    try:
        rules.check_transition(identity.status, rules.PENDING)
    except rules.IdentityTransitionError as error:
        raise InvalidState(str(error)) from None
    vault = IdentityVault.for_session(session)
    now = clock.now()
    identity.status = rules.PENDING
    identity.rejection_reason = ""
    identity.legal_name = checked.legal_name
    identity.address_line1 = checked.address_line1
    identity.address_line2 = checked.address_line2
    identity.city = checked.city
    identity.subdivision = checked.subdivision
    identity.postal_code = checked.postal_code
    identity.country = checked.country
    identity.contact_email = checked.contact_email
    identity.phone = checked.phone
    identity.tax_id_kind = checked.tax_id_kind
    identity.tax_id_encrypted = vault.encrypt(checked.tax_id.encode())
    bank = f"{checked.bank_code}|{checked.bank_account}"
    identity.bank_encrypted = vault.encrypt(bank.encode())
    identity.tax_id_last4 = checked.tax_id[-4:]
    identity.bank_last4 = checked.bank_account[-4:]
    identity.card_last4 = checked.card_last4
    identity.submitted_at = now
    identity.decided_at = None
    identity.decided_by = None
    session.flush()
    for kind, data in documents:
        key = f"identity/{seller.id}/{secrets.token_hex(16)}.bin"
        media.save(key, vault.encrypt(data))
        session.add(
            IdentityDocument(
                seller_id=seller.id,
                kind=kind,
                content_type=rules.sniff_document(data[:16]) or "application/octet-stream",
                size=len(data),
                storage_key=key,
                uploaded_at=now,
            )
        )
    address = policy_rules.normalise_address(
        checked.address_line1,
        checked.address_line2,
        checked.city,
        checked.postal_code,
        checked.country,
    )
    policy_service.record_identity_signals(
        session,
        seller.id,
        bank=bank,
        tax_id=f"{checked.country}:{checked.tax_id}",
        phone=checked.phone,
        address=address,
        card=checked.card_number,
        labels={
            policy_rules.BANK_ACCOUNT: f"Bank account {rules.mask(checked.bank_account)}",
            policy_rules.TAX_ID: f"{checked.tax_id_kind} {rules.mask(checked.tax_id)}",
            policy_rules.PHONE: f"Phone {checked.phone[:-4]}••••",
            policy_rules.ADDRESS: f"{checked.address_line1}, {checked.city} {checked.postal_code}",
            policy_rules.CARD: f"Card {rules.mask(checked.card_number)}",
        },
        now=now,
    )
    _log(session, seller.id, "submitted", now, details={"documents": len(documents)})
    emit(session, "identity.submitted", seller.id, {"seller_id": seller.id}, now)
    held = policy_service.screen_for_deactivated_match(session, clock, seller.id)
    if held is not None:
        _log(session, seller.id, "held", now, note="Details match a deactivated account.")
    session.commit()
    return identity


# -- the staff's side -----------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedVerification:
    identity: SellerIdentity
    seller: Seller


def verification_queue(
    session: Session, *, status: str = rules.PENDING, limit: int = 200
) -> list[QueuedVerification]:
    """Submissions for staff: pending ones oldest first, decided ones newest first."""
    order = (
        SellerIdentity.submitted_at if status == rules.PENDING else SellerIdentity.decided_at.desc()
    )
    rows = session.execute(
        select(SellerIdentity, Seller)
        .join(Seller, Seller.id == SellerIdentity.seller_id)
        .where(SellerIdentity.status == status)
        .order_by(order, Seller.id)
        .limit(limit)
    ).all()
    return [QueuedVerification(i, s) for i, s in rows]


@dataclass(frozen=True)
class Evidence:
    """What a verification reviewer compares side by side: decrypted for staff only."""

    identity: SellerIdentity
    seller: Seller
    tax_id: str
    bank_account: str
    bank_code: str
    documents: list[IdentityDocument]
    history: list[VerificationEvent]


def staff_evidence(session: Session, seller_id: str) -> Evidence:
    """The submission with its tax id and bank account decrypted. Only the operations
    console calls this, behind the staff check."""
    seller = get_seller(session, seller_id)
    identity = session.get(SellerIdentity, seller.id)
    if identity is None:
        raise NotFound(f"{seller.business_name} has not submitted identity details.")
    vault = IdentityVault.for_session(session)
    tax_id = vault.decrypt(identity.tax_id_encrypted).decode() if identity.tax_id_encrypted else ""
    bank = vault.decrypt(identity.bank_encrypted).decode() if identity.bank_encrypted else "|"
    code, _, account = bank.partition("|")
    return Evidence(
        identity,
        seller,
        tax_id,
        account,
        code,
        documents(session, seller.id),
        history(session, seller.id),
    )


def read_document(
    session: Session, media: MediaStorage, document_id: int
) -> tuple[IdentityDocument, bytes]:
    """A document's decrypted bytes, for the staff review page."""
    document = session.get(IdentityDocument, document_id)
    if document is None or document.purged_at is not None or not document.storage_key:
        raise NotFound("This document is not available (it may have been purged).")
    vault = IdentityVault.for_session(session)
    return document, vault.decrypt(media.read(document.storage_key))


def decide_verification(
    session: Session,
    clock: Clock,
    *,
    staff_user_id: int,
    seller_id: str,
    approve: bool,
    reason: str,
) -> SellerIdentity:
    """Verify a pending submission, or reject it with the reason the seller will read."""
    identity = session.get(SellerIdentity, seller_id)
    if identity is None:
        raise NotFound("This seller has not submitted identity details.")
    target = rules.VERIFIED if approve else rules.REJECTED
    try:
        rules.check_transition(identity.status, target)
    except rules.IdentityTransitionError as error:
        raise InvalidState(str(error)) from None
    if identity.status != rules.PENDING:
        raise InvalidState(f"This verification is already {identity.status}.")
    reason = reason.strip() if approve else check_reason(reason)
    now = clock.now()
    identity.status = target
    identity.decided_at = now
    identity.decided_by = staff_user_id
    identity.rejection_reason = "" if approve else reason
    if approve:
        identity.verified_at = now
    _log(session, seller_id, target, now, note=reason, staff_user_id=staff_user_id)
    record(
        session,
        staff_user_id,
        f"identity.{'verify' if approve else 'reject'}",
        seller_id,
        reason or "Identity details and document checked.",
        {"legal_name": identity.legal_name, "country": identity.country},
        at=now,
    )
    emit(
        session,
        f"identity.{target}",
        seller_id,
        {"seller_id": seller_id, "status": target},
        now,
    )
    seller = get_seller(session, seller_id)
    if approve and identity.suspended_for_inform and seller.status == "suspended":
        identity.suspended_for_inform = False
        _log(session, seller_id, "inform_lifted", now, note="Verified: offers are back on sale.")
        set_status(session, clock, seller_id, "active", "")
        return identity
    session.commit()
    return identity


def purge_documents(session: Session, clock: Clock) -> int:
    """Delete identity documents of decided verifications after the retention period."""
    policy = identity_policy()
    now = clock.now()
    rt = session.info.get("runtime")
    media = rt.media if rt is not None else None
    purged = 0
    rows = session.execute(
        select(IdentityDocument, SellerIdentity)
        .join(SellerIdentity, SellerIdentity.seller_id == IdentityDocument.seller_id)
        .where(IdentityDocument.purged_at.is_(None))
    ).all()
    for document, identity in rows:
        decided = identity.decided_at if identity.status != rules.PENDING else None
        if not rules.purge_due(decided, now, policy.document_retention_days):
            continue
        if document.uploaded_at > (decided or now):
            continue  # uploaded for a later submission still to be decided
        if media is not None and document.storage_key:
            path = media.path(document.storage_key)
            if path is not None:
                path.unlink()
        document.storage_key = ""
        document.purged_at = now
        _log(
            session, document.seller_id, "documents_purged", now, details={"document": document.id}
        )
        purged += 1
    session.commit()
    return purged


# -- INFORM Consumers Act -------------------------------------------------------------------


def _month_index(at: datetime) -> int:
    return at.year * 12 + at.month - 1


def monthly_sales(
    session: Session, now: datetime, policy: IdentityPolicy, seller_ids: Sequence[str] | None = None
) -> dict[str, list[rules.MonthlySales]]:
    """Per seller, orders and revenue per calendar month over the lookback, from real
    orders in the counted marketplaces (canceled orders do not count)."""
    first = _month_index(now) - (policy.lookback_months - 1)
    since = datetime(first // 12, first % 12 + 1, 1, tzinfo=now.tzinfo)
    query = select(Order.seller_id, Order.purchased_at, Order.total_minor).where(
        Order.purchased_at >= since,
        Order.purchased_at <= now,
        Order.status != order_rules.CANCELED,
        Order.marketplace.in_(policy.counted_marketplaces),
        Order.currency == policy.revenue_currency,
    )
    if seller_ids is not None:
        query = query.where(Order.seller_id.in_(list(seller_ids)))
    sums: dict[tuple[str, int], list[int]] = {}
    for seller_id, purchased_at, total in session.execute(query.execution_options(yield_per=5000)):
        months_ago = _month_index(now) - _month_index(purchased_at)
        cell = sums.setdefault((seller_id, months_ago), [0, 0])
        cell[0] += 1
        cell[1] += total
    found: dict[str, list[rules.MonthlySales]] = {}
    for (seller_id, months_ago), (orders, revenue) in sums.items():
        found.setdefault(seller_id, []).append(rules.MonthlySales(months_ago, orders, revenue))
    return found


@dataclass(frozen=True)
class InformResult:
    checked: int
    high_volume: int
    notices: int
    suspended: int
    lifted: int
    reminders: int


def inform_review(
    session: Session, clock: Clock, policy: IdentityPolicy | None = None
) -> InformResult:
    """The daily INFORM job over every third-party seller's real orders."""
    policy = policy or identity_policy()
    now = clock.now()
    sellers = list(session.scalars(select(Seller).where(Seller.is_platform_retail.is_(False))))
    sales = monthly_sales(session, now, policy)
    identities = identities_of(session, [s.id for s in sellers])
    counts = {"high_volume": 0, "notices": 0, "suspended": 0, "lifted": 0, "reminders": 0}
    to_suspend: list[str] = []
    to_lift: list[str] = []
    for seller in sellers:
        months = sales.get(seller.id, [])
        is_high = rules.high_volume(
            months,
            min_sales=policy.high_volume_sales,
            min_revenue_minor=policy.high_volume_revenue_minor,
            window_months=policy.window_months,
            lookback_months=policy.lookback_months,
        )
        identity = identities.get(seller.id)
        if identity is None:
            if not is_high and not months:
                continue
            identity = SellerIdentity(seller_id=seller.id, status=rules.NOT_STARTED)
            session.add(identity)
        identity.checked_at = now
        identity.sales_12_months = sum(
            m.orders for m in months if m.months_ago < policy.window_months
        )
        identity.revenue_12_months_minor = rules.revenue_last_year(months, policy.window_months)
        identity.disclose_on_store = rules.disclosure_required(
            identity.revenue_12_months_minor, policy.disclosure_revenue_minor
        )
        if is_high and not identity.high_volume:
            identity.high_volume_since = now
        identity.high_volume = is_high
        counts["high_volume"] += int(is_high)
        step = rules.inform_step(
            rules.InformFacts(
                is_high_volume=is_high,
                status=identity.status,
                verified_at=identity.verified_at,
                notice_sent_at=identity.notice_sent_at,
                reminded_at=identity.reminded_at,
                suspended_for_inform=identity.suspended_for_inform,
            ),
            now,
            notice_days=policy.notice_days,
            recertify_days=policy.recertify_days,
            reminder_lead_days=policy.reminder_lead_days,
        )
        if step == rules.SEND_NOTICE:
            identity.notice_sent_at = now
            deadline = rules.notice_deadline(now, policy.notice_days)
            _log(
                session,
                seller.id,
                "inform_notice",
                now,
                note="You are a high-volume seller under the INFORM Consumers Act: provide "
                "verified bank, tax, address and contact details by "
                f"{deadline:%B %d, %Y} or your offers will be suspended.",
                details={"deadline": deadline.isoformat()},
            )
            emit(session, "identity.inform_notice", seller.id, {"seller_id": seller.id}, now)
            counts["notices"] += 1
        elif step == rules.SUSPEND and seller.status == "active":
            identity.suspended_for_inform = True
            _log(session, seller.id, "inform_suspended", now, note="The 10-day notice passed.")
            to_suspend.append(seller.id)
        elif step == rules.LIFT:
            identity.suspended_for_inform = False
            _log(session, seller.id, "inform_lifted", now, note="Verified: offers are back.")
            if seller.status == "suspended":
                to_lift.append(seller.id)
        elif step == rules.REMIND:
            identity.reminded_at = now
            due = (identity.verified_at or now).replace(microsecond=0)
            _log(
                session,
                seller.id,
                "recertify_reminder",
                now,
                note="Confirm your business details for the yearly INFORM certification "
                f"(verified {due:%B %d, %Y}).",
            )
            counts["reminders"] += 1
    session.commit()
    for seller_id in to_suspend:
        policy_service.open_case(
            session,
            clock,
            seller_id=seller_id,
            kind="high_volume_unverified",
            summary="High-volume seller under the INFORM Consumers Act without verified "
            "details 10 days after the notice: offers are suspended until they are verified.",
            evidence={"notice_days": policy.notice_days},
            step="selling_restriction",
        )
        counts["suspended"] += 1
    for seller_id in to_lift:
        set_status(session, clock, seller_id, "active", "")
        counts["lifted"] += 1
    return InformResult(len(sellers), **counts)


@dataclass(frozen=True)
class Disclosure:
    """What the store page shows of a high-revenue seller (INFORM Consumers Act)."""

    legal_name: str
    address: str
    phone: str
    email: str


def store_disclosure(session: Session, seller_id: str) -> Disclosure | None:
    identity = session.get(SellerIdentity, seller_id)
    if identity is None or not identity.disclose_on_store or identity.status != rules.VERIFIED:
        return None
    parts = [
        identity.address_line1,
        identity.address_line2,
        f"{identity.city} {identity.subdivision.split('-')[-1]} {identity.postal_code}".strip(),
        identity.country,
    ]
    return Disclosure(
        identity.legal_name,
        ", ".join(p for p in parts if p),
        identity.phone,
        identity.contact_email,
    )


# -- jobs -----------------------------------------------------------------------------------


def inform_job(sessions: sessionmaker[Session], clock: Clock) -> str:
    with sessions() as session:
        result = inform_review(session, clock)
    return (
        f"{result.high_volume} high-volume of {result.checked}; {result.notices} notices, "
        f"{result.suspended} suspended, {result.lifted} lifted, {result.reminders} reminders"
    )


def purge_job(sessions: sessionmaker[Session], clock: Clock) -> int:
    with sessions() as session:
        return purge_documents(session, clock)
