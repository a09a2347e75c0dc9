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
