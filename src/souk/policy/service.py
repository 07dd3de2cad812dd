"""Use cases for prohibited conduct: linked accounts, red lines at the door,
upload throttling, rank and review manipulation, policy cases with the
enforcement ladder, the brand registry and IP complaints, buyers' reports.

Enforcement steps go through ``souk.performance.service.take_enforcement_action``
(and appeals through its ``submit_appeal`` / ``decide_appeal``), so a seller's
warnings, removals and restrictions are one history whatever caused them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from souk.accounts.models import User
from souk.catalog.models import Brand, Category, Product, ProductImage
from souk.catalog.rules import ProductDraft, normalise_text
from souk.core.clock import Clock, FrozenClock
from souk.core.config import get_settings
from souk.core.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound, SoukError
from souk.core.events import DomainEvent, emit, on
from souk.core.policy import ConductPolicy, default_policy
from souk.offers.models import Offer
from souk.ops.rules import check_reason
from souk.ops.service import record
from souk.orders.models import Order
from souk.policy import rules
from souk.policy.models import (
    BrandOwner,
    IpComplaint,
    LinkException,
    LinkReview,
    LinkSignal,
    PolicyCase,
    SellerReport,
    UploadCounter,
)
from souk.sellers.models import Seller, SellerUser
from souk.sellers.service import get_seller, set_status

SYSTEM = "system"


class TooManyRequests(SoukError):
    """Listing uploads beyond the hourly limit: retry after ``retry_after`` seconds."""

    code = "QuotaExceeded"
    status = 429

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


def conduct_policy(marketplace: str = "US") -> ConductPolicy:
    return default_policy().for_marketplace(marketplace).conduct


def _secret(session: Session) -> str:
    rt = session.info.get("runtime")
    settings = rt.settings if rt is not None else get_settings()
    return str(settings.resolved_secret_key())


def fingerprint(secret: str, kind: str, value: str) -> str:
    """A keyed fingerprint: equal values match, yet the value cannot be read back."""
    message = f"{kind}:{value.strip().lower()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


# -- signals --------------------------------------------------------------------------------


def record_signal(
    session: Session, seller_id: str, kind: str, raw_value: str, label: str, now: datetime
) -> None:
    """Remember that a seller was seen with this value (stored as a fingerprint)."""
    if not raw_value.strip():
        return
    value = fingerprint(_secret(session), kind, raw_value)
    row = session.scalar(
        select(LinkSignal).where(
            LinkSignal.seller_id == seller_id, LinkSignal.kind == kind, LinkSignal.value == value
        )
    )
    if row is None:
        session.add(
            LinkSignal(
                seller_id=seller_id,
                kind=kind,
                value=value,
                label=label[:200],
                first_seen_at=now,
                last_seen_at=now,
            )
        )
    else:
        row.last_seen_at = now
        row.label = label[:200] or row.label
    session.flush()


def record_sign_in(session: Session, clock: Clock, *, user_id: int, device_id: str, ip: str) -> int:
    """At sign-in, the device cookie and IP address of people who work for sellers
    become signals of those sellers. Returns how many sellers were touched."""
    seller_ids = list(
        session.scalars(select(SellerUser.seller_id).where(SellerUser.user_id == user_id))
    )
    now = clock.now()
    for seller_id in seller_ids:
        if device_id:
            record_signal(
                session, seller_id, rules.DEVICE, device_id, f"Device cookie …{device_id[-6:]}", now
            )
        if ip:
            record_signal(session, seller_id, rules.IP, ip, f"IP {ip}", now)
    return len(seller_ids)


def record_identity_signals(
    session: Session,
    seller_id: str,
    *,
    bank: str,
    tax_id: str,
    phone: str,
    address: str,
    card: str,
    labels: dict[str, str],
    now: datetime,
) -> None:
    """The submitted identity's comparable parts, as signals of this seller."""
    for kind, value in (
        (rules.BANK_ACCOUNT, bank),
        (rules.TAX_ID, tax_id),
        (rules.PHONE, phone),
        (rules.ADDRESS, address),
        (rules.CARD, card),
    ):
        record_signal(session, seller_id, kind, value, labels.get(kind, ""), now)


def _signals(session: Session, seller_ids: Collection[str] | None = None) -> list[rules.Signal]:
    query = select(LinkSignal)
    if seller_ids is not None:
        query = query.where(LinkSignal.seller_id.in_(list(seller_ids)))
    return [
        rules.Signal(s.seller_id, s.kind, s.value, s.last_seen_at) for s in session.scalars(query)
    ]


def _exceptions(session: Session) -> list[tuple[str, str]]:
    return [(e.first_seller_id, e.second_seller_id) for e in session.scalars(select(LinkException))]


def _marketplace_sellers(session: Session) -> dict[str, Seller]:
    return {
        s.id: s for s in session.scalars(select(Seller).where(Seller.is_platform_retail.is_(False)))
    }


def _links(
    session: Session, policy: ConductPolicy
) -> tuple[list[rules.PairLink], dict[str, Seller]]:
    sellers = _marketplace_sellers(session)
    signals = [s for s in _signals(session) if s.seller_id in sellers]
    links = rules.pair_links(
        signals,
        {sid: s.business_name for sid, s in sellers.items()},
        weights=policy.link_weights,
        ip_window=timedelta(hours=policy.ip_window_hours),
        name_similarity_min=policy.name_similarity,
        exceptions=_exceptions(session),
    )
    return links, sellers


def linked_sellers(
    session: Session, seller_id: str, policy: ConductPolicy | None = None
) -> set[str]:
    """The sellers linked with this one (directly, at or above the threshold)."""
    policy = policy or conduct_policy()
    mine = _signals(session, [seller_id])
    if not mine:
        return set()
    values = {(s.kind, s.value) for s in mine}
    others = session.scalars(
        select(LinkSignal).where(
            LinkSignal.value.in_([v for _, v in values]), LinkSignal.seller_id != seller_id
        )
    ).all()
    candidates = [
        rules.Signal(o.seller_id, o.kind, o.value, o.last_seen_at)
        for o in others
        if (o.kind, o.value) in values
    ]
    links = rules.pair_links(
        [*mine, *candidates],
        {},
        weights=policy.link_weights,
        ip_window=timedelta(hours=policy.ip_window_hours),
        name_similarity_min=2.0,
        exceptions=_exceptions(session),
    )
    return {
        (link.second if link.first == seller_id else link.first)
        for link in links
        if link.score >= policy.link_threshold and seller_id in (link.first, link.second)
    }


