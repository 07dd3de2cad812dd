"""The search index behind a narrow interface.

``SearchIndex`` is what the rest of souk uses: put and remove product
documents, and answer a ``IndexQuery`` with ranked hits and facet counts. The
embedded implementation is tantivy in a directory under ``var/search``; a
distributed engine (OpenSearch, Elasticsearch) implements the same four
calls with one index per marketplace, the same fields as a mapping
(text fields analysed with an English stemmer, ``*_s`` fields as keywords,
numbers as numeric doc values) and terms aggregations for the facets.
"""

from __future__ import annotations

import itertools
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import tantivy
from tantivy import Occur, Query

from souk.search.rules import query_terms

TEXT_FIELDS = ("title", "brand", "bullets", "description", "category")
FACETS = ("brand_s", "cat1_s", "cat2_s", "condition_s", "price_b", "seller_s")
#: "N stars & up" steps the rating facet counts, in tenths of a star.
RATING_STEPS = (40, 30, 20, 10)
#: Orders the index itself can read from a fast column when there is no query text,
#: so every page of a category is in true price, rating or date order.
ORDERS = {
    "price_asc": ("price", tantivy.Order.Asc),
    "price_desc": ("price", tantivy.Order.Desc),
    "rating": ("rating_x10", tantivy.Order.Desc),
    "newest": ("listed", tantivy.Order.Desc),
}

#: Filters whose facet is counted without them (the filter name -> its aggregation).
FACET_FILTERS = {
    "brand": "brand_s",
    "condition": "condition_s",
    "price": "price_b",
    "rating": "rating_bands",
    "fast": "fast",
    "platform": "platform_n",
}


class SearchIndexOutdated(RuntimeError):
    """The index on disk was written with other fields than this version of souk reads."""


@dataclass(frozen=True)
class ProductDocument:
    """One product as buyers of one marketplace find it."""

    asin: str
    marketplace: str
    title: str
    brand: str
    bullets: str
    description: str
    category_names: str
    category_paths: tuple[str, ...]  # every ancestor path, for scoping
    conditions: tuple[str, ...]
    seller_ids: tuple[str, ...]
    price_minor: int  # the featured offer's landed price, else the lowest
    price_bucket: str
    in_stock: bool
    platform_fulfilled: bool
    delivery_days: int
    rating_x10: int
    review_count: int
    sales_velocity: float
    conversion_rate: float
    listed_at: int = 0  # when the product was added to the catalog, seconds since 1970


@dataclass(frozen=True)
class Filters:
    brands: tuple[str, ...] = ()
    category_path: str | None = None
    conditions: tuple[str, ...] = ()
    price_min_minor: int | None = None
    price_max_minor: int | None = None
    min_rating_x10: int | None = None
    max_delivery_days: int | None = None
    platform_fulfilled: bool = False
    include_out_of_stock: bool = False


@dataclass(frozen=True)
class IndexQuery:
    marketplace: str
    text: str
    filters: Filters = field(default_factory=Filters)
    depth: int = 200  # candidates read for re-ranking
    fuzzy_min_length: int = 5
    facets: bool = True
    order: str = "score"  # score (text, else sales) or a key of ORDERS
    fast_delivery_days: int = 4  # the delivery facet counts products arriving this fast


@dataclass(frozen=True)
class Candidate:
    asin: str
    text_score: float
    sales_velocity: float
    conversion_rate: float
    in_stock: bool
    delivery_days: int
    price_minor: int
    rating_x10: int
    review_count: int = 0
    listed_at: int = 0


@dataclass
class IndexAnswer:
    candidates: list[Candidate]
    total: int
    facets: dict[str, list[tuple[str, int]]]
    matched_all_words: bool


class SearchIndex(Protocol):
    def put(self, documents: Sequence[ProductDocument]) -> None: ...
    def remove(self, marketplace: str, asins: Sequence[str]) -> None: ...
    def query(self, request: IndexQuery) -> IndexAnswer: ...
    def rebuild(self, documents: Iterable[ProductDocument]) -> int: ...


_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def asin_number(asin: str) -> int:
    """An ASIN (``B0`` + 8 letters or digits) as a number, so ranking reads product
    ids from a fast column instead of fetching stored documents."""
    return int(asin[2:], 36)


# Every two base-36 digits by their value: ranking turns hundreds of numbers back
# into ASINs per query, and four table look-ups beat eight divisions.
_PAIRS = tuple(high + low for high in _BASE36 for low in _BASE36)


