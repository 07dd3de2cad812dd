"""Buyer-seller messaging decisions as pure functions.

Content rules (no links, e-mail addresses, phone numbers, social handles,
marketing or review solicitation; only allowed attachments), who may write
to whom and when, the 24-hour reply clock, the response-time metric, buyers'
local time zones and scheduled delivery. No session, no I/O, no clock reads:
callers pass ``now`` and the policy's numbers.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BUYER = "buyer"
SELLER = "seller"
PLATFORM = "platform"

LINK = "link"
EMAIL = "email"
PHONE = "phone"
SOCIAL = "social"
MARKETING = "marketing"
REVIEW_REQUEST = "review_request"
ATTACHMENT_TYPE = "attachment_type"
ATTACHMENT_SIZE = "attachment_size"
ATTACHMENT_COUNT = "attachment_count"
EMPTY = "empty"
TOO_LONG = "too_long"

#: What the sender is told, per reason.
REASON_TEXT: dict[str, str] = {
    LINK: "Links and web addresses are not allowed in messages.",
    EMAIL: "E-mail addresses are not allowed: souk relays every message for you.",
    PHONE: "Phone numbers are not allowed: please keep the conversation on souk.",
    SOCIAL: "Social media accounts and messaging apps are not allowed in messages.",
    MARKETING: "Marketing and promotions are not allowed in buyer-seller messages.",
    REVIEW_REQUEST: "Asking for positive reviews or feedback, or to change one, is not allowed.",
    ATTACHMENT_TYPE: "Only images (JPEG, PNG, GIF, WebP) and PDF documents can be attached.",
    ATTACHMENT_SIZE: "An attachment is larger than allowed.",
    ATTACHMENT_COUNT: "Too many attachments on one message.",
    EMPTY: "Write a message first.",
    TOO_LONG: "The message is longer than allowed.",
}

#: Why a seller writes to a buyer first. Buyers who opted out of unsolicited
#: messages still receive the purposes the policy marks as order-required.
PURPOSES: dict[str, str] = {
    "shipping_question": "Question about shipping or delivery",
    "customisation": "Confirm customisation details",
    "delivery_schedule": "Schedule a delivery",
    "unexpected_problem": "Unexpected problem with the order",
    "invoice": "Send an invoice",
    "return_information": "Information needed for a return",
    "general": "Other question about the order",
}


@dataclass(frozen=True)
class Verdict:
    """Whether a message may be delivered, and why not."""

    allowed: bool
    reasons: tuple[str, ...] = ()

    @property
    def messages(self) -> list[str]:
        return [REASON_TEXT.get(r, r) for r in self.reasons]


ALLOWED = Verdict(True)


def combine(*verdicts: Verdict) -> Verdict:
    """One verdict from several checks, reasons in order and without repeats."""
    reasons: list[str] = []
    for verdict in verdicts:
        reasons.extend(r for r in verdict.reasons if r not in reasons)
    return Verdict(not reasons, tuple(reasons))


# --- text -------------------------------------------------------------------

_TLDS = (
    "com|net|org|info|biz|io|co|me|us|uk|de|fr|it|es|nl|ca|au|in|jp|mx|br|eu|ly|gl|gg|be|tv|"
    "shop|store|online|site|app|xyz|link|click|top|club|live|ru|cn|ch|at|se|pl|ie|nz|sg|ae"
)
# Spelled-out separators people use to slip an address past a filter.
_DOT = r"(?:\.|\s+\.\s+|\s*[\[\(\{<]\s*(?:dot|\.)\s*[\]\)\}>]\s*|\s+dot\s+|\s+d0t\s+|\s*_dot_\s*)"
_AT = r"(?:\s*@\s*|\s*[\[\(\{<]\s*(?:at|@)\s*[\]\)\}>]\s*|\s+at\s+|\s*_at_\s*)"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SCHEME = re.compile(
    r"\b(?:https?|ftp)\s*:\s*/\s*/|\bhxxps?\b|\bwww\d?(?:\.|\s+dot\s+|\s*[\[\(]\s*dot)"
)
_DOMAIN = re.compile(rf"\b{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}(?:{_TLDS})\b(?!\s*[a-z0-9]*@)")
_EMAIL = re.compile(rf"\b[a-z0-9._%+-]+{_AT}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}(?:{_TLDS})\b")
_MAIL_SERVICE = re.compile(
    r"\b(?:gmail|g mail|hotmail|yahoo mail|ymail|outlook\.|protonmail|icloud mail)\b"
    r"|\b(?:my|our|personal|private|direct)\s+e-?mail\s+(?:is|address)\b"
    r"|\be-?mail\s+me\s+(?:at|on|directly)\b"
)
_HANDLE = re.compile(r"(?<![\w.@])@[a-z0-9_](?:[a-z0-9_.]{1,29})\b")
_SOCIAL_APPS = re.compile(
    r"\b(?:whats\s?app|telegram|wechat|viber|kik|snap\s?chat|line\s+id)\b"
    r"|\b(?:insta(?:gram)?|ig|facebook|fb|tik\s?tok|twitter|x\.com|youtube|linkedin|discord|"
    r"pinterest|threads)\b[^.!?\n]{0,25}\b(?:handle|user(?:name)?|account|page|profile|dm|"
    r"follow|add|find|message|contact|reach|search)\b"
    r"|\b(?:dm|follow|add|find|message|contact|reach|search)\s+(?:us|me)?\s*(?:on|at|via)\s+"
    r"(?:insta(?:gram)?|ig|facebook|fb|tik\s?tok|twitter|youtube|linkedin|discord|pinterest)\b"
)
_MARKETING = re.compile(
    r"\b(?:discount|promo(?:tion(?:al)?)?|coupon|voucher)\s+codes?\b"
    r"|\buse\s+(?:the\s+)?code\b|\b\d{1,2}\s*%\s*off\b|\bpercent\s+off\b"
    r"|\b(?:check\s+out|visit|browse|shop)\s+(?:our|my)\s+(?:other|new|latest|full|store|shop|"
    r"range|collection|products?|items?|catalog(?:ue)?)\b"
    r"|\bnew\s+arrivals\b|\bnewsletter\b|\bsubscribe\b|\bmailing\s+list\b"
    r"|\b(?:exclusive|special|limited[- ]time|flash|holiday|black\s+friday|cyber\s+monday)\s+"
    r"(?:offer|deal|sale|discount|promotion)s?\b"
    r"|\b(?:buy|order)\s+(?:again|more)\s+(?:from\s+us\s+)?(?:and|to)\s+(?:get|save|receive)\b"
    r"|\bfree\s+gift\b|\bbuy\s+one\s+get\b|\bbogo\b|\bour\s+(?:big|annual|summer|winter)\s+sale\b"
)
_REVIEW_REQUEST = re.compile(
    r"\b(?:positive|good|great|nice|excellent|glowing|favou?rable|5[- ]?stars?|five[- ]?stars?|"
    r"high)\s+(?:product\s+)?(?:reviews?|feedback|ratings?)\b"
    r"|\b(?:remove|change|update|revise|delete|edit|take\s+down|withdraw|amend|raise)\s+"
    r"(?:your|the|this|that)\s+(?:negative\s+|bad\s+|low\s+|1[- ]?star\s+|one[- ]?star\s+)?"
    r"(?:reviews?|feedback|ratings?)\b"
    r"|\b(?:reviews?|feedback|ratings?)\b[^.!?\n]{0,40}\b(?:in\s+exchange|for\s+a\s+(?:full\s+)?"
    r"refund|gift\s+card|free\s+(?:item|product|unit))\b"
    r"|\bin\s+exchange\s+for\s+(?:a|an|your)?\s*(?:\w+\s+)?(?:reviews?|feedback|ratings?)\b"
    r"|\b(?:rate|review)\s+us\s+(?:5|five|highly)\b|\b(?:give|leave)\s+us\s+(?:5|five)\b"
    r"|\b(?:5|five)\s+stars?\s+(?:please|would|if)\b"
)

_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_SPELLED_DIGITS = re.compile(
    r"\b(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d)[\s,-]*){7,}\b"
)

# Numbers that look long but are not contact data; masked before phone checks.
_ORDER_ID = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
_UPS = re.compile(r"\b1z\s?[0-9a-z]{3}\s?[0-9a-z]{3}\s?[0-9a-z]{2}\s?[0-9a-z]{4}\s?[0-9a-z]{4}\b")
_POSTAL_TRACKING = re.compile(r"\b[a-z]{2}\s?\d{3}\s?\d{3}\s?\d{3}\s?[a-z]{2}\b")
_LONG_DIGITS = re.compile(r"\b\d(?:[ ]?\d){15,}\b")  # 16+ digits: parcel ids, not phones
_DATE = re.compile(
    # A year in brackets, as in film and book titles: "Fahrenheit 451 (1966)".
    r"\(\s*(?:1[89]|20)\d{2}\s*\)"
    r"|\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
    r"\.?,?\s+\d{4}\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    r",?\s+\d{4}\b"
)
_PRICE = re.compile(
    r"[$€£¥₹]\s?\d[\d,. ]*\d|\b\d[\d,.]*\s?(?:usd|eur|gbp|cad|jpy|inr|dollars?|euros?|pounds?)\b"
)
_MEASURE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:x|\u00d7|by)\s?\d+(?:[.,]\d+)?(?:\s?(?:x|\u00d7|by)\s?\d+(?:[.,]\d+)?)?"
    r"|\b\d+(?:[.,]\d+)?\s?(?:mm|cm|m|km|in|inch(?:es)?|ft|feet|yd|kg|g|lbs?|oz|ml|l|w|kw|v|"
    r"mah|gb|tb|mb|hz|pcs|pieces|units|items|pairs?)\b"
)
_REFERENCE = re.compile(
    r"\b(?:order|invoice|tracking|track(?:ing)?\s*(?:no|number|#|id)?|ref(?:erence)?|model|part|"
    r"serial|sku|isbn|upc|ean|gtin|asin|item|fedex|ups|usps|dhl|royal\s+mail|awb|case|ticket|"
    r"rma|return|barcode|lot|batch|parcel|shipment|consignment)\b[^.!?\n]{0,24}$"
)
_PHONE_WORDS = re.compile(
    r"\b(?:call|text|phone|tel|mobile|cell|ring|sms|whats\s?app|fax|contact|reach|dial)\b"
    r"[^.!?\n]{0,30}$"
)
_PHONE_CANDIDATE = re.compile(r"(?:\+|\b00)?\(?\d[\d\s().-]{5,}\d\b")
_INTERNATIONAL = re.compile(r"(?:\(?\+|(?<![\w-])00)\s?\d[\d\s().-]{5,}\d\b")
# A literal "@" (or a bracketed one): the address, not the prose around it.
_STRICT_EMAIL = re.compile(
    rf"\b[a-z0-9._%+-]+\s*(?:@|[\[\(\{{<]\s*(?:at|@)\s*[\]\)\}}>])\s*{_LABEL}(?:{_DOT}{_LABEL})*"
    rf"{_DOT}(?:{_TLDS})\b"
)


def _normalise(text: str) -> str:
    # Fold full-width letters and odd spaces so look-alike tricks meet the same rules.
    folded = text.casefold().replace("\u200b", "").replace("\u00a0", " ")
    folded = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in folded)
    return re.sub(r"[ \t]+", " ", folded)


def _mask(text: str, *, everything: bool = True) -> str:
    """Blank out order numbers, tracking numbers and (``everything``) dates, prices, measures."""
    patterns = [_ORDER_ID, _UPS, _POSTAL_TRACKING, _LONG_DIGITS]
    if everything:
        patterns += [_DATE, _PRICE, _MEASURE]
    for pattern in patterns:
        text = pattern.sub(lambda m: " " + "#" * len(m.group(0).strip()) + " ", text)
    return text


def _digit_groups(candidate: str) -> list[str]:
    return re.findall(r"\d+", candidate)


def _looks_like_phone(candidate: str, before: str) -> bool:
    groups = _digit_groups(candidate)
    digits = "".join(groups)
    if not 7 <= len(digits) <= 15:
        return False
    international = candidate.lstrip().startswith(("+", "00", "(+"))
    if international:
        return True
    if _PHONE_WORDS.search(before):
        return True
    if _REFERENCE.search(before):
        # Reference numbers may be long and grouped; only obvious phone shapes count.
        return False
    if len(groups) == 1:
        # A bare run of digits: a phone when it has a subscriber number's length.
        return 10 <= len(digits) <= 12
    # Spaced single digits or phone-like groups (3-3-4, 3-4, 2-2-2-2-2, 4-3-3 ...).
    return all(len(g) <= 5 for g in groups) or len(groups[-1]) >= 4


def _has_phone(text: str) -> bool:
    # "+81-3-..." reads like a date to the masks, so international numbers go first.
    for match in _INTERNATIONAL.finditer(_mask(text, everything=False)):
        if 7 <= len("".join(_digit_groups(match.group(0)))) <= 15:
            return True
    masked = _mask(text)
    for match in _PHONE_CANDIDATE.finditer(masked):
        if _looks_like_phone(match.group(0), masked[max(0, match.start() - 40) : match.start()]):
            return True
    for match in _SPELLED_DIGITS.finditer(masked):
        words = re.findall(r"[a-z]+|\d", match.group(0))
        if sum(1 for w in words if w in _DIGIT_WORDS) >= 3:
            return True
    return False


def _has_link(text: str) -> bool:
    if _SCHEME.search(text):
        return True
    for match in _DOMAIN.finditer(text):
        found = match.group(0)
        # "e.g. it" or "No.1 in" are prose; a domain has a label of two or more letters.
        first = re.split(r"\s*[\.\[\(\{<]|\s+d[o0]t\s+|_dot_", found)[0]
        if len(first) >= 2 and not first.isdigit():
            return True
    return False


def check_text(text: str, *, sender: str = SELLER, max_length: int = 4000) -> Verdict:
    """The content rules for one message, listing text or review.

    Links, e-mail addresses, phone numbers and social accounts are refused from
    anyone (they take the conversation off the platform). Marketing and
    requests for positive reviews are refused from sellers, who are the ones
    the rule protects buyers from.
    """
    stripped = text.strip()
    if not stripped:
        return Verdict(False, (EMPTY,))
    if len(stripped) > max_length:
        return Verdict(False, (TOO_LONG,))
    normal = _normalise(stripped)
    reasons: list[str] = []
    email = bool(_EMAIL.search(normal) or _MAIL_SERVICE.search(normal))
    if email:
        reasons.append(EMAIL)
    without_emails = _STRICT_EMAIL.sub(" ", normal)
    if _has_link(without_emails):
        reasons.append(LINK)
    if _has_phone(normal):
        reasons.append(PHONE)
    if _SOCIAL_APPS.search(normal) or _HANDLE.search(without_emails):
        reasons.append(SOCIAL)
    if sender == SELLER:
        if _MARKETING.search(normal):
            reasons.append(MARKETING)
        if _REVIEW_REQUEST.search(normal):
            reasons.append(REVIEW_REQUEST)
    return Verdict(not reasons, tuple(reasons))


# --- attachments ------------------------------------------------------------

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_type(head: bytes) -> str | None:
    """The file type its first bytes prove, whatever its name or declared type says."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class AttachmentFacts:
    filename: str
    size: int
    head: bytes  # the first bytes of the file, enough to sniff its type