@dataclass(frozen=True)
class LinkingResult:
    pairs: int
    clusters: int
    flagged: int


def run_linking(
    session: Session, clock: Clock, policy: ConductPolicy | None = None
) -> LinkingResult:
    """The linking job: build the graph, and flag for staff the members still
    selling in clusters that hold a suspended or deactivated seller."""
    policy = policy or conduct_policy()
    links, sellers = _links(session, policy)
    found = rules.clusters(links, policy.link_threshold)
    statuses = {sid: s.status for sid, s in sellers.items()}
    open_reviews = {
        (r.seller_id, r.cluster)
        for r in session.scalars(
            select(LinkReview).where(LinkReview.status.in_(("open", "cleared", "confirmed")))
        )
    }
    flagged = 0
    now = clock.now()
    by_pair = {(link.first, link.second): link for link in links}
    for cluster in found:
        key = ",".join(sorted(cluster))
        for member in sorted(rules.members_to_review(cluster, statuses)):
            if (member, key) in open_reviews:
                continue
            shared = [
                {"with": other, "kinds": list(link.kinds), "score": round(link.score, 2)}
                for other in sorted(cluster - {member})
                if (link := by_pair.get((min(member, other), max(member, other)))) is not None
            ]
            session.add(
                LinkReview(
                    seller_id=member,
                    cluster=key,
                    status="open",
                    reason="linked_cluster",
                    evidence={
                        "shared": shared,
                        "restricted": [m for m in sorted(cluster) if statuses.get(m) != "active"],
                    },
                    created_at=now,
                )
            )
            flagged += 1
    session.commit()
    return LinkingResult(len(links), len(found), flagged)


def screen_for_deactivated_match(
    session: Session, clock: Clock, seller_id: str, policy: ConductPolicy | None = None
) -> LinkReview | None:
    """Hold a new or resubmitting account whose identity matches a deactivated
    seller's: its status becomes suspended until staff decide. The caller commits."""
    policy = policy or conduct_policy()
    seller = get_seller(session, seller_id)
    if seller.is_platform_retail:
        return None
    deactivated = {
        s.id: s.business_name
        for s in session.scalars(
            select(Seller).where(Seller.status == "deactivated", Seller.id != seller_id)
        )
    }
    if not deactivated:
        return None
    links = rules.pair_links(
        [*_signals(session, [seller_id]), *_signals(session, list(deactivated))],
        {seller_id: seller.business_name, **deactivated},
        weights=policy.link_weights,
        ip_window=timedelta(hours=policy.ip_window_hours),
        name_similarity_min=policy.name_similarity,
        exceptions=_exceptions(session),
    )
    matched = [
        link
        for link in links
        if seller_id in (link.first, link.second)
        and link.score >= policy.link_threshold
        and (link.second if link.first == seller_id else link.first) in deactivated
    ]
    if not matched:
        return None
    existing = session.scalar(
        select(LinkReview).where(
            LinkReview.seller_id == seller_id,
            LinkReview.reason == "registration_hold",
            LinkReview.status == "held",
        )
    )
    if existing is not None:
        return existing
    members = sorted({seller_id, *(m for link in matched for m in (link.first, link.second))})
    review = LinkReview(
        seller_id=seller_id,
        cluster=",".join(members),
        status="held",
        reason="registration_hold",
        evidence={
            "shared": [
                {
                    "with": link.second if link.first == seller_id else link.first,
                    "kinds": list(link.kinds),
                    "score": round(link.score, 2),
                }
                for link in matched
            ],
            "restricted": [m for m in members if m != seller_id],
        },
        created_at=clock.now(),
    )
    session.add(review)
    session.flush()
    seller.status = "suspended"
    seller.status_reason = (
        "Your account is on hold while souk reviews it: its details match an account "
        "that was deactivated."
    )
    emit(
        session,
        "seller.status_changed",
        seller.id,
        {"seller_id": seller.id, "status": "suspended"},
        clock.now(),
    )
    return review


def screen_new_seller(
    session: Session, clock: Clock, seller_id: str, *, device_id: str, ip: str
) -> LinkReview | None:
    """At registration: keep the device and IP as signals, and hold the account
    when it matches a deactivated seller. Commits."""
    now = clock.now()
    if device_id:
        record_signal(
            session, seller_id, rules.DEVICE, device_id, f"Device cookie …{device_id[-6:]}", now
        )
    if ip:
        record_signal(session, seller_id, rules.IP, ip, f"IP {ip}", now)
    held = screen_for_deactivated_match(session, clock, seller_id)
    session.commit()
    return held


@dataclass(frozen=True)
class GraphNode:
    seller: Seller
    x: float
    y: float


@dataclass(frozen=True)
class GraphEdge:
    first: str
    second: str
    kinds: tuple[str, ...]
    score: float
    linked: bool


@dataclass(frozen=True)
class LinkGraph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    evidence: dict[str, list[LinkSignal]]  # per seller: the signals shared with the others


