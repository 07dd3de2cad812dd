"""The planned demo catalog: real films, generated products, valid identifiers."""

from __future__ import annotations

from souk.catalog.rules import check_product_draft, gtin_kind
from souk.simulation.demo_catalog import plan_catalog


def test_plan_has_exactly_the_requested_products_with_valid_unique_gtins() -> None:
    plans = list(plan_catalog(400, seed=7))
    assert len(plans) == 400
    gtins = [p.draft.gtin for p in plans if p.draft.gtin]
    assert len(gtins) == len(set(gtins))
    assert all(gtin_kind(g) == "UPC" for g in gtins)
    for plan in plans:
        check_product_draft(plan.draft, image_count=1)
        assert 3 <= len(plan.draft.bullets) <= 5
    assert len({p.key for p in plans}) == 400


def test_media_are_real_films_with_year_runtime_and_rating() -> None:
    plans = list(plan_catalog(200, seed=7))
    films = [p for p in plans if p.draft.category_path.startswith("Movies & TV/")]
    assert len(films) == 50
    titles = {p.draft.title.split(" (")[0] for p in films}
    assert "The Matrix" in titles or "Star Wars" in titles or len(titles) == 50
    for film in films:
        attributes = film.draft.attributes
        assert 1900 < int(attributes["year"]) < 2010
        assert int(attributes["runtime_minutes"]) >= 60
        assert 0 < float(attributes["rating"]) <= 10
        assert film.image.shape == "disc_case"


def test_variation_families_have_a_parent_without_price_and_sized_children() -> None:
    plans = list(plan_catalog(1500, seed=7))
    parents = {p.key for p in plans if p.reference_cents is None}
    children = [p for p in plans if p.parent_key]
    assert parents and children
    assert {c.parent_key for c in children} <= parents
    assert all("size" in c.variation_values for c in children)
    assert all(c.draft.gtin for c in children)
    departments = {p.draft.category_path.split("/")[0] for p in plans}
    assert {"Electronics", "Home & Kitchen", "Clothing", "Books", "Grocery"} <= departments


def test_plans_are_reproducible_for_a_seed() -> None:
    first = [(p.key, p.draft.title, p.draft.gtin) for p in plan_catalog(120, seed=3)]
    again = [(p.key, p.draft.title, p.draft.gtin) for p in plan_catalog(120, seed=3)]
    other = [(p.key, p.draft.title, p.draft.gtin) for p in plan_catalog(120, seed=4)]
    assert first == again != other