def check_attachments(
    attachments: Sequence[AttachmentFacts],
    *,
    allowed_types: Sequence[str],
    max_bytes: int,
    max_count: int,
) -> Verdict:
    """Only images and PDFs (invoices, manuals, shipping documents), each under the size limit."""
    reasons: list[str] = []
    if len(attachments) > max_count:
        reasons.append(ATTACHMENT_COUNT)
    for item in attachments:
        kind = sniff_type(item.head)
        if (kind is None or kind not in allowed_types) and ATTACHMENT_TYPE not in reasons:
            reasons.append(ATTACHMENT_TYPE)
        if item.size > max_bytes and ATTACHMENT_SIZE not in reasons:
            reasons.append(ATTACHMENT_SIZE)
    return Verdict(not reasons, tuple(reasons))


# --- who may write -----------------------------------------------------------


@dataclass(frozen=True)
class SellerContact:
    """A seller's message to a buyer, as the rules see it."""

    is_reply: bool  # the buyer wrote in this thread before
    order_purchased_at: datetime | None
    purpose: str
    buyer_opted_out: bool


def seller_contact_refusal(
    contact: SellerContact,
    *,
    now: datetime,
    window_days: int,
    order_required_purposes: Sequence[str],
) -> str | None:
    """Why a seller may not send this message, or None when it may.

    Sellers answer buyers freely; unprompted they write only about an order,
    within the window after it, never to market; buyers who opted out still
    get messages the order needs (shipping questions, customisation details).
    """
    if contact.is_reply:
        return None
    if contact.purpose not in PURPOSES:
        return "Choose what the message is about."
    if contact.order_purchased_at is None:
        return "Sellers can contact buyers only about an order."
    if now - contact.order_purchased_at > timedelta(days=window_days):
        return f"Sellers can contact buyers only within {window_days} days of the order."
    if contact.buyer_opted_out and contact.purpose not in order_required_purposes:
        return (
            "This buyer has opted out of unsolicited messages; only messages the order "
            "needs (shipping, delivery, customisation, problems) are delivered."
        )
    return None


