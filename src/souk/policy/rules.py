"""Prohibited conduct as pure functions: linked accounts, listing red lines,
business names, upload throttling, shipping charges, media rules, order
bursts, the enforcement ladder and IP complaints.

No session, no I/O, no clock reads: callers pass ``now`` and the policy's
numbers, so every rule is a table-driven test away from being checked.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from souk.catalog.rules import normalise_text, off_platform_contact

# -- linked accounts ------------------------------------------------------------------------

BANK_ACCOUNT = "bank_account"
TAX_ID = "tax_id"
CARD = "card"
PHONE = "phone"
ADDRESS = "address"
DEVICE = "device"
IP = "ip"
BUSINESS_NAME = "business_name"

SIGNAL_NAMES: dict[str, str] = {
    BANK_ACCOUNT: "Bank account",
    TAX_ID: "Tax id",
    CARD: "Payment card",
    PHONE: "Phone number",
    ADDRESS: "Business address",
    DEVICE: "Sign-in device",
    IP: "IP address",
    BUSINESS_NAME: "Near-identical business name",
}

_ADDRESS_WORDS = {
    "street": "st",
    "str": "st",
    "strasse": "st",
    "avenue": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "drive": "dr",
    "lane": "ln",
    "suite": "ste",
    "apartment": "apt",
    "floor": "fl",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
    "fourth": "4th",
    "fifth": "5th",
    "sixth": "6th",
    "seventh": "7th",
    "eighth": "8th",
    "ninth": "9th",
    "tenth": "10th",
}
_COMPANY_SUFFIXES = {
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "plc",
    "gmbh",
    "ag",
    "co",
    "corp",
    "corporation",
    "company",
    "kk",
    "pvt",
    "private",
    "sa",
    "sarl",
    "bv",
    "srl",
    "group",
    "and",
}


def normalise_address(line1: str, line2: str, city: str, postal_code: str, country: str) -> str:
    """One comparable string for an address ("12 Main Street, Ste 4" equals
    "12 main st suite 4"); German "straße" and "str." fold to "st" too."""
    text = " ".join((line1, line2, city, postal_code, country)).replace("ß", "ss")
    text = re.sub(r"(?<=[a-z])(strasse|str)\b\.?", r" \1", text.lower())
    words = normalise_text(text).split()
    return " ".join(_ADDRESS_WORDS.get(w, w) for w in words)


def normalise_business_name(name: str) -> str:
    """A business name without legal-form words ("Acme Trading LLC" is "acme trading")."""
    words = [w for w in normalise_text(name).split() if w not in _COMPANY_SUFFIXES]
    return " ".join(words)


def name_similarity(first: str, second: str) -> float:
    """0-1 likeness of two business names after normalising."""
    a, b = normalise_business_name(first), normalise_business_name(second)
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b).ratio()


@dataclass(frozen=True)
class Signal:
    """Something a seller account was seen with: ``value`` is a fingerprint, never raw."""

    seller_id: str
    kind: str
    value: str
    seen_at: datetime


@dataclass(frozen=True)
class PairLink:
    """Why two sellers are linked: the signal kinds they share and the summed weight."""

    first: str
    second: str
    kinds: tuple[str, ...]
    score: float


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def pair_links(
    signals: Iterable[Signal],
    business_names: Mapping[str, str],
    *,
    weights: Mapping[str, float],
    ip_window: timedelta,
    name_similarity_min: float,
    exceptions: Collection[tuple[str, str]] = (),
) -> list[PairLink]:
    """Every pair of sellers that shares at least one signal, with its score.

    Each kind counts once per pair, whatever the number of shared values. IP
    addresses count only when both accounts used one within ``ip_window``.
    Pairs granted an exception (a family business, say) are left out.
    """
    excepted = {_pair(a, b) for a, b in exceptions}
    by_value: dict[tuple[str, str], list[Signal]] = {}
    for signal in signals:
        by_value.setdefault((signal.kind, signal.value), []).append(signal)
    shared: dict[tuple[str, str], set[str]] = {}
    for (kind, _), seen in by_value.items():
        for i, one in enumerate(seen):
            for other in seen[i + 1 :]:
                if one.seller_id == other.seller_id:
                    continue
                if kind == IP and abs(one.seen_at - other.seen_at) > ip_window:
                    continue
                shared.setdefault(_pair(one.seller_id, other.seller_id), set()).add(kind)
    names = sorted((sid, normalise_business_name(n)) for sid, n in business_names.items())
    for i, (first, a) in enumerate(names):
        for second, b in names[i + 1 :]:
            if a and b and difflib.SequenceMatcher(None, a, b).ratio() >= name_similarity_min:
                shared.setdefault(_pair(first, second), set()).add(BUSINESS_NAME)
    links = []
    for (first, second), kinds in sorted(shared.items()):
        if (first, second) in excepted:
            continue
        ordered = tuple(sorted(kinds))
        links.append(PairLink(first, second, ordered, sum(weights.get(k, 0.0) for k in ordered)))
    return links


def clusters(links: Iterable[PairLink], threshold: float) -> list[frozenset[str]]:
    """Connected groups of sellers over the pairs whose score reaches ``threshold``
    (union-find), largest first."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in links:
        if link.score >= threshold:
            root_a, root_b = find(link.first), find(link.second)
            if root_a != root_b:
                parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[str, set[str]] = {}
    for member in parent:
        groups.setdefault(find(member), set()).add(member)
    found = [frozenset(g) for g in groups.values() if len(g) > 1]
    return sorted(found, key=lambda g: (-len(g), sorted(g)))