def link_graph(session: Session, seller_id: str, policy: ConductPolicy | None = None) -> LinkGraph:
    """The sellers around one seller (its cluster and direct neighbours), laid out on
    a circle, with the shared signals staff compare side by side."""
    import math

    policy = policy or conduct_policy()
    links, sellers = _links(session, policy)
    members = {seller_id}
    for cluster in rules.clusters(links, policy.link_threshold):
        if seller_id in cluster:
            members |= cluster
    members |= {
        m
        for link in links
        if seller_id in (link.first, link.second)
        for m in (link.first, link.second)
    }
    edges = [
        GraphEdge(
            link.first, link.second, link.kinds, link.score, link.score >= policy.link_threshold
        )
        for link in links
        if link.first in members and link.second in members
    ]
    ordered = sorted(members, key=lambda m: (m != seller_id, m))
    nodes = []
    for index, member in enumerate(ordered):
        if member not in sellers:
            continue
        angle = 2 * math.pi * index / max(1, len(ordered)) - math.pi / 2
        radius = 0 if len(ordered) == 1 else 140
        # Drawn in a 520 x 400 box with room for the names under the nodes.
        nodes.append(
            GraphNode(
                sellers[member], 260 + radius * math.cos(angle), 180 + radius * math.sin(angle)
            )
        )
    shared_values: dict[tuple[str, str], set[str]] = {}
    rows = session.scalars(select(LinkSignal).where(LinkSignal.seller_id.in_(list(members)))).all()
    for row in rows:
        shared_values.setdefault((row.kind, row.value), set()).add(row.seller_id)
    evidence: dict[str, list[LinkSignal]] = {}
    for row in rows:
        if len(shared_values[(row.kind, row.value)]) > 1:
            evidence.setdefault(row.seller_id, []).append(row)
    return LinkGraph(nodes, edges, evidence)


def link_reviews(
    session: Session, *, status: str = "open", limit: int = 200
) -> list[tuple[LinkReview, Seller]]:
    statuses = ("open", "held") if status == "open" else (status,)
    rows = session.execute(
        select(LinkReview, Seller)
        .join(Seller, Seller.id == LinkReview.seller_id)
        .where(LinkReview.status.in_(statuses))
        .order_by(LinkReview.created_at, LinkReview.id)
        .limit(limit)
    ).all()
    return [(r, s) for r, s in rows]


def get_link_review(session: Session, review_id: int) -> LinkReview:
    review = session.get(LinkReview, review_id)
    if review is None:
        raise NotFound(f"No linked-account review {review_id}.")
    return review


LINK_DECISIONS = ("clear", "exception", "confirm")


def decide_link_review(
    session: Session, clock: Clock, *, staff_user_id: int, review_id: int, decision: str, note: str
) -> LinkReview:
    """Staff decide a flagged or held account: ``clear`` (not the same business),
    ``exception`` (a legitimate second account: the pair may share signals from now
    on), or ``confirm`` (the same business: deactivated with the others)."""
    if decision not in LINK_DECISIONS:
        raise InvalidInput("Choose clear, exception or confirm.", field="decision")
    note = check_reason(note)
    review = get_link_review(session, review_id)
    if review.status not in ("open", "held"):
        raise InvalidState(f"This review was already {review.status}.")
    now = clock.now()
    review.decided_at = now
    review.decided_by = staff_user_id
    review.note = note
    others = [m for m in review.cluster.split(",") if m and m != review.seller_id]
    record(
        session,
        staff_user_id,
        f"policy.link_{decision}",
        review.seller_id,
        note,
        {"review_id": review.id, "cluster": others, "evidence": review.evidence},
        at=now,
    )
    held = review.status == "held"
    seller = get_seller(session, review.seller_id)
    if decision == "exception":
        for other in others:
            first, second = sorted((review.seller_id, other))
            exists = session.scalar(
                select(LinkException.id).where(
                    LinkException.first_seller_id == first, LinkException.second_seller_id == second
                )
            )
            if exists is None:
                session.add(
                    LinkException(
                        first_seller_id=first,
                        second_seller_id=second,
                        reason=note,
                        granted_by=staff_user_id,
                        granted_at=now,
                    )
                )
    if decision in ("clear", "exception"):
        review.status = "cleared"
        if held and seller.status == "suspended":
            set_status(session, clock, seller.id, "active", "")
        else:
            session.commit()
        return review
    review.status = "confirmed"
    session.flush()
    open_case(
        session,
        clock,
        seller_id=seller.id,
        kind="linked_account",
        summary="This account is linked to a deactivated account: "
        + ", ".join(others)
        + f". {note}",
        evidence={"review_id": review.id, **review.evidence},
        step="deactivation",
        actor=str(staff_user_id),
    )
    return review


# -- cases and the ladder -------------------------------------------------------------------


def prior_cases(session: Session, seller_id: str, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(PolicyCase)
            .where(
                PolicyCase.seller_id == seller_id,
                PolicyCase.created_at >= since,
                PolicyCase.status != "dismissed",
            )
        )
        or 0
    )


def _enforce(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    step: str,
    reason: str,
    evidence: dict[str, Any],
    actor: str,
    kind: str,
    points: int,
    asins: Sequence[str],
) -> int:
    from souk.performance.service import take_enforcement_action

    action = take_enforcement_action(
        session,
        clock,
        seller_id=seller_id,
        step=step,
        reason=reason,
        evidence=evidence,
        actor=actor,
        case_kind=f"policy:{kind}",
        points=points,
        asins=asins,
    )
    return int(action.id)


def open_case(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    kind: str,
    summary: str,
    evidence: dict[str, Any],
    asin: str = "",
    enforce: bool = True,
    step: str | None = None,
    actor: str = SYSTEM,
    policy: ConductPolicy | None = None,
) -> PolicyCase:
    """Record a violation as a case: its points and ladder step from the policy
    (one step higher for each case in the ladder window), and, with ``enforce``,
    the step taken at once. Without ``enforce`` the case waits for staff (and
    nothing is committed: event handlers use this)."""
    policy = policy or conduct_policy()
    case_policy = policy.cases.get(kind)
    if case_policy is None:
        raise InvalidInput(f"Unknown case kind {kind!r}.", field="kind")
    now = clock.now()
    earlier = prior_cases(session, seller_id, now - timedelta(days=policy.ladder_days))
    decided = rules.decide_case(kind, case_policy.points, case_policy.first_step, earlier)
    chosen = step or decided.step
    if chosen == "listing_removal" and not asin:
        chosen = "warning"
    case = PolicyCase(
        seller_id=seller_id,
        kind=kind,
        status="open",
        summary=summary,
        evidence=evidence,
        asin=asin,
        points=decided.points,
        step=chosen,
        created_at=now,
    )
    session.add(case)
    session.flush()
    if enforce:
        case.status = "actioned"
        case.decided_at = now
        case.action_id = _enforce(
            session,
            clock,
            seller_id=seller_id,
            step=chosen,
            reason=summary,
            evidence={"case_id": case.id, **evidence},
            actor=actor,
            kind=kind,
            points=decided.points,
            asins=[asin] if asin else [],
        )
        session.commit()
    return case