def asin_from_number(number: int) -> str:
    """The ASIN whose last eight characters are ``number`` in base 36."""
    pairs = _PAIRS
    return (
        "B0"
        + pairs[number // 1296**3 % 1296]
        + pairs[number // 1296**2 % 1296]
        + pairs[number // 1296 % 1296]
        + pairs[number % 1296]
    )


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("key", stored=True, tokenizer_name="raw", fast=True)
    builder.add_text_field("asin", stored=True, tokenizer_name="raw")
    builder.add_text_field("mp", tokenizer_name="raw")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="en_stem")
    # Fast, so a category page can count the products under each of its children.
    builder.add_text_field("cat_path", tokenizer_name="raw", fast=True)
    for name in FACETS:
        builder.add_text_field(name, tokenizer_name="raw", fast=True)
    for name in (
        "price",
        "in_stock",
        "platform",
        "delivery_days",
        "rating_x10",
        "reviews",
        "listed",
    ):
        builder.add_integer_field(name, fast=True, indexed=True)
    builder.add_integer_field("asin_n", fast=True)
    builder.add_float_field("velocity", fast=True)
    builder.add_float_field("conversion", fast=True)
    return builder.build()


def _document(doc: ProductDocument) -> tantivy.Document:
    paths = doc.category_paths
    return tantivy.Document(
        key=f"{doc.marketplace}:{doc.asin}",
        asin=doc.asin,
        mp=doc.marketplace,
        title=doc.title,
        brand=doc.brand,
        bullets=doc.bullets,
        description=doc.description,
        category=doc.category_names,
        cat_path=list(paths),
        brand_s=doc.brand or "(none)",
        cat1_s=paths[0] if paths else "",
        cat2_s=paths[1] if len(paths) > 1 else "",
        condition_s=list(doc.conditions),
        price_b=doc.price_bucket,
        seller_s=list(doc.seller_ids),
        price=doc.price_minor,
        in_stock=int(doc.in_stock),
        platform=int(doc.platform_fulfilled),
        delivery_days=doc.delivery_days,
        rating_x10=doc.rating_x10,
        reviews=doc.review_count,
        velocity=float(doc.sales_velocity),
        conversion=float(doc.conversion_rate),
        listed=doc.listed_at,
        asin_n=asin_number(doc.asin),
    )


class TantivyIndex:
    """tantivy in ``root/<generation>``; a rebuild writes a new generation and
    switches the ``CURRENT`` pointer, so searches never see a half-built index."""

    BOOSTS = {"title": 3.0, "brand": 2.0, "category": 1.5, "bullets": 1.0, "description": 0.5}

    def __init__(self, root: Path, writer_heap: int = 100_000_000) -> None:
        self.root = root
        self.schema = _schema()
        self._heap = writer_heap
        self._lock = threading.Lock()
        self._index: tantivy.Index | None = None
        self._generation = ""

    # -- storage --------------------------------------------------------------
    def _current_generation(self) -> str:
        pointer = self.root / "CURRENT"
        return pointer.read_text().strip() if pointer.exists() else ""

    def _open(self) -> tantivy.Index:
        generation = self._current_generation()
        if self._index is None or generation != self._generation:
            if not generation:
                generation = self._new_generation()
                (self.root / "CURRENT").write_text(generation)
            try:
                self._index = tantivy.Index(self.schema, path=str(self.root / generation))
            except ValueError as error:
                if "schema does not match" not in str(error):
                    raise
                raise SearchIndexOutdated(
                    "The search index was built by an older souk: run `souk search rebuild`."
                ) from error
            self._generation = generation
        return self._index

    def is_current(self) -> bool:
        """Whether the index on disk, if there is one, has the fields this souk reads."""
        if not self._current_generation():
            return True  # nothing built yet: the first write makes it current
        try:
            self._open()
        except SearchIndexOutdated:
            return False
        return True

    def _new_generation(self) -> str:
        generation = f"g{time.time_ns()}"
        (self.root / generation).mkdir(parents=True)
        return generation

    def _write(self, index: tantivy.Index, work: Any) -> None:
        with self._lock:
            writer = index.writer(self._heap, 1)
            try:
                work(writer)
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                writer.rollback()
                raise
        index.reload()

    # -- SearchIndex ----------------------------------------------------------
    def put(self, documents: Sequence[ProductDocument]) -> None:
        if not documents:
            return

        def work(writer: Any) -> None:
            for doc in documents:
                writer.delete_documents_by_term("key", f"{doc.marketplace}:{doc.asin}")
                writer.add_document(_document(doc))

        self._write(self._open(), work)

    def remove(self, marketplace: str, asins: Sequence[str]) -> None:
        def work(writer: Any) -> None:
            for asin in asins:
                writer.delete_documents_by_term("key", f"{marketplace}:{asin}")

        self._write(self._open(), work)

    def rebuild(self, documents: Iterable[ProductDocument]) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        generation = self._new_generation()
        index = tantivy.Index(self.schema, path=str(self.root / generation))
        count = 0

        def work(writer: Any) -> None:
            nonlocal count
            for doc in documents:
                writer.add_document(_document(doc))
                count += 1

        self._write(index, work)
        previous = self._current_generation()
        (self.root / "CURRENT.tmp").write_text(generation)
        (self.root / "CURRENT.tmp").replace(self.root / "CURRENT")
        if previous and previous != generation:
            shutil.rmtree(self.root / previous, ignore_errors=True)
        return count

    def size_on_disk(self) -> int:
        folder = self.root / (self._current_generation() or "_")
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

    # -- queries --------------------------------------------------------------
    def _word_query(self, index: tantivy.Index, searcher: Any, term: str, fuzzy_min: int) -> Query:
        """One word across the text fields with boosts. A word that matches nothing as
        typed, and is at least ``fuzzy_min`` long, matches with one typo instead:
        typo expansion is costly, so words the catalog knows never pay for it."""
        exact = index.parse_query(term, list(TEXT_FIELDS), field_boosts=self.BOOSTS)
        if len(term) < fuzzy_min or searcher.search(exact, 1, count=False).hits:
            return exact
        return index.parse_query(
            term,
            ["title", "brand"],
            field_boosts=self.BOOSTS,
            fuzzy_fields={"title": (False, 1, True), "brand": (False, 1, True)},
        )

    def _text_query(self, terms: list[str], words: list[Query], required: int) -> Query:
        """Documents with at least ``required`` of the words (every word when it equals
        their number), scored by BM25 with a bonus for the words as a title phrase."""
        if required >= len(terms):
            clauses = [(Occur.Must, w) for w in words]
        elif required <= 1:
            clauses = [(Occur.Should, w) for w in words]
        else:
            groups = itertools.combinations(range(len(terms)), required)
            clauses = [
                (Occur.Should, Query.boolean_query([(Occur.Must, words[i]) for i in g]))
                for g in groups
            ]
        if len(terms) > 1:
            phrase = Query.phrase_query(self.schema, "title", terms, slop=1)
            clauses.append((Occur.Should, Query.boost_query(phrase, 2.0)))
        return Query.boolean_query(clauses)

    def _match(
        self,
        index: tantivy.Index,
        searcher: Any,
        terms: list[str],
        request: IndexQuery,
        filters: list[tuple[Occur, Query]],
    ) -> tuple[Query, list[tuple[float, Any]], bool]:
        """Widen the net until something matches: every word, then all words but one,
        then any word (ranked by how many match, and how well). Returns the text part
        of the query that matched, without the filters."""
        words = [self._word_query(index, searcher, t, request.fuzzy_min_length) for t in terms]
        text, hits = Query.empty_query(), []
        for required in dict.fromkeys((len(terms), max(len(terms) - 1, 1), 1)):
            text = self._text_query(terms, words, required)
            query = Query.boolean_query([(Occur.Must, text), *filters])
            hits = searcher.search(query, request.depth, count=False).hits
            if hits:
                return text, hits, required == len(terms)
        return text, hits, True

    def _filters(self, request: IndexQuery) -> dict[str, Query]:
        """The request's filters by name (the names of ``FACET_FILTERS`` among them)."""
        f, schema = request.filters, self.schema
        found = {"mp": Query.term_query(schema, "mp", request.marketplace)}
        if not f.include_out_of_stock:
            found["stock"] = Query.term_query(schema, "in_stock", 1)
        if f.category_path:
            found["category"] = Query.term_query(schema, "cat_path", f.category_path)
        if f.brands:
            found["brand"] = Query.term_set_query(schema, "brand_s", list(f.brands))
        if f.conditions:
            found["condition"] = Query.term_set_query(schema, "condition_s", list(f.conditions))
        if f.price_min_minor is not None or f.price_max_minor is not None:
            low = f.price_min_minor if f.price_min_minor is not None else 0
            high = f.price_max_minor if f.price_max_minor is not None else 2**62
            found["price"] = Query.range_query(
                schema, "price", tantivy.FieldType.Integer, low, high
            )
        if f.min_rating_x10 is not None:
            found["rating"] = Query.range_query(
                schema, "rating_x10", tantivy.FieldType.Integer, f.min_rating_x10, 50
            )
        if f.max_delivery_days is not None:
            found["fast"] = Query.range_query(
                schema, "delivery_days", tantivy.FieldType.Integer, 0, f.max_delivery_days
            )
        if f.platform_fulfilled:
            found["platform"] = Query.term_query(schema, "platform", 1)
        return {name: Query.const_score_query(q, 0.0) for name, q in found.items()}

    def _own_facet_counts(
        self,
        searcher: Any,
        text: Query,
        named: dict[str, Query],
        aggregations: dict[str, Any],
        result: dict[str, Any],
    ) -> None:
        """Count each chosen facet as if its own choice were not made, so a buyer who
        picked one brand still sees the others (and how many each would add)."""
        for name, facet in FACET_FILTERS.items():
            if name not in named or facet not in aggregations:
                continue
            others = [(Occur.Must, q) for other, q in named.items() if other != name]
            query = Query.boolean_query([(Occur.Must, text), *others])
            result.update(searcher.aggregate(query, {facet: aggregations[facet]}))

    def query(self, request: IndexQuery) -> IndexAnswer:
        index = self._open()
        searcher = index.searcher()
        terms = query_terms(request.text)
        named = self._filters(request)
        filters = [(Occur.Must, q) for q in named.values()]
        matched_all = True
        if terms:
            text, hits, matched_all = self._match(index, searcher, terms, request, filters)
            query = Query.boolean_query([(Occur.Must, text), *filters])
        else:
            text = Query.all_query()
            query = Query.boolean_query([(Occur.Must, text), *filters])
            field, order = ORDERS.get(request.order, ("velocity", tantivy.Order.Desc))
            hits = searcher.search(
                query, request.depth, count=False, order_by_field=field, order=order
            ).hits
        candidates = self._candidates(searcher, hits)
        aggregations = self._aggregations(request)
        result = searcher.aggregate(query, aggregations)
        self._own_facet_counts(searcher, text, named, aggregations, result)
        total = int(result["total"]["value"])
        return IndexAnswer(candidates, total, self._facet_counts(request, result), matched_all)

    @staticmethod
    def _aggregations(request: IndexQuery) -> dict[str, Any]:
        aggregations: dict[str, Any] = {"total": {"value_count": {"field": "price"}}}
        if not request.facets:
            return aggregations
        for name in FACETS:
            aggregations[name] = {"terms": {"field": name, "size": 30}}
        # Ranges may not overlap, so ratings are counted per band and summed upwards.
        steps = sorted(RATING_STEPS)
        bands = [{"from": low, "to": high} for low, high in itertools.pairwise(steps)]
        aggregations["rating_bands"] = {
            "range": {"field": "rating_x10", "ranges": [*bands, {"from": steps[-1]}]}
        }
        aggregations["fast"] = {
            "range": {"field": "delivery_days", "ranges": [{"to": request.fast_delivery_days + 1}]}
        }
        aggregations["platform_n"] = {"range": {"field": "platform", "ranges": [{"from": 1}]}}
        if request.filters.category_path:
            # Counts under each subcategory; paths outside the scope are dropped later.
            aggregations["cat_path"] = {"terms": {"field": "cat_path", "size": 500}}
        return aggregations

    @staticmethod
    def _facet_counts(
        request: IndexQuery, result: dict[str, Any]
    ) -> dict[str, list[tuple[str, int]]]:
        """Terms facets as (value, count); ``rating_x10`` as (step, products at or above
        it); ``delivery_days`` and ``platform`` as one (value, count) each."""
        facets = {
            name: [
                (b["key"], int(b["doc_count"])) for b in result[name]["buckets"] if b["key"] != ""
            ]
            for name in (*FACETS, "cat_path")
            if name in result
        }
        if "rating_bands" in result:
            bands = {
                int(b["from"]): int(b["doc_count"])
                for b in result["rating_bands"]["buckets"]
                if "from" in b
            }
            facets["rating_x10"] = [
                (str(step), sum(n for low, n in bands.items() if low >= step))
                for step in RATING_STEPS
            ]
        if "fast" in result:
            within = [b for b in result["fast"]["buckets"] if "from" not in b]
            count = int(within[0]["doc_count"]) if within else 0
            facets["delivery_days"] = [(str(request.fast_delivery_days), count)]
        if "platform_n" in result:
            fulfilled = [b for b in result["platform_n"]["buckets"] if "from" in b]
            facets["platform"] = [("1", int(fulfilled[0]["doc_count"]) if fulfilled else 0)]
        return facets

    def _candidates(self, searcher: Any, hits: list[tuple[float, Any]]) -> list[Candidate]:
        if not hits:
            return []
        addresses = [address for _, address in hits]
        columns = {
            name: searcher.fast_field_values(name, addresses)
            for name in (
                "asin_n",
                "velocity",
                "conversion",
                "in_stock",
                "delivery_days",
                "price",
                "rating_x10",
                "reviews",
                "listed",
            )
        }
        result = []
        for position, (score, _) in enumerate(hits):
            result.append(
                Candidate(
                    asin=asin_from_number(columns["asin_n"][position]),
                    text_score=float(score),
                    sales_velocity=columns["velocity"][position] or 0.0,
                    conversion_rate=columns["conversion"][position] or 0.0,
                    in_stock=bool(columns["in_stock"][position]),
                    delivery_days=columns["delivery_days"][position] or 0,
                    price_minor=columns["price"][position] or 0,
                    rating_x10=columns["rating_x10"][position] or 0,
                    review_count=columns["reviews"][position] or 0,
                    listed_at=columns["listed"][position] or 0,
                )
            )
        return result