def members_to_review(cluster: Collection[str], statuses: Mapping[str, str]) -> set[str]:
    """In a linked cluster with a suspended or deactivated member, the members still
    selling: they go to staff for review (never suspended blindly)."""
    if not any(statuses.get(m) in ("suspended", "deactivated") for m in cluster):
        return set()
    return {m for m in cluster if statuses.get(m) == "active"}


def registration_match(
    new_signals: Iterable[Signal],
    deactivated_signals: Iterable[Signal],
    *,
    weights: Mapping[str, float],
    threshold: float,
    ip_window: timedelta,
) -> dict[str, PairLink]:
    """The deactivated sellers a new account matches closely enough to hold it."""
    new = list(new_signals)
    links = pair_links(
        [*new, *deactivated_signals],
        {},
        weights=weights,
        ip_window=ip_window,
        name_similarity_min=2.0,
    )
    new_ids = {s.seller_id for s in new}
    matched = {}
    for link in links:
        if link.score < threshold or (link.first in new_ids) == (link.second in new_ids):
            continue
        other = link.second if link.first in new_ids else link.first
        matched[other] = link
    return matched


# -- listing content ------------------------------------------------------------------------

CONTACT = "off_platform_contact"
TITLE_LENGTH = "title_length"
PROMOTIONAL = "promotional_claim"
KEYWORD_STUFFING = "keyword_stuffing"

RULE_NAMES: dict[str, str] = {
    CONTACT: "Off-platform contact",
    TITLE_LENGTH: "Title too long",
    PROMOTIONAL: "Promotional claim in the title",
    KEYWORD_STUFFING: "Keyword stuffing",
}


@dataclass(frozen=True)
class ListingText:
    """The buyer-facing text of a listing."""

    title: str
    bullets: tuple[str, ...] = ()
    description: str = ""
    alt_texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListingRules:
    title_max_length: int
    title_max_word_repeats: int
    title_max_separators: int
    promotional_phrases: tuple[str, ...]


@dataclass(frozen=True)
class Violation:
    rule: str
    field: str
    message: str
    evidence: str = ""


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(folded.lower().split())


def promotional_claims(title: str, phrases: Iterable[str]) -> list[str]:
    """The promotional phrases in a title, matched as whole words."""
    text = f" {_fold(title)} "
    found = []
    for phrase in phrases:
        wanted = _fold(phrase)
        pattern = r"(?<![a-z0-9])" + re.escape(wanted) + r"(?![a-z0-9])"
        if wanted.startswith("%"):
            pattern = r"\d\s*" + re.escape(wanted) + r"(?![a-z0-9])"
        if re.search(pattern, text):
            found.append(phrase)
    return found