# --- reply clock and response time ------------------------------------------


def reply_due(received_at: datetime, reply_hours: int) -> datetime:
    """When a buyer's message must be answered: elapsed hours, weekends and holidays included.

    The clock runs in absolute time, so across a daylight-saving change the
    local due time moves by the hour the wall clock skipped or repeated.
    """
    # Python adds to an aware datetime in wall-clock time; UTC makes it elapsed time.
    return received_at.astimezone(UTC) + timedelta(hours=reply_hours)


def time_left(due_at: datetime, now: datetime) -> timedelta:
    return due_at - now


def needs_reminder(
    due_at: datetime, now: datetime, *, lead_hours: int, already_reminded: bool
) -> bool:
    """Remind the seller once, when the reply is due within ``lead_hours`` (or overdue)."""
    return not already_reminded and now >= due_at - timedelta(hours=lead_hours)


@dataclass(frozen=True)
class BuyerMessageClock:
    received_at: datetime
    answered_at: datetime | None
    no_reply_needed: bool


@dataclass(frozen=True)
class ResponseTime:
    """The response-time metric account health reads."""

    answered_in_time_7d: float | None  # share 0..1, None without counted messages
    answered_in_time_30d: float | None
    counted_7d: int
    counted_30d: int
    median_response: timedelta | None  # over answered messages of the 30-day window