def act_on_case(
    session: Session, clock: Clock, *, staff_user_id: int, case_id: int, decision: str, note: str
) -> PolicyCase:
    """Staff take the case's ladder step (``enforce``) or dismiss it as a false alarm."""
    note = check_reason(note)
    case = session.get(PolicyCase, case_id)
    if case is None:
        raise NotFound(f"No case {case_id}.")
    if case.status != "open":
        raise InvalidState(f"This case was already {case.status}.")
    if decision not in ("enforce", "dismiss"):
        raise InvalidInput("Choose enforce or dismiss.", field="decision")
    now = clock.now()
    case.decided_at = now
    case.decided_by = staff_user_id
    case.note = note
    if decision == "dismiss":
        case.status = "dismissed"
        record(
            session,
            staff_user_id,
            "policy.case_dismissed",
            case.seller_id,
            note,
            {"case_id": case.id},
            at=now,
        )
        session.commit()
        return case
    case.status = "actioned"
    session.flush()
    case.action_id = _enforce(
        session,
        clock,
        seller_id=case.seller_id,
        step=case.step,
        reason=f"{case.summary} {note}",
        evidence={"case_id": case.id, **case.evidence},
        actor=str(staff_user_id),
        kind=case.kind,
        points=case.points,
        asins=[case.asin] if case.asin else [],
    )
    session.commit()
    return case


def cases(
    session: Session, *, status: str = "", seller_id: str = "", limit: int = 200
) -> list[tuple[PolicyCase, Seller]]:
    query = select(PolicyCase, Seller).join(Seller, Seller.id == PolicyCase.seller_id)
    if status:
        query = query.where(PolicyCase.status == status)
    if seller_id:
        query = query.where(PolicyCase.seller_id == seller_id)
    rows = session.execute(
        query.order_by(PolicyCase.created_at.desc(), PolicyCase.id.desc()).limit(limit)
    )
    return [(c, s) for c, s in rows]


# -- red lines at the door ------------------------------------------------------------------


def listing_rules(policy: ConductPolicy) -> rules.ListingRules:
    return rules.ListingRules(
        title_max_length=policy.title_max_length,
        title_max_word_repeats=policy.title_max_word_repeats,
        title_max_separators=policy.title_max_separators,
        promotional_phrases=tuple(policy.promotional_phrases),
    )