# Function words repeat in honest titles ("The Lord of the Rings: The Fellowship of the Ring").
_FUNCTION_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "into",
        "your",
        "our",
        "der",
        "die",
        "das",
        "und",
        "mit",
        "les",
        "des",
        "une",
        "pour",
        "con",
        "por",
    ]
)


def stuffed_words(title: str, max_repeats: int) -> list[str]:
    """Words of three letters or more (function words aside) used more than
    ``max_repeats`` times."""
    counts: dict[str, int] = {}
    for word in normalise_text(title).split():
        if len(word) >= 3 and not word.isdigit() and word not in _FUNCTION_WORDS:
            counts[word] = counts.get(word, 0) + 1
    return sorted(w for w, n in counts.items() if n > max_repeats)


def listing_violations(listing: ListingText, rules: ListingRules) -> list[Violation]:
    """Every listing red line the text crosses, naming the field; [] for an honest listing."""
    found: list[Violation] = []
    fields: list[tuple[str, str]] = [
        ("title", listing.title),
        ("description", listing.description),
        *(("bullets", b) for b in listing.bullets),
        *(("images", a) for a in listing.alt_texts),
    ]
    for name, text in fields:
        reasons = off_platform_contact(text)
        if reasons:
            found.append(
                Violation(
                    CONTACT,
                    name,
                    f"Listings may not carry {', '.join(reasons)}: buyers reach sellers "
                    "through souk only.",
                    text[:200],
                )
            )
    title = " ".join(listing.title.split())
    if len(title) > rules.title_max_length:
        found.append(
            Violation(
                TITLE_LENGTH,
                "title",
                f"Titles are limited to {rules.title_max_length} characters "
                f"(this one has {len(title)}).",
                title[:200],
            )
        )
    claims = promotional_claims(title, rules.promotional_phrases)
    if claims:
        found.append(
            Violation(
                PROMOTIONAL,
                "title",
                f"Titles describe the product, not the deal: remove {', '.join(claims)!s}.",
                title[:200],
            )
        )
    stuffed = stuffed_words(title, rules.title_max_word_repeats)
    pieces = len([p for p in re.split(r"[,|/;]", title) if p.strip()])
    if stuffed or pieces > rules.title_max_separators + 1:
        what = (
            f"words repeated over and over ({', '.join(stuffed)})"
            if stuffed
            else f"{pieces} comma- or bar-separated keyword pieces"
        )
        found.append(
            Violation(
                KEYWORD_STUFFING,
                "title",
                f"Titles may not be stuffed with keywords: {what}.",
                title[:200],
            )
        )
    return found


# -- business names -------------------------------------------------------------------------


def business_name_refusal(
    name: str, registered_brands: Iterable[str], misleading_words: Iterable[str]
) -> str | None:
    """Why a business name is refused at registration (misleading, or another's
    registered brand), or None. ``registered_brands`` are brands whose owners
    registered them and that this seller does not own."""
    text = f" {_fold(name)} "
    plain = f" {normalise_text(name)} "
    for word in misleading_words:
        wanted = _fold(word)
        if re.search(r"(?<![a-z0-9])" + re.escape(wanted) + r"(?![a-z0-9])", text):
            return (
                f"Business names may not suggest they are souk or a brand's official "
                f"outlet ({word!r})."
            )
    for brand in registered_brands:
        key = normalise_text(brand)
        if key and f" {key} " in plain:
            return (
                f"{brand} is a registered brand of another owner: choose a business name "
                "without it."
            )
    return None


# -- upload throttling ----------------------------------------------------------------------


@dataclass(frozen=True)
class Throttle:
    allowed: bool
    retry_after_seconds: int = 0


