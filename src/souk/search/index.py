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


def asin_from_number(number: int) -> str:
    digits = []
    for _ in range(8):
        number, rest = divmod(number, 36)
        digits.append(_BASE36[rest])
    return "B0" + "".join(reversed(digits))


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("key", stored=True, tokenizer_name="raw", fast=True)
    builder.add_text_field("asin", stored=True, tokenizer_name="raw")
    builder.add_text_field("mp", tokenizer_name="raw")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="en_stem")
    builder.add_text_field("cat_path", tokenizer_name="raw")
    for name in FACETS:
        builder.add_text_field(name, tokenizer_name="raw", fast=True)
    for name in ("price", "in_stock", "platform", "delivery_days", "rating_x10", "reviews"):
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
            self._index = tantivy.Index(self.schema, path=str(self.root / generation))
            self._generation = generation
        return self._index

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
        then any word (ranked by how many match, and how well)."""
        words = [self._word_query(index, searcher, t, request.fuzzy_min_length) for t in terms]
        query, hits = Query.empty_query(), []
        for required in dict.fromkeys((len(terms), max(len(terms) - 1, 1), 1)):
            query = Query.boolean_query(
                [(Occur.Must, self._text_query(terms, words, required)), *filters]
            )
            hits = searcher.search(query, request.depth, count=False).hits
            if hits:
                return query, hits, required == len(terms)
        return query, hits, True

    def _filters(self, request: IndexQuery) -> list[Query]:
        f, schema = request.filters, self.schema
        found = [Query.term_query(schema, "mp", request.marketplace)]
        if not f.include_out_of_stock:
            found.append(Query.term_query(schema, "in_stock", 1))
        if f.category_path:
            found.append(Query.term_query(schema, "cat_path", f.category_path))
        if f.brands:
            found.append(Query.term_set_query(schema, "brand_s", list(f.brands)))
        if f.conditions:
            found.append(Query.term_set_query(schema, "condition_s", list(f.conditions)))
        if f.price_min_minor is not None or f.price_max_minor is not None:
            low = f.price_min_minor if f.price_min_minor is not None else 0
            high = f.price_max_minor if f.price_max_minor is not None else 2**62
            found.append(Query.range_query(schema, "price", tantivy.FieldType.Integer, low, high))
        if f.min_rating_x10 is not None:
            found.append(
                Query.range_query(
                    schema, "rating_x10", tantivy.FieldType.Integer, f.min_rating_x10, 50
                )
            )
        if f.max_delivery_days is not None:
            found.append(
                Query.range_query(
                    schema, "delivery_days", tantivy.FieldType.Integer, 0, f.max_delivery_days
                )
            )
        if f.platform_fulfilled:
            found.append(Query.term_query(schema, "platform", 1))
        return [Query.const_score_query(q, 0.0) for q in found]

    def query(self, request: IndexQuery) -> IndexAnswer:
        index = self._open()
        searcher = index.searcher()
        terms = query_terms(request.text)
        filters = [(Occur.Must, q) for q in self._filters(request)]
        matched_all = True
        if terms:
            query, hits, matched_all = self._match(index, searcher, terms, request, filters)
        else:
            query = Query.boolean_query([(Occur.Must, Query.all_query()), *filters])
            hits = searcher.search(
                query, request.depth, count=False, order_by_field="velocity"
            ).hits
        candidates = self._candidates(searcher, hits)
        aggregations: dict[str, Any] = {"total": {"value_count": {"field": "price"}}}
        if request.facets:
            for name in FACETS:
                aggregations[name] = {"terms": {"field": name, "size": 30}}
        result = searcher.aggregate(query, aggregations)
        facets = {
            name: [
                (b["key"], int(b["doc_count"])) for b in result[name]["buckets"] if b["key"] != ""
            ]
            for name in FACETS
            if name in result
        }
        total = int(result["total"]["value"])
        return IndexAnswer(candidates, total, facets, matched_all)

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
                )
            )
        return result
