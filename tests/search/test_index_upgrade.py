"""An index written with other fields than this souk reads is refused with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import tantivy

from souk.search.index import IndexQuery, SearchIndexOutdated, TantivyIndex


def test_an_index_from_an_older_souk_asks_for_a_rebuild(tmp_path: Path) -> None:
    root = tmp_path / "search"
    (root / "g1").mkdir(parents=True)
    older = tantivy.SchemaBuilder()
    older.add_text_field("key", stored=True, tokenizer_name="raw", fast=True)
    tantivy.Index(older.build(), path=str(root / "g1"))
    (root / "CURRENT").write_text("g1")

    with pytest.raises(SearchIndexOutdated, match="souk search rebuild"):
        TantivyIndex(root).query(IndexQuery(marketplace="US", text=""))
    # A rebuild writes a new generation with today's fields, and searches answer again.
    index = TantivyIndex(root)
    assert index.rebuild([]) == 0
    assert index.query(IndexQuery(marketplace="US", text="")).total == 0