def hour_start(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def throttle(used_this_hour: int, wanted: int, limit: int, now: datetime) -> Throttle:
    """Whether ``wanted`` more listing changes fit in this hour's ``limit``; if not,
    how many seconds until the next hour opens."""
    if used_this_hour + wanted <= limit:
        return Throttle(True)
    wait = hour_start(now) + timedelta(hours=1) - now
    return Throttle(False, max(1, int(wait.total_seconds() + 0.999)))


def upload_abuse(refusals_this_hour: int, abuse_refusals: int) -> bool:
    """Hammering on after being throttled is flagged once it reaches the policy's count."""
    return refusals_this_hour == abuse_refusals


# -- offers: shipping charges and media -----------------------------------------------------


def shipping_refusal(
    price_minor: int, shipping_minor: int, share: float, floor_minor: int
) -> str | None:
    """Shipping above the configured share of the item price (or the floor) is gouging."""
    allowed = max(int(price_minor * share), floor_minor)
    if shipping_minor > allowed:
        return (
            "The shipping charge is too high for the item's price: at most "
            f"{share:.0%} of the price is allowed."
        )
    return None


def is_media(category_path: str, media_categories: Iterable[str]) -> bool:
    top = category_path.split("/", 1)[0]
    return top in set(media_categories)


def media_refusal(
    category_path: str,
    handling_days: int,
    release_date: date | None,
    today: date,
    *,
    media_categories: Iterable[str],
    max_handling_days: int,
) -> str | None:
    """Media ships within two business days and may not be pre-ordered."""
    if not is_media(category_path, media_categories):
        return None
    if handling_days > max_handling_days:
        return (
            f"Books, music, films and games ship within {max_handling_days} business days: "
            "lower the handling time."
        )
    if release_date is not None and release_date > today:
        return "Media may not be offered before its release date (no pre-orders)."
    return None


def release_date_of(attributes: Mapping[str, object]) -> date | None:
    """A product's release date from its attributes (``release_date``), if it has one."""
    value = attributes.get("release_date")
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


# -- rank and review manipulation -----------------------------------------------------------


def order_burst(
    new_buyer_orders: Sequence[datetime], now: datetime, hours: int, threshold: int
) -> bool:
    """A sudden burst: ``threshold`` or more orders from new buyer accounts to one
    seller within ``hours``."""
    since = now - timedelta(hours=hours)
    return sum(1 for at in new_buyer_orders if since <= at <= now) >= threshold


# -- cases and the enforcement ladder -------------------------------------------------------

STEPS = ("warning", "listing_removal", "selling_restriction", "deactivation")


@dataclass(frozen=True)
class CaseDecision:
    kind: str
    points: int
    step: str


def ladder_step(first_step: str, prior_cases: int) -> str:
    """The step for a violation: the kind's first step, one higher per earlier case
    within the ladder window, never beyond deactivation."""
    start = STEPS.index(first_step) if first_step in STEPS else 0
    return STEPS[min(len(STEPS) - 1, start + max(0, prior_cases))]


def decide_case(kind: str, points: int, first_step: str, prior_cases: int) -> CaseDecision:
    return CaseDecision(kind, points, ladder_step(first_step, prior_cases))


# -- IP complaints --------------------------------------------------------------------------

IP_KINDS: dict[str, str] = {
    "trademark": "Trademark infringement",
    "copyright": "Copyright infringement",
    "patent": "Patent infringement",
    "counterfeit": "Counterfeit product",
}


@dataclass(frozen=True)
class ComplaintOutcome:
    step: str  # what the upheld complaint does to the seller
    deactivate: bool


def upheld_complaint_outcome(valid_in_window: int, valid_to_deactivate: int) -> ComplaintOutcome:
    """An upheld complaint keeps the listing off sale and warns the seller; the
    ``valid_to_deactivate``-th valid complaint within the window deactivates."""
    if valid_in_window >= valid_to_deactivate:
        return ComplaintOutcome("deactivation", True)
    return ComplaintOutcome("listing_removal", False)


def complainant_abusive(rejected_in_window: int, rejected_to_flag: int) -> bool:
    """Rights owners whose complaints keep being rejected are flagged as abusive."""
    return rejected_in_window >= rejected_to_flag


@dataclass(frozen=True)
class ScanCounts:
    """Red-line findings over a catalog: listings checked and findings per rule."""

    listings: int = 0
    per_rule: dict[str, int] = field(default_factory=dict)

    @property
    def flagged(self) -> int:
        return sum(self.per_rule.values())