def _count_upload(
    session: Session,
    clock: Clock,
    seller_id: str,
    kind: str,
    wanted: int,
    limit: int,
    policy: ConductPolicy,
) -> None:
    now = clock.now()
    hour = rules.hour_start(now)
    counter = session.get(UploadCounter, (seller_id, kind, hour))
    if counter is None:
        counter = UploadCounter(seller_id=seller_id, kind=kind, hour=hour, used=0, refused=0)
        session.add(counter)
        session.flush()
    verdict = rules.throttle(counter.used, wanted, limit, now)
    if verdict.allowed:
        counter.used += wanted
        return
    counter.refused += 1
    if rules.upload_abuse(counter.refused, policy.abuse_refusals):
        open_case(
            session,
            clock,
            seller_id=seller_id,
            kind="upload_abuse",
            summary=f"Listing uploads went on after the hourly limit of {limit} was reached "
            f"({counter.refused} refused attempts this hour).",
            evidence={"hour": hour.isoformat(), "used": counter.used, "refused": counter.refused},
            enforce=False,
            policy=policy,
        )
    # The refusal (and any case) is kept although the upload itself is not.
    session.commit()
    minutes = max(1, verdict.retry_after_seconds // 60)
    raise TooManyRequests(
        f"You have reached the limit of {limit} listing "
        f"{'creations' if kind == 'product' else 'changes'} an hour. "
        f"Try again in about {minutes} minute{'s' if minutes != 1 else ''}.",
        retry_after=verdict.retry_after_seconds,
    )


def throttle_listing_changes(
    session: Session,
    clock: Clock,
    seller_id: str,
    count: int = 1,
    policy: ConductPolicy | None = None,
) -> None:
    """Count ``count`` offer creations or updates against the seller's hourly limit,
    or raise :class:`TooManyRequests` (429, Retry-After). Call it before the use
    case writes anything: a refusal commits its own count."""
    policy = policy or conduct_policy()
    _count_upload(
        session, clock, seller_id, "listing", count, policy.listing_changes_per_hour, policy
    )


def screen_offer(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    asin: str,
    marketplace: str,
    price_minor: int,
    shipping_minor: int,
    handling_days: int,
    count_upload: bool = True,
) -> None:
    """The red lines an offer must not cross (shipping charges, media rules), and the
    upload limit. Raises InvalidInput naming the field, or TooManyRequests."""
    policy = conduct_policy(marketplace)
    if count_upload:
        throttle_listing_changes(session, clock, seller_id, 1, policy)
    refusal = rules.shipping_refusal(
        price_minor, shipping_minor, policy.max_shipping_share, policy.shipping_floor_minor
    )
    if refusal:
        raise InvalidInput(refusal, field="shipping")
    row = session.execute(
        select(Category.path, Product.attributes)
        .join(Product, Product.category_id == Category.id)
        .where(Product.asin == asin)
    ).first()
    if row is not None:
        refusal = rules.media_refusal(
            row[0],
            handling_days,
            rules.release_date_of(row[1] or {}),
            clock.now().date(),
            media_categories=policy.media_categories,
            max_handling_days=policy.media_max_handling_days,
        )
        if refusal:
            raise InvalidInput(refusal, field="handling_days")


def screen_product(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    draft: ProductDraft,
    alt_texts: Sequence[str] = (),
) -> None:
    """The listing red lines for a new product page, and the product creation limit."""
    policy = conduct_policy()
    _count_upload(
        session, clock, seller_id, "product", 1, policy.product_creations_per_hour, policy
    )
    found = rules.listing_violations(
        rules.ListingText(draft.title, tuple(draft.bullets), draft.description, tuple(alt_texts)),
        listing_rules(policy),
    )
    if found:
        raise InvalidInput(found[0].message, field=found[0].field)


def registered_brand_names(session: Session, *, excluding_user_id: int | None = None) -> list[str]:
    query = select(Brand.name).join(BrandOwner, BrandOwner.brand_id == Brand.id)
    if excluding_user_id is not None:
        query = query.where(BrandOwner.user_id != excluding_user_id)
    return sorted(set(session.scalars(query)))


def check_business_name(session: Session, name: str, *, user_id: int | None = None) -> None:
    """Refuse misleading business names and names carrying another owner's registered brand."""
    policy = conduct_policy()
    refusal = rules.business_name_refusal(
        name,
        registered_brand_names(session, excluding_user_id=user_id),
        policy.misleading_name_words,
    )
    if refusal:
        raise InvalidInput(refusal, field="business_name")


@dataclass(frozen=True)
class CatalogScan:
    products: int
    offers: int
    per_rule: dict[str, int]
    examples: dict[str, list[str]]

    @property
    def findings(self) -> int:
        return sum(self.per_rule.values())


def scan_catalog(session: Session, clock: Clock, *, examples: int = 3) -> CatalogScan:
    """Every product page and active offer against the red-line rules: on an honest
    catalog (the demo's) every count must be zero."""
    policy = conduct_policy()
    listing = listing_rules(policy)
    per_rule: dict[str, int] = {
        **{rule: 0 for rule in rules.RULE_NAMES},
        "excessive_shipping": 0,
        "media_rules": 0,
    }
    found: dict[str, list[str]] = {}
    alt: dict[str, list[str]] = {}
    for asin, text in session.execute(select(ProductImage.asin, ProductImage.alt_text)):
        alt.setdefault(asin, []).append(text)
    products = 0
    for product in session.scalars(
        select(Product).execution_options(yield_per=500).order_by(Product.asin)
    ):
        products += 1
        violations = rules.listing_violations(
            rules.ListingText(
                product.title,
                tuple(str(b) for b in product.bullets or ()),
                product.description,
                tuple(alt.get(product.asin, ())),
            ),
            listing,
        )
        for violation in violations:
            per_rule[violation.rule] += 1
            found.setdefault(violation.rule, [])
            if len(found[violation.rule]) < examples:
                found[violation.rule].append(f"{product.asin}: {violation.message}")
    offers = 0
    today = clock.now().date()
    rows = session.execute(
        select(Offer, Category.path, Product.attributes)
        .join(Product, Product.asin == Offer.asin)
        .join(Category, Category.id == Product.category_id)
        .where(Offer.is_active)
        .execution_options(yield_per=1000)
    )
    for offer, path, attributes in rows:
        offers += 1
        market = conduct_policy(offer.marketplace)
        shipping = rules.shipping_refusal(
            offer.price_minor,
            offer.shipping_minor,
            market.max_shipping_share,
            market.shipping_floor_minor,
        )
        media = rules.media_refusal(
            path,
            offer.handling_days,
            rules.release_date_of(attributes or {}),
            today,
            media_categories=market.media_categories,
            max_handling_days=market.media_max_handling_days,
        )
        for rule, refusal in (("excessive_shipping", shipping), ("media_rules", media)):
            if refusal:
                per_rule[rule] += 1
                found.setdefault(rule, [])
                if len(found[rule]) < examples:
                    found[rule].append(f"offer {offer.id} ({offer.asin}): {refusal}")
    return CatalogScan(products, offers, per_rule, found)


# -- rank and review manipulation -----------------------------------------------------------


def is_self_or_linked_purchase(session: Session, buyer_id: int, seller_id: str) -> bool:
    """The buyer works for this seller, or for a seller linked with it."""
    employers = set(
        session.scalars(select(SellerUser.seller_id).where(SellerUser.user_id == buyer_id))
    )
    if not employers:
        return False
    if seller_id in employers:
        return True
    return bool(employers & linked_sellers(session, seller_id))


def works_for_linked_seller(session: Session, user_id: int, seller_ids: Collection[str]) -> bool:
    """The person works for a seller account linked with one of ``seller_ids``."""
    wanted = set(seller_ids)
    if not wanted:
        return False
    employers = set(
        session.scalars(select(SellerUser.seller_id).where(SellerUser.user_id == user_id))
    )
    return any(wanted & linked_sellers(session, employer) for employer in employers)


@on("order.placed")
def _screen_order(session: Session, event: DomainEvent) -> None:
    order = session.get(Order, event.payload.get("order_id"))
    if order is None:
        return
    rt = session.info.get("runtime")
    now = rt.clock.now() if rt is not None else order.purchased_at
    policy = conduct_policy(order.marketplace)
    at = FrozenClock(now)
    if is_self_or_linked_purchase(session, order.buyer_id, order.seller_id):
        open_case(
            session,
            at,
            seller_id=order.seller_id,
            kind="self_purchase",
            summary=f"Order {order.id} was placed by someone who works for this seller or a "
            "linked seller; it does not count toward sales rank or reviews.",
            evidence={"order_id": order.id, "buyer_id": order.buyer_id},
            enforce=False,
            policy=policy,
        )
    buyer = session.get(User, order.buyer_id)
    if buyer is None or now - buyer.created_at > timedelta(days=policy.new_buyer_days):
        return
    since = now - timedelta(hours=policy.burst_hours)
    times = list(
        session.scalars(
            select(Order.purchased_at)
            .join(User, User.id == Order.buyer_id)
            .where(
                Order.seller_id == order.seller_id,
                Order.purchased_at >= since,
                User.created_at >= now - timedelta(days=policy.new_buyer_days),
            )
        )
    )
    if not rules.order_burst(times, now, policy.burst_hours, policy.burst_orders):
        return
    already = session.scalar(
        select(PolicyCase.id).where(
            PolicyCase.seller_id == order.seller_id,
            PolicyCase.kind == "order_burst",
            PolicyCase.created_at >= since,
        )
    )
    if already is None:
        open_case(
            session,
            at,
            seller_id=order.seller_id,
            kind="order_burst",
            summary=f"{len(times)} orders from buyer accounts younger than "
            f"{policy.new_buyer_days} days within {policy.burst_hours} hours.",
            evidence={"orders": len(times), "last_order_id": order.id},
            enforce=False,
            policy=policy,
        )


@on("product.merged")
def _duplicate_merged(session: Session, event: DomainEvent) -> None:
    """Staff merged a duplicate detail page: the seller who created it gets a case
    (a warning on the ladder) with the pages as evidence."""
    duplicate = session.get(Product, event.payload.get("duplicate_asin"))
    if duplicate is None or duplicate.created_by_seller_id is None:
        return
    open_case(
        session,
        FrozenClock(event.occurred_at),
        seller_id=duplicate.created_by_seller_id,
        kind="duplicate_listing",
        summary=f"You created {duplicate.asin}, a duplicate of the existing page "
        f"{event.payload.get('kept_asin')}; staff merged them. List offers on existing "
        "pages instead of creating new ones.",
        evidence={"duplicate_asin": duplicate.asin, "kept_asin": event.payload.get("kept_asin")},
        enforce=False,
    )


# -- brand registry and IP complaints -------------------------------------------------------


def register_brand(
    session: Session,
    clock: Clock,
    *,
    user_id: int,
    brand_name: str,
    trademark_number: str,
    trademark_office: str,
) -> BrandOwner:
    """Enrol a brand in the registry for its rights owner (a brand already in the catalog)."""
    import re

    key = normalise_text(brand_name)
    brand = session.scalar(select(Brand).where(Brand.normalised_name == key)) if key else None
    if brand is None:
        raise InvalidInput("There is no brand of that name in souk's catalog.", field="brand")
    number = trademark_number.strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9 /-]{3,38}", number):
        raise InvalidInput(
            "Enter the registration number of the trademark.", field="trademark_number"
        )
    office = trademark_office.strip().upper()
    if office not in TRADEMARK_OFFICES:
        raise InvalidInput(
            "Choose the office that registered the trademark.", field="trademark_office"
        )
    owner = session.scalar(select(BrandOwner).where(BrandOwner.brand_id == brand.id))
    if owner is not None:
        if owner.user_id == user_id:
            return owner
        raise Conflict(
            f"{brand.name} is already in the brand registry; its owner can add you.", field="brand"
        )
    row = BrandOwner(
        brand_id=brand.id,
        user_id=user_id,
        trademark_number=number,
        trademark_office=office,
        registered_at=clock.now(),
    )
    session.add(row)
    session.commit()
    return row