def _counted(item: BuyerMessageClock, now: datetime, reply_hours: int) -> bool:
    # Still running clocks are undecided; "no reply needed" is excluded.
    if item.no_reply_needed:
        return False
    return item.answered_at is not None or now >= reply_due(item.received_at, reply_hours)


def _share(items: list[BuyerMessageClock], reply_hours: int) -> float | None:
    if not items:
        return None
    on_time = sum(
        1
        for i in items
        if i.answered_at is not None and i.answered_at <= reply_due(i.received_at, reply_hours)
    )
    return on_time / len(items)


#: The longest window of the response-time metric: older messages are not counted.
RESPONSE_WINDOW_DAYS = 30
RESPONSE_SHORT_WINDOW_DAYS = 7


def response_time(
    clocks: Iterable[BuyerMessageClock], *, now: datetime, reply_hours: int
) -> ResponseTime:
    """Share of buyer messages answered within the reply window over 7 and 30 days,
    and the median time to answer over 30 days."""
    in_30 = [
        c
        for c in clocks
        if now - timedelta(days=RESPONSE_WINDOW_DAYS) <= c.received_at <= now
        and _counted(c, now, reply_hours)
    ]
    in_7 = [c for c in in_30 if c.received_at >= now - timedelta(days=RESPONSE_SHORT_WINDOW_DAYS)]
    answered = [c.answered_at - c.received_at for c in in_30 if c.answered_at is not None]
    median = (
        timedelta(seconds=statistics.median(d.total_seconds() for d in answered))
        if answered
        else None
    )
    return ResponseTime(
        answered_in_time_7d=_share(in_7, reply_hours),
        answered_in_time_30d=_share(in_30, reply_hours),
        counted_7d=len(in_7),
        counted_30d=len(in_30),
        median_response=median,
    )


