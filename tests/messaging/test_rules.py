"""The messaging rules: content table with measured error rates, windows at their edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from souk.messaging import rules
from tests.messaging.content_cases import MUST_BLOCK, MUST_PASS

NY = ZoneInfo("America/New_York")


def error_rates() -> tuple[float, float, list[str]]:
    """False-positive and false-negative rates on the case table, and the misses."""
    misses = []
    false_pos = 0
    for sender, text in MUST_PASS:
        verdict = rules.check_text(text, sender=sender)
        if not verdict.allowed:
            false_pos += 1
            misses.append(f"blocked {verdict.reasons}: {text}")
    false_neg = 0
    for sender, text, expected in MUST_BLOCK:
        verdict = rules.check_text(text, sender=sender)
        if not set(expected) <= set(verdict.reasons):
            false_neg += 1
            misses.append(f"missed {expected} (got {verdict.reasons}): {text}")
    return false_pos / len(MUST_PASS), false_neg / len(MUST_BLOCK), misses


def test_the_case_table_is_large_and_covers_every_reason() -> None:
    assert len(MUST_PASS) + len(MUST_BLOCK) >= 150
    covered = {r for _, _, reasons in MUST_BLOCK for r in reasons}
    assert covered == {
        rules.LINK,
        rules.EMAIL,
        rules.PHONE,
        rules.SOCIAL,
        rules.MARKETING,
        rules.REVIEW_REQUEST,
    }


def test_error_rates_on_the_case_table(capsys: pytest.CaptureFixture[str]) -> None:
    fp_rate, fn_rate, misses = error_rates()
    with capsys.disabled():
        print(
            f"\ncontent rules: {len(MUST_PASS)} must-pass, {len(MUST_BLOCK)} must-block cases; "
            f"false positives {fp_rate:.1%}, false negatives {fn_rate:.1%}"
        )
    assert fp_rate <= 0.02, misses
    assert fn_rate <= 0.02, misses


@pytest.mark.parametrize(("sender", "text"), MUST_PASS)
def test_ordinary_messages_pass(sender: str, text: str) -> None:
    verdict = rules.check_text(text, sender=sender)
    assert verdict.allowed, verdict.reasons


@pytest.mark.parametrize(("sender", "text", "expected"), MUST_BLOCK)
def test_evasions_are_blocked_with_the_reason(
    sender: str, text: str, expected: tuple[str, ...]
) -> None:
    verdict = rules.check_text(text, sender=sender)
    assert not verdict.allowed
    assert set(expected) <= set(verdict.reasons)
    assert all(message for message in verdict.messages)


def test_marketing_and_review_rules_bind_sellers_not_buyers() -> None:
    text = "Please leave a 5-star review, use code SAVE20"
    assert rules.check_text(text, sender=rules.BUYER).allowed
    seller = rules.check_text(text, sender=rules.SELLER)
    assert set(seller.reasons) == {rules.MARKETING, rules.REVIEW_REQUEST}


def test_empty_and_too_long_texts_are_refused() -> None:
    assert rules.check_text("   ").reasons == (rules.EMPTY,)
    assert rules.check_text("a" * 11, max_length=10).reasons == (rules.TOO_LONG,)


@given(st.from_regex(r"\A\d{3}-\d{7}-\d{7}\Z"))
def test_any_order_number_passes(order_id: str) -> None:
    assert rules.check_text(f"About order {order_id}, thanks", sender=rules.BUYER).allowed


@given(st.integers(0, 999_999), st.integers(0, 99))
def test_any_price_passes(whole: int, cents: int) -> None:
    assert rules.check_text(f"I paid ${whole:,}.{cents:02d} for it", sender=rules.BUYER).allowed


# --- attachments -----------------------------------------------------------------

PDF = b"%PDF-1.7\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 8
LIMITS = {
    "allowed_types": ["image/png", "image/jpeg", "application/pdf"],
    "max_bytes": 1000,
    "max_count": 2,
}


def test_images_and_pdfs_pass_by_their_content() -> None:
    files = [
        rules.AttachmentFacts("invoice.pdf", 900, PDF),
        rules.AttachmentFacts("a.png", 10, PNG),
    ]
    assert rules.check_attachments(files, **LIMITS).allowed


def test_a_program_named_like_a_pdf_is_refused() -> None:
    fake = rules.AttachmentFacts("invoice.pdf", 100, b"MZ\x90\x00")
    assert rules.check_attachments([fake], **LIMITS).reasons == (rules.ATTACHMENT_TYPE,)


def test_size_and_count_limits() -> None:
    big = rules.AttachmentFacts("manual.pdf", 1001, PDF)
    assert rules.check_attachments([big], **LIMITS).reasons == (rules.ATTACHMENT_SIZE,)
    three = [rules.AttachmentFacts(f"{n}.pdf", 1, PDF) for n in range(3)]
    assert rules.check_attachments(three, **LIMITS).reasons == (rules.ATTACHMENT_COUNT,)


# --- who may write ---------------------------------------------------------------

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)
REQUIRED = ["shipping_question", "customisation"]


def _refusal(**changes: object) -> str | None:
    facts = {
        "is_reply": False,
        "order_purchased_at": NOW - timedelta(days=10),
        "purpose": "shipping_question",
        "buyer_opted_out": False,
    }
    facts.update(changes)
    return rules.seller_contact_refusal(
        rules.SellerContact(**facts),  # type: ignore[arg-type]
        now=NOW,
        window_days=30,
        order_required_purposes=REQUIRED,
    )


def test_seller_contact_window_edges() -> None:
    assert _refusal(order_purchased_at=NOW - timedelta(days=30)) is None
    assert "30 days" in (_refusal(order_purchased_at=NOW - timedelta(days=30, seconds=1)) or "")


def test_seller_needs_an_order_and_a_purpose_unless_replying() -> None:
    assert "about an order" in (_refusal(order_purchased_at=None) or "")
    assert _refusal(purpose="newsletter") is not None
    assert _refusal(is_reply=True, order_purchased_at=None, purpose="") is None


def test_opted_out_buyers_get_only_order_required_messages() -> None:
    assert _refusal(buyer_opted_out=True, purpose="shipping_question") is None
    assert "opted out" in (_refusal(buyer_opted_out=True, purpose="general") or "")


# --- the reply clock -----------------------------------------------------------


def test_the_clock_runs_through_the_weekend() -> None:
    friday_evening = datetime(2026, 3, 13, 18, tzinfo=NY)
    due = rules.reply_due(friday_evening, 24)
    assert due.astimezone(NY) == datetime(2026, 3, 14, 18, tzinfo=NY)  # Saturday, not Monday
    assert rules.time_left(due, due) == timedelta(0)


def test_the_clock_counts_real_hours_across_daylight_saving() -> None:
    # US clocks spring forward on Sunday 8 March 2026 at 02:00.
    saturday = datetime(2026, 3, 7, 22, tzinfo=NY)
    due = rules.reply_due(saturday, 24)
    assert due - saturday == timedelta(hours=24)
    assert due.astimezone(NY).replace(tzinfo=None) == datetime(2026, 3, 8, 23)
    # And back on Sunday 1 November 2026: the local due time is an hour earlier.
    before = datetime(2026, 10, 31, 22, tzinfo=NY)
    assert rules.reply_due(before, 24).astimezone(NY).replace(tzinfo=None) == datetime(
        2026, 11, 1, 21
    )


def test_reminders_fire_once_inside_the_lead_time() -> None:
    due = NOW + timedelta(hours=6)
    assert rules.needs_reminder(due, NOW, lead_hours=6, already_reminded=False)
    assert not rules.needs_reminder(
        due, NOW - timedelta(seconds=1), lead_hours=6, already_reminded=False
    )
    assert not rules.needs_reminder(due, NOW, lead_hours=6, already_reminded=True)


def _clock(
    hours_ago: float, answered_after: float | None, skip: bool = False
) -> rules.BuyerMessageClock:
    received = NOW - timedelta(hours=hours_ago)
    answered = None if answered_after is None else received + timedelta(hours=answered_after)
    return rules.BuyerMessageClock(received, answered, skip)


def test_response_metric_counts_decided_messages_only() -> None:
    metric = rules.response_time(
        [
            _clock(2 * 24, 1),  # on time, within 7 days
            _clock(3 * 24, 30),  # late
            _clock(20 * 24, 24),  # exactly 24 h: on time
            _clock(25 * 24, None),  # never answered: a miss
            _clock(10, None),  # clock still running: not counted
            _clock(5 * 24, None, skip=True),  # "no reply needed": not counted
            _clock(40 * 24, 1),  # outside 30 days
        ],
        now=NOW,
        reply_hours=24,
    )
    assert (metric.counted_7d, metric.counted_30d) == (2, 4)
    assert metric.answered_in_time_7d == 0.5
    assert metric.answered_in_time_30d == 0.5
    assert metric.median_response == timedelta(hours=24)
    assert rules.typical_reply_hours(metric, min_messages=3) == 24
    assert rules.typical_reply_hours(metric, min_messages=5) is None


def test_no_history_means_no_figure() -> None:
    metric = rules.response_time([], now=NOW, reply_hours=24)
    assert metric.answered_in_time_7d is None and metric.median_response is None


# --- time zones, busy hours, schedules --------------------------------------------


@pytest.mark.parametrize(
    ("country", "state", "zone"),
    [
        ("US", "CA", "America/Los_Angeles"),
        ("US", "il", "America/Chicago"),
        ("US", "AZ", "America/Phoenix"),
        ("US", "HI", "Pacific/Honolulu"),
        ("US", "NY", "America/New_York"),
        ("US", "", "America/New_York"),
        ("CA", "BC", "America/Vancouver"),
        ("GB", "", "Europe/London"),
        ("JP", "Tokyo", "Asia/Tokyo"),
        ("ZZ", "", "UTC"),
    ],
)
def test_buyer_time_zone_from_the_shipping_address(country: str, state: str, zone: str) -> None:
    assert rules.buyer_time_zone(country, state, fallback="UTC") == zone


def test_every_us_state_has_a_zone() -> None:
    states = (
        "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
        "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC"
    )
    for state in states.split():
        ZoneInfo(rules.US_STATE_ZONES[state])


def test_peak_hours_from_history() -> None:
    histogram = rules.busy_hours([20, 20, 21, 9, 20, 21, 13, 99])
    assert len(histogram) == 24 and histogram[20] == (20, 3)
    assert rules.peak_hours(histogram, 2) == [20, 21]
    assert rules.peak_hours(rules.busy_hours([]), 3) == []


def test_schedule_at_the_buyers_local_time() -> None:
    now = datetime(2026, 3, 2, 14, tzinfo=UTC)
    at = rules.scheduled_instant(
        date(2026, 3, 3), time(9), "America/Los_Angeles", now=now, max_days=14
    )
    assert at == datetime(2026, 3, 3, 17, tzinfo=UTC)


def test_schedule_in_the_skipped_hour_moves_forward() -> None:
    now = datetime(2026, 3, 2, 14, tzinfo=UTC)
    at = rules.scheduled_instant(
        date(2026, 3, 8), time(2, 30), "America/New_York", now=now, max_days=14
    )
    assert at.astimezone(NY).replace(tzinfo=None) == datetime(2026, 3, 8, 3, 30)


def test_schedule_refuses_the_past_and_the_far_future() -> None:
    now = datetime(2026, 3, 2, 14, tzinfo=UTC)
    with pytest.raises(ValueError, match="future"):
        rules.scheduled_instant(date(2026, 3, 2), time(8), "America/New_York", now=now, max_days=14)
    with pytest.raises(ValueError, match="14 days"):
        rules.scheduled_instant(
            date(2026, 3, 20), time(8), "America/New_York", now=now, max_days=14
        )