TRADEMARK_OFFICES = {
    "USPTO": "United States Patent and Trademark Office",
    "UKIPO": "UK Intellectual Property Office",
    "EUIPO": "EU Intellectual Property Office",
    "DPMA": "Deutsches Patent- und Markenamt",
    "JPO": "Japan Patent Office",
    "CGPDTM": "Trade Marks Registry of India",
    "WIPO": "WIPO (Madrid System)",
}


def owned_brands(session: Session, user_id: int) -> list[tuple[BrandOwner, Brand]]:
    rows = session.execute(
        select(BrandOwner, Brand)
        .join(Brand, Brand.id == BrandOwner.brand_id)
        .where(BrandOwner.user_id == user_id)
    )
    return [(o, b) for o, b in rows]


def brand_listings(
    session: Session, brand_id: int, marketplace: str, *, limit: int = 200
) -> list[tuple[Offer, Product, Seller]]:
    """Third-party sellers' active offers on a brand's products (what a rights owner may report)."""
    rows = session.execute(
        select(Offer, Product, Seller)
        .join(Product, Product.asin == Offer.asin)
        .join(Seller, Seller.id == Offer.seller_id)
        .where(
            Product.brand_id == brand_id,
            Offer.marketplace == marketplace,
            Offer.is_active,
            Seller.is_platform_retail.is_(False),
        )
        .order_by(Product.title, Seller.business_name)
        .limit(limit)
    )
    return [(o, p, s) for o, p, s in rows]


MIN_EVIDENCE = 30