def typical_reply_hours(metric: ResponseTime, *, min_messages: int) -> int | None:
    """The whole hours shown as "Typically replies within N hours", or None without history."""
    if metric.median_response is None or metric.counted_30d < min_messages:
        return None
    seconds = metric.median_response.total_seconds()
    return max(1, int(-(-seconds // 3600)))


# --- buyers' time zones, busy hours and scheduled delivery --------------------

US_STATE_ZONES: dict[str, str] = {
    **dict.fromkeys(
        [
            "CT",
            "DE",
            "DC",
            "FL",
            "GA",
            "IN",
            "KY",
            "ME",
            "MD",
            "MA",
            "MI",
            "NH",
            "NJ",
            "NY",
            "NC",
            "OH",
            "PA",
            "RI",
            "SC",
            "VT",
            "VA",
            "WV",
        ],
        "America/New_York",
    ),
    **dict.fromkeys(
        [
            "AL",
            "AR",
            "IL",
            "IA",
            "KS",
            "LA",
            "MN",
            "MS",
            "MO",
            "NE",
            "ND",
            "OK",
            "SD",
            "TN",
            "TX",
            "WI",
        ],
        "America/Chicago",
    ),
    **dict.fromkeys(["CO", "ID", "MT", "NM", "UT", "WY"], "America/Denver"),
    "AZ": "America/Phoenix",
    **dict.fromkeys(["CA", "NV", "OR", "WA"], "America/Los_Angeles"),
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas",
    "GU": "Pacific/Guam",
}
CA_PROVINCE_ZONES: dict[str, str] = {
    **dict.fromkeys(["ON", "QC"], "America/Toronto"),
    "NS": "America/Halifax",
    "NB": "America/Moncton",
    "PE": "America/Halifax",
    "NL": "America/St_Johns",
    "MB": "America/Winnipeg",
    "SK": "America/Regina",
    "AB": "America/Edmonton",
    "BC": "America/Vancouver",
    "YT": "America/Whitehorse",
    "NT": "America/Yellowknife",
    "NU": "America/Iqaluit",
}
COUNTRY_ZONES: dict[str, str] = {
    "US": "America/New_York",
    "CA": "America/Toronto",
    "MX": "America/Mexico_City",
    "BR": "America/Sao_Paulo",
    "GB": "Europe/London",
    "UK": "Europe/London",
    "IE": "Europe/Dublin",
    "DE": "Europe/Berlin",
    "FR": "Europe/Paris",
    "IT": "Europe/Rome",
    "ES": "Europe/Madrid",
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "AT": "Europe/Vienna",
    "CH": "Europe/Zurich",
    "SE": "Europe/Stockholm",
    "PL": "Europe/Warsaw",
    "IN": "Asia/Kolkata",
    "JP": "Asia/Tokyo",
    "AU": "Australia/Sydney",
    "SG": "Asia/Singapore",
    "AE": "Asia/Dubai",
    "SA": "Asia/Riyadh",
}


def buyer_time_zone(country: str, state: str, *, fallback: str) -> str:
    """The buyer's zone from the shipping address: US states and Canadian
    provinces to their zone, other countries to their main zone."""
    country = country.strip().upper()
    region = state.strip().upper()
    if country == "US" and region in US_STATE_ZONES:
        return US_STATE_ZONES[region]
    if country == "CA" and region in CA_PROVINCE_ZONES:
        return CA_PROVINCE_ZONES[region]
    return COUNTRY_ZONES.get(country, fallback)


def busy_hours(local_hours: Iterable[int]) -> list[tuple[int, int]]:
    """Messages per local hour of day (0-23), as ``(hour, count)`` for every hour."""
    counts = Counter(h for h in local_hours if 0 <= h <= 23)
    return [(hour, counts.get(hour, 0)) for hour in range(24)]


def peak_hours(histogram: Sequence[tuple[int, int]], top: int) -> list[int]:
    """The ``top`` busiest hours, busiest first (earlier hour on ties); none without history."""
    ranked = sorted((h for h in histogram if h[1] > 0), key=lambda h: (-h[1], h[0]))
    return [hour for hour, _ in ranked[:top]]


def scheduled_instant(
    local_day: date, local_time: time, zone: str, *, now: datetime, max_days: int
) -> datetime:
    """The UTC instant of a wall-clock time in the buyer's zone.

    A time that does not exist (skipped by a daylight-saving change) moves
    forward by the gap, as the buyer's own clock would show it.
    Raises ValueError when it is in the past or too far ahead.
    """
    tz = ZoneInfo(zone)
    naive = datetime.combine(local_day, local_time)
    # In a gap, fold=0 reads the time with the offset before the change (PEP 495),
    # which lands the gap's length later on the buyer's clock.
    instant = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if instant <= now:
        raise ValueError("Choose a time in the future.")
    if instant > now + timedelta(days=max_days):
        raise ValueError(f"Messages can be scheduled at most {max_days} days ahead.")
    return instant
