"""Chinese text as tokens for matching and search: jieba's search-mode segmentation, with the
occupation names and their everyday names added to its dictionary, punctuation and a few
function words dropped."""

from __future__ import annotations

import re
import threading
from collections import Counter
from functools import lru_cache

import jieba

_LOCK = threading.Lock()
_READY = False
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")
STOPWORDS = frozenset("的 了 和 与 及 或 等 在 是 有 会 能 要 我 你 他 找 招 招聘 工作 岗位 人员 师傅 若干 一名 多名 优先".split())
MAX_TERM = 40


def _ready() -> None:
    global _READY
    if _READY:
        return
    with _LOCK:
        if _READY:
            return
        jieba.setLogLevel(60)
        from anju.employment.occupations import catalogue

        for row in catalogue():
            jieba.add_word(row["name"], freq=20000)
            for alias in str(row.get("aliases") or "").split("、"):
                if alias.strip():
                    jieba.add_word(alias.strip(), freq=20000)
        _READY = True


@lru_cache(maxsize=20000)
def tokens(text: str) -> tuple[str, ...]:
    """The tokens of a text, in order, repeats kept (search mode: 电焊工 gives 电焊, 焊工, 电焊工)."""
    _ready()
    out = []
    for token in jieba.cut_for_search(text or ""):
        token = token.strip().lower()
        if not token or token in STOPWORDS or not _KEEP.search(token) or len(token) > MAX_TERM:
            continue
        out.append(token)
    return tuple(out)


def term_counts(text: str) -> Counter:
    return Counter(tokens(text))


@lru_cache(maxsize=1)
def _occupation_names() -> tuple[tuple[str, str], ...]:
    """(name or everyday name, occupation key) of the catalogue, longest names first."""
    from anju.employment.occupations import catalogue

    pairs: dict[str, str] = {}
    for row in catalogue():
        pairs.setdefault(row["name"], row["key"])
        for alias in str(row.get("aliases") or "").split("、"):
            if len(alias.strip()) >= 2:
                pairs.setdefault(alias.strip(), row["key"])
    return tuple(sorted(pairs.items(), key=lambda kv: (-len(kv[0]), kv[0])))


@lru_cache(maxsize=1)
def _words_of() -> dict[str, tuple[str, ...]]:
    """occupation key → its name and everyday names."""
    from anju.employment.occupations import catalogue

    return {row["key"]: tuple([row["name"], *(a.strip() for a in str(row.get("aliases") or "").split("、")
                                              if a.strip())]) for row in catalogue()}


@lru_cache(maxsize=20000)
def occupations_named(text: str) -> tuple[str, ...]:
    """The keys of the occupations a text names by their name or an everyday name, in order of
    appearance. Longest names win and matches do not overlap: 叉车工 is a forklift driver, not the
    车工 (sewing machinist) inside it."""
    text = (text or "").lower()
    if not text:
        return ()
    taken = [False] * len(text)
    found: list[tuple[int, str]] = []
    for name, key in _occupation_names():
        start = text.find(name.lower())
        while start >= 0:
            end = start + len(name)
            if not any(taken[start:end]):
                for i in range(start, end):
                    taken[i] = True
                found.append((start, key))
            start = text.find(name.lower(), end)
    out: list[str] = []
    for _pos, key in sorted(found):
        if key not in out:
            out.append(key)
    return tuple(out)


def occupation_words(key: str) -> tuple[str, ...]:
    return _words_of().get(key, ())


@lru_cache(maxsize=20000)
def query_terms(text: str, expand: bool = True) -> tuple[str, ...]:
    """The distinct terms a text is searched by: its own tokens and, with `expand`, the tokens of
    the name and every everyday name of each occupation it names (烧焊 → 电焊工、焊工、二保焊 …)."""
    terms = dict.fromkeys(tokens(text))
    if expand:
        for key in occupations_named(text):
            for word in occupation_words(key):
                terms.update(dict.fromkeys(tokens(word)))
    return tuple(terms)