def file_complaint(
    session: Session,
    clock: Clock,
    *,
    user_id: int,
    asin: str,
    seller_id: str,
    kind: str,
    evidence: str,
) -> IpComplaint:
    """A rights owner reports a seller's listing of their brand. The listing leaves
    sale at once, pending review, unless the complainant is flagged as abusive."""
    policy = conduct_policy()
    if kind not in policy.ip_kinds:
        raise InvalidInput("Choose what the complaint is about.", field="kind")
    evidence = evidence.strip()
    if len(evidence) < MIN_EVIDENCE:
        raise InvalidInput(
            "Describe the infringement and your evidence (a trademark or copyright registration, "
            "a test buy) in at least a few sentences.",
            field="evidence",
        )
    product = session.get(Product, asin.strip().upper())
    if product is None or product.brand_id is None:
        raise NotFound("No such product.", field="asin")
    owner = session.scalar(
        select(BrandOwner).where(
            BrandOwner.brand_id == product.brand_id, BrandOwner.user_id == user_id
        )
    )
    if owner is None:
        raise Forbidden("Only the brand's registered rights owner can file this complaint.")
    seller = get_seller(session, seller_id)
    live = session.scalar(
        select(func.count())
        .select_from(Offer)
        .where(Offer.seller_id == seller.id, Offer.asin == product.asin, Offer.is_active)
    )
    if not live:
        raise InvalidInput("That seller has no live listing of this product.", field="seller_id")
    if session.scalar(
        select(IpComplaint.id).where(
            IpComplaint.seller_id == seller.id,
            IpComplaint.asin == product.asin,
            IpComplaint.status == "pending_review",
        )
    ):
        raise Conflict("A complaint about this listing is already under review.")
    complaint = IpComplaint(
        brand_id=product.brand_id,
        complainant_user_id=user_id,
        seller_id=seller.id,
        asin=product.asin,
        kind=kind,
        evidence=evidence,
        status="pending_review",
        created_at=clock.now(),
    )
    session.add(complaint)
    session.flush()
    emit(
        session,
        "policy.ip_complaint_filed",
        seller.id,
        {"complaint_id": complaint.id, "seller_id": seller.id, "asin": product.asin, "kind": kind},
        clock.now(),
    )
    if owner.abusive:
        # Flagged complainants' reports wait for staff before anything is taken down.
        session.commit()
        return complaint
    action_id = _enforce(
        session,
        clock,
        seller_id=seller.id,
        step="listing_removal",
        reason=f"{rules.IP_KINDS[kind]} complaint from the rights owner of this brand "
        f"(complaint {complaint.id}). The listing is off sale while souk reviews it; "
        "you may appeal with invoices or a licence.",
        evidence={"complaint_id": complaint.id, "asin": product.asin, "kind": kind},
        actor=SYSTEM,
        kind="ip_complaint",
        points=0,
        asins=[product.asin],
    )
    complaint.action_id = action_id
    session.commit()
    return complaint


def get_complaint(session: Session, complaint_id: int) -> IpComplaint:
    complaint = session.get(IpComplaint, complaint_id)
    if complaint is None:
        raise NotFound(f"No complaint {complaint_id}.")
    return complaint


def seller_complaint(session: Session, seller_id: str, complaint_id: int) -> IpComplaint:
    complaint = session.get(IpComplaint, complaint_id)
    if complaint is None or complaint.seller_id != seller_id:
        raise NotFound(f"There is no complaint {complaint_id} about your listings.")
    return complaint


def appeal_complaint(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    complaint_id: int,
    root_cause: str,
    actions_taken: str,
    prevention: str,
    invoices: str,
) -> IpComplaint:
    """The seller appeals the listing removal with a plan of action and its proof
    (invoices from the brand or an authorised distributor, a licence)."""
    complaint = seller_complaint(session, seller_id, complaint_id)
    if complaint.action_id is None:
        raise InvalidState("Nothing was taken down for this complaint; there is nothing to appeal.")
    if complaint.status not in ("pending_review", "upheld"):
        raise InvalidState(f"This complaint was already {complaint.status}.")
    complaint.seller_response = invoices.strip()[:4000]
    from souk.performance.service import submit_appeal

    submit_appeal(
        session,
        clock,
        action_id=complaint.action_id,
        seller_id=seller_id,
        root_cause=root_cause,
        actions_taken=actions_taken,
        prevention=prevention,
    )
    return complaint


def pending_appeal_id(session: Session, action_id: int | None) -> int | None:
    if action_id is None:
        return None
    from souk.performance.models import Appeal

    return session.scalar(
        select(Appeal.id).where(Appeal.action_id == action_id, Appeal.status == "pending")
    )


def decide_complaint(
    session: Session,
    clock: Clock,
    *,
    staff_user_id: int,
    complaint_id: int,
    decision: str,
    note: str,
) -> IpComplaint:
    """Staff decide a complaint.

    ``uphold``: the infringement is real; the listing stays off, a case is
    recorded, and the seller's ``ip_valid_to_deactivate``-th valid complaint in
    the window deactivates the account. ``reject``: the complaint is unfounded;
    the listing returns (any pending appeal is approved), and a complainant
    with ``ip_rejected_to_flag`` rejections is flagged as abusive.
    ``reinstate``: after an upheld complaint, the seller's appeal (invoices)
    convinced staff; the appeal is approved and the listing returns.
    """
    if decision not in ("uphold", "reject", "reinstate"):
        raise InvalidInput("Choose uphold, reject or reinstate.", field="decision")
    note = check_reason(note)
    complaint = get_complaint(session, complaint_id)
    policy = conduct_policy()
    now = clock.now()
    allowed = {
        "uphold": ("pending_review",),
        "reject": ("pending_review",),
        "reinstate": ("pending_review", "upheld"),
    }
    if complaint.status not in allowed[decision]:
        raise InvalidState(f"This complaint is {complaint.status.replace('_', ' ')}.")
    complaint.decided_at = now
    complaint.decided_by = staff_user_id
    complaint.decision_note = note
    record(
        session,
        staff_user_id,
        f"policy.ip_{decision}",
        complaint.seller_id,
        note,
        {"complaint_id": complaint.id, "asin": complaint.asin, "kind": complaint.kind},
        at=now,
    )
    if decision == "uphold":
        complaint.status = "upheld"
        since = now - timedelta(days=policy.ip_window_days)
        valid = int(
            session.scalar(
                select(func.count())
                .select_from(IpComplaint)
                .where(
                    IpComplaint.seller_id == complaint.seller_id,
                    IpComplaint.status == "upheld",
                    IpComplaint.decided_at >= since,
                )
            )
            or 0
        )
        outcome = rules.upheld_complaint_outcome(valid, policy.ip_valid_to_deactivate)
        case_policy = policy.cases["ip_complaint"]
        case = PolicyCase(
            seller_id=complaint.seller_id,
            kind="ip_complaint",
            status="actioned",
            summary=f"{rules.IP_KINDS[complaint.kind]} complaint {complaint.id} upheld: {note}",
            evidence={
                "complaint_id": complaint.id,
                "evidence": complaint.evidence[:500],
                "valid_in_window": valid,
            },
            asin=complaint.asin,
            points=case_policy.points,
            step=outcome.step,
            action_id=complaint.action_id,
            created_at=now,
            decided_at=now,
            decided_by=staff_user_id,
        )
        session.add(case)
        session.flush()
        complaint.case_id = case.id
        if outcome.deactivate:
            case.action_id = _enforce(
                session,
                clock,
                seller_id=complaint.seller_id,
                step="deactivation",
                reason=f"{valid} valid intellectual-property complaints within "
                f"{policy.ip_window_days} days.",
                evidence={"complaint_id": complaint.id, "valid_in_window": valid},
                actor=str(staff_user_id),
                kind="ip_complaint",
                points=case_policy.points,
                asins=[],
            )
        elif case_policy.points:
            case.action_id = _enforce(
                session,
                clock,
                seller_id=complaint.seller_id,
                step="warning",
                reason=f"Upheld {rules.IP_KINDS[complaint.kind].lower()} complaint "
                f"about {complaint.asin}.",
                evidence={"complaint_id": complaint.id},
                actor=str(staff_user_id),
                kind="ip_complaint",
                points=case_policy.points,
                asins=[],
            )
        session.commit()
        return complaint
    complaint.status = "rejected" if decision == "reject" else "reinstated"
    if decision == "reject":
        owner = session.scalar(
            select(BrandOwner).where(
                BrandOwner.brand_id == complaint.brand_id,
                BrandOwner.user_id == complaint.complainant_user_id,
            )
        )
        rejected = int(
            session.scalar(
                select(func.count())
                .select_from(IpComplaint)
                .where(
                    IpComplaint.complainant_user_id == complaint.complainant_user_id,
                    IpComplaint.status == "rejected",
                    IpComplaint.decided_at >= now - timedelta(days=policy.ip_window_days),
                )
            )
            or 0
        )
        if owner is not None and rules.complainant_abusive(
            rejected + 1, policy.ip_rejected_to_flag
        ):
            owner.abusive = True
    _restore_listing(session, clock, complaint, staff_user_id, note)
    return complaint


def _restore_listing(
    session: Session, clock: Clock, complaint: IpComplaint, staff_user_id: int, note: str
) -> None:
    appeal_id = pending_appeal_id(session, complaint.action_id)
    if appeal_id is not None:
        from souk.performance.service import decide_appeal

        # Approving the appeal restores the offers the removal took and commits.
        decide_appeal(
            session,
            clock,
            appeal_id=appeal_id,
            staff_user_id=staff_user_id,
            approve=True,
            note=note,
        )
        return
    offers = session.scalars(
        select(Offer).where(
            Offer.seller_id == complaint.seller_id,
            Offer.asin == complaint.asin,
            Offer.is_active.is_(False),
        )
    ).all()
    from souk.offers.service import set_active

    for offer in offers:
        set_active(session, clock, offer, True)
    session.commit()


@on("seller.appeal_decided")
def _appeal_decided(session: Session, event: DomainEvent) -> None:
    """An approved appeal of a complaint's removal reinstates the complaint's listing."""
    if not event.payload.get("approved"):
        return
    for complaint in session.scalars(
        select(IpComplaint).where(
            IpComplaint.action_id == event.payload.get("action_id"),
            IpComplaint.status.in_(("pending_review", "upheld")),
        )
    ):
        complaint.status = "reinstated"
        complaint.decided_at = event.occurred_at


def complaints(
    session: Session,
    *,
    status: str = "",
    seller_id: str = "",
    user_id: int | None = None,
    limit: int = 200,
) -> list[tuple[IpComplaint, Seller, Product, Brand]]:
    query = (
        select(IpComplaint, Seller, Product, Brand)
        .join(Seller, Seller.id == IpComplaint.seller_id)
        .join(Product, Product.asin == IpComplaint.asin)
        .join(Brand, Brand.id == IpComplaint.brand_id)
    )
    if status:
        query = query.where(IpComplaint.status == status)
    if seller_id:
        query = query.where(IpComplaint.seller_id == seller_id)
    if user_id is not None:
        query = query.where(IpComplaint.complainant_user_id == user_id)
    rows = session.execute(
        query.order_by(IpComplaint.created_at.desc(), IpComplaint.id.desc()).limit(limit)
    )
    return [(c, s, p, b) for c, s, p, b in rows]


# -- buyers' reports ------------------------------------------------------------------------


def report_seller(
    session: Session, clock: Clock, *, user_id: int, seller_id: str, reason: str, details: str
) -> SellerReport:
    reasons = default_policy().default.identity.report_reasons
    if reason not in reasons:
        raise InvalidInput("Choose what went wrong.", field="reason")
    details = details.strip()
    if len(details) > 2000:
        raise InvalidInput("Keep the details under 2,000 characters.", field="details")
    seller = get_seller(session, seller_id)
    report = SellerReport(
        seller_id=seller.id,
        reporter_user_id=user_id,
        reason=reason,
        details=details,
        created_at=clock.now(),
    )
    session.add(report)
    session.commit()
    return report


def seller_reports(
    session: Session, *, status: str = "open", limit: int = 200
) -> list[tuple[SellerReport, Seller, User]]:
    rows = session.execute(
        select(SellerReport, Seller, User)
        .join(Seller, Seller.id == SellerReport.seller_id)
        .join(User, User.id == SellerReport.reporter_user_id)
        .where(SellerReport.status == status)
        .order_by(SellerReport.created_at.desc(), SellerReport.id.desc())
        .limit(limit)
    )
    return [(r, s, u) for r, s, u in rows]


def close_report(
    session: Session, clock: Clock, *, staff_user_id: int, report_id: int, note: str
) -> SellerReport:
    note = check_reason(note)
    report = session.get(SellerReport, report_id)
    if report is None:
        raise NotFound(f"No report {report_id}.")
    report.status = "closed"
    record(
        session,
        staff_user_id,
        "policy.report_closed",
        report.seller_id,
        note,
        {"report_id": report.id},
        at=clock.now(),
    )
    session.commit()
    return report


def linking_job(sessions: sessionmaker[Session], clock: Clock) -> int:
    with sessions() as session:
        return run_linking(session, clock).flagged
