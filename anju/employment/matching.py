"""Job matching (both ways) over the inverted indexes PostingTerm and SeekerTerm.

Hard filters first, in SQL: a job for a worker is published and valid on the day, within the
worker's range, pays at least their floor, asks for no certificate they lack, takes their age,
starts when they are available and asks no more strength than they can give; the mirror for the
workers for a job. Among what passes, BM25 over the term tables (one grouped query, the same on
SQLite and PostgreSQL) picks the best `CANDIDATES`; those are re-ranked here by text, distance
in the region tree, pay fit and recency, weighted by the constants below (docs/matching.md), and
every result carries its score in words (`parts`). An optional semantic stage
(anju.employment.semantic) re-ranks the text part when enabled and installed. Every list shown
is logged (MatchEvent "shown"), and what staff pick from it by `log_chosen`.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Case, Count, Exists, FloatField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from anju.employment import text as text_mod
from anju.employment.models import (
    JobPosting,
    MatchEvent,
    Physical,
    PostingKind,
    PostingStatus,
    PostingTerm,
    Seeker,
    SeekerTerm,
)
from anju.employment.text import term_counts

# BM25 ---------------------------------------------------------------------------------------
K1 = 1.2
B = 0.75
CANDIDATES = 200     # best BM25 candidates re-ranked in Python
MAX_TERMS = 64       # a query's terms beyond this are dropped (a long description)
STATS_SECONDS = 600  # N, avgdl and document frequencies are cached this long (and cleared on index)
REF_DL = 16.0        # the reference document length of the stored impacts (see impact)
PER_TERM = 120       # rows read from the top of each query term's impact-ordered list (see bm25)
DEEPER = 10          # … then this many times as many when too few of them pass the filters,
DEEP_N = 300_000     # in an index of more documents than this (smaller: straight to the fallback)
FALLBACK = 5000      # … and when still too few pass, up to this many that do (see bm25)
MAX_DF_SHARE = 0.05  # see bm25: terms in more of the documents than this (and than
MIN_DF_CAP = 1000    # this many) are left out of the query
ENOUGH = 40          # … enough of them passing the filters to skip the joined query

# The re-ranking weights (points out of 100). With a desired occupation / a query:
W_TEXT = 50.0
W_DISTANCE = 25.0
W_PAY = 15.0
W_RECENCY = 10.0
# A worker with no desired occupation or skills: no text part.
W0_DISTANCE = 55.0
W0_PAY = 25.0
W0_RECENCY = 20.0
# The public board (search_postings): no worker, so text and recency only.
WS_TEXT = 70.0
WS_RECENCY = 30.0
RECENCY_DAYS = 60    # a posting (or a registration) this old gets no recency points
PAY_FULL_RATIO = 1.3  # pay this far above the floor gets all the pay points

# Distance in the region tree: the length of the common code prefix → (share of the points, words)
DISTANCE_LEVELS = (
    (12, 1.0, N_("同一村（社区）")),
    (9, 0.8, N_("同一乡镇（街道）")),
    (6, 0.6, N_("同一县（市、区）")),
    (4, 0.35, N_("同一地级市")),
    (2, 0.15, N_("同一省份")),
)
PHYSICAL_ORDER = [Physical.LIGHT, Physical.MEDIUM, Physical.HEAVY]
CERT_PREFIX = "证:"  # SeekerTerm rows naming a certificate held (not text: never in a query)


@dataclass
class Part:
    """One line of "why this score", in words."""
    label: str
    points: float


@dataclass
class Match:
    posting_id: int
    worker_id: int | None
    score: float  # 0–100, higher is better
    parts: list[Part]
    posting: JobPosting | None = None
    worker: object | None = None
    components: dict | None = None  # the raw 0–1 components, for the event log


# Indexing -------------------------------------------------------------------------------------
def posting_text(posting: JobPosting) -> str:
    """What a posting is searched by: its title, occupation and everyday names, the work."""
    occupation = posting.occupation
    return " ".join([posting.title, occupation.name, " ".join(occupation.alias_list), posting.description,
                     posting.requirements, posting.certificate])


def impact(tf: int, dl: int) -> float:
    """A term row's BM25 weight without the idf, at the reference length: the order of a term's
    rows (stored on PostingTerm/SeekerTerm and indexed (term, impact DESC)). Only the order is
    used; scores are computed from tf and dl with the live average length."""
    return tf * (K1 + 1.0) / (tf + K1 * (1.0 - B) + K1 * B * dl / REF_DL)


def index_postings(postings: Iterable[JobPosting]) -> None:
    """(Re)index published postings: their rows of PostingTerm replaced."""
    postings = list(postings)
    if not postings:
        return
    PostingTerm.objects.filter(posting_id__in=[p.pk for p in postings]).delete()
    rows, lengths = [], {}
    for p in postings:
        counts = term_counts(posting_text(p))
        dl = min(sum(counts.values()), 32767)
        lengths[p.pk] = dl
        rows += [PostingTerm(posting_id=p.pk, term=t, tf=min(n, 32767), dl=dl, impact=impact(min(n, 32767), dl))
                 for t, n in counts.items()]
    PostingTerm.objects.bulk_create(rows, batch_size=2000)
    for pk, dl in lengths.items():
        JobPosting.objects.filter(pk=pk).update(doc_len=dl)
    clear_stats()


def unindex_postings(ids: Iterable[int]) -> None:
    PostingTerm.objects.filter(posting_id__in=list(ids)).delete()
    clear_stats()


# Collection statistics (briefly cached) ---------------------------------------------------------
_stats: dict = {}


def clear_stats() -> None:
    _stats.clear()


def _collection(model) -> tuple[int, float]:
    """(N, avgdl) of an index."""
    key = ("n", model.__name__)
    hit = _stats.get(key)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    if model is PostingTerm:
        agg = JobPosting.objects.filter(status=PostingStatus.PUBLISHED, doc_len__gt=0).aggregate(
            n=Count("pk"), avg=Avg("doc_len"))
    else:
        agg = Seeker.objects.filter(active=True, doc_len__gt=0).aggregate(n=Count("pk"), avg=Avg("doc_len"))
    value = (int(agg["n"] or 0), float(agg["avg"] or 1.0) or 1.0)
    _stats[key] = (time.monotonic() + STATS_SECONDS, value)
    return value


def _document_frequencies(model, terms: Sequence[str], cap: int | None = None) -> dict[str, int]:
    """The document frequency of each term found; counted only up to `cap` + 1 when given (a
    term above the cap is left out of queries, so its exact count is not needed)."""
    now = time.monotonic()
    out, missing = {}, []
    for t in terms:
        hit = _stats.get((model.__name__, t))
        if hit and hit[0] > now:
            if hit[1]:
                out[t] = hit[1]
        else:
            missing.append(t)
    if missing and cap is not None:
        # One index range per term, cut at the cap: a common term costs no more than the cap.
        sql, params = _term_sql(model.objects.filter(term="").values("term").order_by()[: cap + 1])
        found = {missing[i]: n for i, n in _per_term(f"SELECT COUNT(*) FROM ({sql}) counted", params, missing)}
    elif missing:
        found = dict(model.objects.filter(term__in=missing).values_list("term").annotate(n=Count("pk")).order_by())
    if missing:
        for t in missing:
            _stats[(model.__name__, t)] = (now + STATS_SECONDS, found.get(t, 0))
            if found.get(t):
                out[t] = found[t]
    return out


def idf_of(n: int, df: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def bm25(model, terms: Sequence[str], where: Q, *, limit: int = CANDIDATES, passing=None
         ) -> tuple[list[tuple[int, float]], float]:
    """The best `limit` documents of an index (PostingTerm or SeekerTerm) for the terms, among
    those passing `where` (a filter across the join), as (id, BM25 score); and the score of an
    ideal document (every term once, at the average length), to normalise by. `passing(keys)`,
    when given, is the same filter on the owner model for keys (a list or a values() query):
    a query of the keys that pass."""
    owner = "posting_id" if model is PostingTerm else "seeker_id"
    terms = list(dict.fromkeys(t for t in terms if t and not t.startswith(CERT_PREFIX)))[:MAX_TERMS]
    if not terms:
        return [], 0.0
    n, avgdl = _collection(model)
    cap = int(max(MAX_DF_SHARE * n, MIN_DF_CAP))
    df = _document_frequencies(model, terms, cap)
    if not df:
        return [], 0.0
    # Terms in more than MAX_DF_SHARE of the documents (司机, 工人 among 100,000 postings) say
    # little and cost the most rows: left out, unless nothing else is left (then the rarest,
    # counted in full).
    rare = {t: d for t, d in df.items() if d <= cap}
    if not rare:
        full = dict(model.objects.filter(term__in=list(df)).values_list("term").annotate(n=Count("pk")).order_by())
        rare = dict(sorted(full.items(), key=lambda kv: kv[1])[:1])
    df = rare
    n = max(n, max(df.values()))
    idf = {t: idf_of(n, d) for t, d in df.items()}
    idf_expr = Case(*[When(term=t, then=Value(v)) for t, v in idf.items()], default=Value(0.0),
                    output_field=FloatField())
    tf = Cast("tf", FloatField())
    dl = Cast("dl", FloatField())
    weight = idf_expr * tf * Value(K1 + 1.0) / (tf + Value(K1 * (1.0 - B)) + Value(K1 * B / avgdl) * dl)
    ideal = sum(idf.values())

    def grouped(qs, count):
        return [(r[owner], float(r["score"])) for r in qs.values(owner)
                .annotate(score=Sum(weight, output_field=FloatField())).order_by("-score", owner)[:count]]

    if passing is not None:
        # Impact-ordered lists (docs/matching.md): the top `PER_TERM` rows of each term's list
        # (the index on (term, impact DESC)) make the candidates, scored by the rows read; the
        # hard filters are then checked on them by key, best first. Exact whenever every list was
        # read to its end (a small index). When too few pass, in a large index the lists are read
        # `DEEPER` times as far (only the new keys checked); when still too few, the fallback.
        checked: dict[int, bool] = {}
        step = max(limit * 5, 1000)
        for depth in (PER_TERM, PER_TERM * DEEPER) if n > DEEP_N else (PER_TERM,):
            scores, complete = _list_tops(model, owner, idf, avgdl, depth)
            ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
            todo = [pk for pk, _s in ranked if pk not in checked]
            for start in range(0, len(todo), step):
                chunk = todo[start:start + step]
                keep = set(passing(chunk))
                checked.update((pk, pk in keep) for pk in chunk)
                if sum(1 for pk, _s in ranked if checked.get(pk)) >= limit:
                    break
            found = [(pk, sc) for pk, sc in ranked if checked.get(pk)]
            if complete or len(found) >= min(limit, ENOUGH):
                return found[:limit], ideal
        # Too few: the filters on every document with any of the terms (one query, only the keys
        # that pass come back), and those scored; when that is very many, the joined query.
        keep = list(passing(model.objects.filter(term__in=list(idf)).values(owner))[:FALLBACK + 1])
        if len(keep) <= FALLBACK:
            norm = K1 * B / avgdl
            scores = dict.fromkeys(keep, 0.0)
            for pk, t, tf, dl in model.objects.filter(**{f"{owner}__in": keep}, term__in=list(idf)).values_list(
                    owner, "term", "tf", "dl"):
                scores[pk] += idf[t] * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B) + norm * dl)
            return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit], ideal
    return grouped(model.objects.filter(where, term__in=list(idf)), limit), ideal


def _list_tops(model, owner: str, idf: dict[str, float], avgdl: float, depth: int) -> tuple[dict[int, float], bool]:
    """The documents among the first `depth` rows of each term's impact-ordered list with their
    BM25 score over the rows read; and whether every list was read to its end."""
    scores: dict[int, float] = {}
    norm = K1 * B / avgdl
    sql, params = _term_sql(model.objects.filter(term="").order_by("-impact", owner).values_list(
        owner, "tf", "dl")[:depth])
    terms = list(idf)
    read = dict.fromkeys(range(len(terms)), 0)
    for i, pk, tf, dl in _per_term(f"SELECT * FROM ({sql}) listed", params, terms):
        read[i] += 1
        scores[pk] = scores.get(pk, 0.0) + idf[terms[i]] * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B) + norm * dl)
    complete = all(n < depth for n in read.values())
    return scores, complete


def _per_term(sql: str, params: list, terms: list[str]) -> list[tuple]:
    """Run a per-term query (its first parameter the term) for every term in one round trip:
    the queries joined by UNION ALL, each row led by the term's position. Each part keeps its own
    ORDER BY and LIMIT (it reads its own index range), which a single IN query could not."""
    if not terms:
        return []
    parts = [f"SELECT {i} AS term_no, part{i}.* FROM ({sql}) part{i}" for i in range(len(terms))]
    values: list = []
    for t in terms:
        values += [t, *params[1:]]
    return _run(" UNION ALL ".join(parts), values)


def _term_sql(qs) -> tuple[str, list]:
    """The SQL of a query filtered on term first (its first parameter), to be run for many terms
    without building the query each time."""
    sql, params = qs.query.sql_with_params()
    if not params or params[0] != "":  # the term is not the first parameter: never with these queries
        raise ValueError(sql)
    return sql, list(params)


def _run(sql: str, params: list) -> list[tuple]:
    """Run one of the matcher's own statements. On PostgreSQL with server-side binding: the
    parameters (a thousand keys as one array, the terms) travel as values instead of being quoted
    into the SQL text by the driver, which cost more than the query (docs/benchmarks.md, "Job
    matching"). Django's cursor wrapper is kept, so the statement is logged, timed and wrapped
    like any other."""
    from django.db import connection

    if connection.vendor == "postgresql":
        # What connection.cursor() does (the thread check, the connection, database errors as
        # Django's), with the server-binding cursor class in place of the client-binding one.
        # Django is pinned; test_matching runs this on PostgreSQL, so an upgrade that moves the
        # class fails there first.
        from django.db.backends.postgresql.base import ServerBindingCursor

        connection.validate_thread_sharing()
        connection.ensure_connection()
        with connection.wrap_database_errors:
            raw = ServerBindingCursor(connection.connection)
        cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    else:
        cursor = connection.cursor()
    with cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_KEYS_SQL: dict[tuple, str] = {}


def _rows_by_keys(model, keys: list[int], fields: list[str]) -> list[tuple]:
    """The rows of these keys as the driver gives them (no field conversions: dates may be ISO
    strings and numbers floats on SQLite; see _date). The keys go as one parameter — an array on
    PostgreSQL (`= ANY(%s::bigint[])`, the keys as text), a JSON list on SQLite (`IN (SELECT value FROM json_each(%s))`) — so
    the statement is built once per model and fields, not compiled again with a thousand
    placeholders on every call (that cost more than running it)."""
    from django.db import connection

    key = (connection.vendor, model._meta.label, tuple(fields))
    sql = _KEYS_SQL.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        sql, params = model.objects.filter(pk__in=[0]).order_by().values_list(*fields).query.sql_with_params()
        key_in = f"{qn(model._meta.db_table)}.{qn(model._meta.pk.column)} IN (%s)"
        if sql.count(key_in) != 1 or list(params) != [0]:
            raise ValueError(sql)  # never with these plain queries
        any_keys = "= ANY(%s::bigint[])" if connection.vendor == "postgresql" else "IN (SELECT value FROM json_each(%s))"
        sql = _KEYS_SQL[key] = sql.replace(key_in, key_in[: -len("IN (%s)")] + any_keys)
    # The keys as one text value ('{1,2,3}' or '[1,2,3]'): the driver's list adapter costs ~3 µs a
    # key, more than the lookup itself.
    text = ",".join(str(int(k)) for k in keys)
    return _run(sql, ["{" + text + "}" if connection.vendor == "postgresql" else "[" + text + "]"])


def _date(value) -> dt.date:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


# Hard filters ----------------------------------------------------------------------------------
def _prefix_range(field: str, prefix: str) -> Q:
    """`field` starts with the division prefix, as a range (a plain b-tree index serves it)."""
    if not prefix:
        return Q()
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + ":"})


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def certificate_key(text: str) -> str:
    """A certificate's name without its kind words: 电工证 / 电工操作证书 / 电工 → 电工."""
    text = (text or "").strip().lower()
    for tail in ("资格证书", "操作证书", "上岗证书", "等级证书", "资格证", "操作证", "上岗证", "证书", "证"):
        if text.endswith(tail) and len(text) > len(tail):
            return text[: -len(tail)]
    return text


def held_certificates(seeker: Seeker) -> set[str]:
    """The certificate keys a seeker holds: the ledger's certificates and those entered here."""
    from anju.registry.models import Certificate

    keys = {certificate_key(c) for c in (seeker.certificates or "").replace(",", "、").split("、") if c.strip()}
    keys |= {certificate_key(o) for o in Certificate.objects.filter(worker_id=seeker.worker_id)
             .values_list("occupation", flat=True) if o}
    return {k for k in keys if k}


def _certificate_variants(keys: Iterable[str]) -> list[str]:
    tails = ("", "证", "证书", "资格证", "资格证书", "操作证", "操作证书", "上岗证", "上岗证书", "等级证书")
    return sorted({k + t for k in keys for t in tails})


def _physical_upto(level: str) -> list[str]:
    i = PHYSICAL_ORDER.index(level) if level in PHYSICAL_ORDER else len(PHYSICAL_ORDER) - 1
    return [str(p) for p in PHYSICAL_ORDER[: i + 1]]


def _physical_from(level: str) -> list[str]:
    i = PHYSICAL_ORDER.index(level) if level in PHYSICAL_ORDER else 0
    return [str(p) for p in PHYSICAL_ORDER[i:]]


def open_postings_q(on: dt.date, prefix: str = "posting__") -> Q:
    """Published and valid on the day."""
    p = prefix
    return (Q(**{f"{p}status": PostingStatus.PUBLISHED})
            & (Q(**{f"{p}valid_from__isnull": True}) | Q(**{f"{p}valid_from__lte": on}))
            & (Q(**{f"{p}valid_until__isnull": True}) | Q(**{f"{p}valid_until__gte": on})))


def jobs_filter(seeker: Seeker, on: dt.date, prefix: str = "posting__", held: set[str] | None = None,
                within: str | None = None) -> Q:
    """The postings a seeker could take on the day (the hard filters), across `prefix`; `held`:
    their held_certificates when already known; `within`: a narrower area inside the seeker's
    range to look in (one range on the region, so the planner reads the narrow one)."""
    p = prefix
    q = open_postings_q(on, p) & _prefix_range(f"{p}region_id", seeker.range_prefix if within is None else within)
    if seeker.pay_floor is not None:
        q &= Q(**{f"{p}pay_monthly_max__gte": seeker.pay_floor})
    held = held_certificates(seeker) if held is None else held
    q &= Q(**{f"{p}certificate": ""}) | Q(**{f"{p}certificate__in": _certificate_variants(held)}) if held \
        else Q(**{f"{p}certificate": ""})
    age = age_on(seeker.birth_date, on)
    q &= (Q(**{f"{p}age_min__isnull": True}) | Q(**{f"{p}age_min__lte": age}))
    q &= (Q(**{f"{p}age_max__isnull": True}) | Q(**{f"{p}age_max__gte": age}))
    if seeker.available_from is not None:
        q &= Q(**{f"{p}start_date__isnull": True}) | Q(**{f"{p}start_date__gte": seeker.available_from})
    q &= Q(**{f"{p}physical__in": _physical_upto(seeker.physical)})
    return q


def range_prefixes(code: str) -> list[str]:
    """Every range prefix a seeker within reach of `code` may have: '', province … town."""
    return ["", code[:2], code[:4], code[:6], code[:9]]


def workers_filter(posting: JobPosting, on: dt.date, *, region_prefix: str = "", worker_ids=None,
                   prefix: str = "seeker__") -> Q:
    """The seekers who could take a posting on the day (the mirror of `jobs_filter`)."""
    p = prefix
    q = Q(**{f"{p}active": True}, **{f"{p}range_prefix__in": range_prefixes(posting.region_id)})
    q &= _prefix_range(f"{p}region_code", region_prefix)
    if posting.pay_monthly_max is None:
        q &= Q(**{f"{p}pay_floor__isnull": True})
    else:
        q &= Q(**{f"{p}pay_floor__isnull": True}) | Q(**{f"{p}pay_floor__lte": posting.pay_monthly_max})
    if posting.age_min is not None:
        q &= Q(**{f"{p}birth_date__lte": _years_before(on, posting.age_min)})
    if posting.age_max is not None:
        q &= Q(**{f"{p}birth_date__gt": _years_before(on, posting.age_max + 1)})
    if posting.start_date is not None:
        q &= Q(**{f"{p}available_from__isnull": True}) | Q(**{f"{p}available_from__lte": posting.start_date})
    q &= Q(**{f"{p}physical__in": _physical_from(posting.physical)})
    key = certificate_key(posting.certificate)
    if key:
        owner = "seeker_id" if p else "pk"
        q &= Q(Exists(SeekerTerm.objects.filter(seeker_id=OuterRef(owner), term=(CERT_PREFIX + key)[:40])))
    if worker_ids is not None:
        q &= Q(**{f"{p}pk__in": worker_ids})
    return q


# Re-ranking ------------------------------------------------------------------------------------
def distance(a: str, b: str, words: bool = True) -> tuple[float, str]:
    """(share 0–1, words) of how near two division codes are in the region tree."""
    a, b = (a or "").ljust(12, "0"), (b or "").ljust(12, "0")
    starts = {12: 9, 9: 6, 6: 4, 4: 2, 2: 0}
    for length, share, label in DISTANCE_LEVELS:
        # The level counts only where both codes name a division of it (350581001000 is a town:
        # two people registered at the town itself are in the same town, not the same village).
        if a[:length] == b[:length] and a[starts[length]:length].strip("0"):
            return share, (_(label) if words else "")
    return 0.0, (_("不在同一省份") if words else "")


def _pay_fit(pay_max: Decimal | None, floor: Decimal | None, words: bool = True) -> tuple[float, str]:
    if pay_max is None:
        return 0.5, (_("薪酬：按月折算金额未知") if words else "")
    if floor is None or floor <= 0:
        return 0.5, (_("薪酬：最高约 %(pay)s 元/月（未填写期望薪酬）") % {"pay": f"{pay_max:.0f}"} if words else "")
    ratio = float(pay_max) / float(floor)
    share = max(0.0, min(1.0, 0.5 + (ratio - 1.0) * 0.5 / (PAY_FULL_RATIO - 1.0)))
    if not words:
        return share, ""
    return share, _("薪酬：最高约 %(pay)s 元/月，期望不低于 %(floor)s 元/月") % {
        "pay": f"{pay_max:.0f}", "floor": f"{floor:.0f}"}


def _recency(at: dt.datetime | None, now: dt.datetime, *, posting: bool = True, words: bool = True) -> tuple[float, str]:
    if at is None:
        return 0.0, (_("发布时间未知") if words else "")
    days = max(0, (now - at).days)
    share = max(0.0, 1.0 - days / RECENCY_DAYS)
    if not words:
        return share, ""
    if posting:
        return share, _("发布于 %(days)d 天前") % {"days": days}
    return share, _("求职登记更新于 %(days)d 天前") % {"days": days}


def _text_part(share: float, same_occupation: str | None, words: bool = True) -> str:
    if not words:
        return ""
    if same_occupation:
        return _("意向职业与岗位相符：%(occupation)s") % {"occupation": same_occupation}
    if share <= 0:
        return _("求职意向与岗位无文字匹配")
    return _("求职意向、技能与岗位描述相近（%(percent)d%%）") % {"percent": round(share * 100)}


def _score(parts: list[tuple[str, float, float, str]]) -> float:
    return round(min(100.0, sum(weight * share for _n, weight, share, _w in parts)), 2)


def _combine(parts: list[tuple[str, float, float, str]]) -> tuple[float, list[Part], dict]:
    """parts: (name, weight, share 0–1, words) → (score, Parts, components)."""
    out, comps, score = [], {}, 0.0
    for name, weight, share, words in parts:
        points = weight * share
        score += points
        comps[name] = round(share, 4)
        out.append(Part(label=words, points=round(points, 2)))
    return round(min(100.0, score), 2), out, comps


def semantic_enabled() -> bool:
    from anju.employment import semantic

    return semantic.get_reranker() is not None


def _semantic(query: str, docs: list[tuple[int, str]]) -> dict[int, float] | None:
    from anju.employment import semantic

    reranker = semantic.get_reranker()
    if reranker is None or not query or not docs:
        return None
    try:
        return reranker.scores(query, docs)
    except Exception:  # an optional stage must never break matching
        return None


# Seekers and their text ------------------------------------------------------------------------
def seeker_query(seeker: Seeker, worker=None) -> str:
    """What a worker is matched by: their desired occupation and skills."""
    worker = worker or seeker.worker
    return " ".join(x for x in [worker.desired_occupation, worker.skills] if x)


def _seeker_terms(seeker: Seeker, worker) -> list[str]:
    """The worker's own tokens, expanded by the names and everyday names of each occupation they
    name and of their resolved occupation."""
    terms = list(text_mod.query_terms(seeker_query(seeker, worker)))
    if seeker.occupation_id and seeker.occupation is not None:
        for word in [seeker.occupation.name, *seeker.occupation.alias_list]:
            terms += list(text_mod.tokens(word))
    return list(dict.fromkeys(terms))


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


# Jobs for a worker -----------------------------------------------------------------------------
def jobs_for_worker(worker, *, limit: int = 20, on: dt.date | None = None, user=None) -> list[Match]:
    """The jobs a worker could take, best first, each with its score in words."""
    from anju.employment.seekers import seeker_for

    on = _today(on)
    seeker = seeker_for(worker)
    held = held_certificates(seeker)
    where = jobs_filter(seeker, on, held=held)
    terms = _seeker_terms(seeker, worker)
    open_here = jobs_filter(seeker, on, prefix="", held=held)


    floor = seeker.pay_floor
    variants = set(_certificate_variants(held))
    age = age_on(seeker.birth_date, on)
    bearable = set(_physical_upto(seeker.physical))

    def passing(keys):
        # jobs_filter on the postings of these keys. For a list, the rows by key, checked here (a
        # planner may prefer a range of the region index to the keys, which costs 10× more).
        if not isinstance(keys, list):
            return JobPosting.objects.filter(open_here, pk__in=keys).order_by().values_list("pk", flat=True)
        out = []
        for (pk, status, vf, vu, region, pay, cert, amin, amax, start, physical) in _rows_by_keys(
                JobPosting, keys, ["pk", "status", "valid_from", "valid_until", "region_id", "pay_monthly_max",
                                   "certificate", "age_min", "age_max", "start_date", "physical"]):
            if (status == PostingStatus.PUBLISHED and (vf is None or _date(vf) <= on)
                    and (vu is None or _date(vu) >= on) and region.startswith(seeker.range_prefix)
                    and (floor is None or (pay is not None and pay >= floor))
                    and (not cert or cert in variants) and (amin is None or amin <= age)
                    and (amax is None or amax >= age)
                    and (seeker.available_from is None or start is None or _date(start) >= seeker.available_from)
                    and physical in bearable):
                out.append(pk)
        return out

    scored, ideal = bm25(PostingTerm, terms, where, passing=passing) if terms else ([], 0.0)
    text_of = dict(scored)
    ids = [pk for pk, _s in scored]
    if len(ids) < limit:  # room left: the nearest and newest of the rest
        # Nearest first: the worker's town, then wider up to their range, until the page is full
        # (each level offers up to `need` for the ranking; a wider level is read only when the
        # nearer ones could not fill the page — a county's scan costs eight towns').
        need = max(limit * 3, 60)
        home = (seeker.region_code or "").ljust(12, "0")
        for digits in (9, 6, 4, 2, 0):
            area = home[:digits]
            if len(area) < len(seeker.range_prefix) or not area.startswith(seeker.range_prefix):
                continue
            rest = (JobPosting.objects.filter(jobs_filter(seeker, on, prefix="", held=held, within=area))
                    .exclude(pk__in=ids).order_by("-published_at", "-id").values_list("pk", flat=True)[: need - len(ids)])
            ids += list(rest)
            if len(ids) >= limit:
                break
    has_text = bool(terms)
    rows = {r[0]: r for r in JobPosting.objects.filter(pk__in=ids).values_list(
        "pk", "region_id", "pay_monthly_max", "published_at", "occupation_id")}
    sem = None
    if has_text and rows and semantic_enabled():
        texts = {p.pk: posting_text(p) for p in JobPosting.objects.filter(pk__in=[i for i in ids if i in text_of])
                 .select_related("occupation")}
        sem = _semantic(seeker_query(seeker, worker), list(texts.items()))
    now = timezone.now()
    occupation_name = seeker.occupation.name if seeker.occupation_id else None

    def parts_of(pk: int, words: bool) -> list:
        _pk, region_id, pay_max, published_at, occupation_id = rows[pk]
        near, near_words = distance(seeker.region_code, region_id, words)
        pay, pay_words = _pay_fit(pay_max, seeker.pay_floor, words)
        recent, recent_words = _recency(published_at, now, words=words)
        near_words = _("距离：%(words)s") % {"words": near_words} if words else ""
        if not has_text:
            return [("distance", W0_DISTANCE, near, near_words), ("pay", W0_PAY, pay, pay_words),
                    ("recency", W0_RECENCY, recent, recent_words)]
        share = min(1.0, text_of.get(pk, 0.0) / ideal) if ideal else 0.0
        if sem is not None and pk in sem:
            share = 0.5 * share + 0.5 * max(0.0, min(1.0, sem[pk]))
        same = occupation_name if seeker.occupation_id and occupation_id == seeker.occupation_id else None
        if same:
            share = 1.0
        return [("text", W_TEXT, share, _text_part(share, same, words)), ("distance", W_DISTANCE, near, near_words),
                ("pay", W_PAY, pay, pay_words), ("recency", W_RECENCY, recent, recent_words)]

    ranked = sorted((pk for pk in ids if pk in rows), key=lambda pk: (
        -_score(parts_of(pk, False)), -(rows[pk][3].timestamp() if rows[pk][3] else 0), -pk))[:limit]
    postings = JobPosting.objects.select_related("occupation").in_bulk(ranked)
    matches = []
    for pk in ranked:
        score, out, comps = _combine(parts_of(pk, True))
        matches.append(Match(posting_id=pk, worker_id=worker.pk, score=score, parts=out, posting=postings[pk],
                             components=comps))
    _log_shown(MatchEvent.Direction.JOBS_FOR_WORKER, matches, user=user, query=seeker_query(seeker, worker))
    return matches


# Workers for a job -----------------------------------------------------------------------------
def posting_query_terms(posting: JobPosting) -> list[str]:
    """What a posting looks for among seekers: its title, occupation name and certificate, with
    the occupations its title names (seekers are indexed with their occupation's names)."""
    text = " ".join([posting.title, posting.occupation.name, posting.certificate])
    terms = list(text_mod.tokens(text))
    for key in text_mod.occupations_named(posting.title):
        words = text_mod.occupation_words(key)
        if words:
            terms += list(text_mod.tokens(words[0]))
    return list(dict.fromkeys(terms))


def workers_for_job(posting: JobPosting, *, limit: int = 20, on: dt.date | None = None, region_prefix: str = "",
                    worker_ids=None, user=None) -> list[Match]:
    """The workers who could take a job, best first, each with its score in words. `region_prefix`
    keeps to workers living there; `worker_ids` (a list or queryset) restricts the candidates."""
    from anju.registry.models import Worker

    on = _today(on)
    if posting.status != PostingStatus.PUBLISHED:
        return []
    where = workers_filter(posting, on, region_prefix=region_prefix, worker_ids=worker_ids)
    fit = workers_filter(posting, on, region_prefix=region_prefix, worker_ids=worker_ids, prefix="")

    prefixes = set(range_prefixes(posting.region_id))
    able = set(_physical_from(posting.physical))
    born_by = _years_before(on, posting.age_min) if posting.age_min is not None else None
    born_after = _years_before(on, posting.age_max + 1) if posting.age_max is not None else None
    cert = (CERT_PREFIX + certificate_key(posting.certificate))[:40] if certificate_key(posting.certificate) else ""
    pay_max = posting.pay_monthly_max

    def passing(keys):
        # workers_filter on the seekers of these keys, as in jobs_for_worker
        if not isinstance(keys, list) or worker_ids is not None:
            return Seeker.objects.filter(fit, pk__in=keys).order_by().values_list("pk", flat=True)
        out = []
        for (pk, active, rp, home, floor, birth, available, physical) in _rows_by_keys(
                Seeker, keys, ["pk", "active", "range_prefix", "region_code", "pay_floor", "birth_date",
                               "available_from", "physical"]):
            if (active and rp in prefixes and home.startswith(region_prefix)
                    and (floor is None or (pay_max is not None and floor <= pay_max))
                    and (born_by is None or _date(birth) <= born_by) and (born_after is None or _date(birth) > born_after)
                    and (posting.start_date is None or available is None or _date(available) <= posting.start_date)
                    and physical in able):
                out.append(pk)
        if cert and out:
            out = list(SeekerTerm.objects.filter(seeker_id__in=out, term=cert).values_list("seeker_id", flat=True))
        return out

    scored, ideal = bm25(SeekerTerm, posting_query_terms(posting), where, passing=passing)
    text_of = dict(scored)
    ids = [pk for pk, _s in scored]
    if len(ids) < limit:
        rest = (Seeker.objects.filter(fit).exclude(pk__in=ids).order_by("-updated_at", "-pk").values_list("pk", flat=True)[: max(limit * 3, 60)])
        ids += list(rest)
    rows = {r[0]: r for r in Seeker.objects.filter(pk__in=ids).values_list(
        "pk", "region_code", "pay_floor", "updated_at", "occupation_id")}
    now = timezone.now()
    sem = None
    if rows and semantic_enabled():
        workers = Worker.objects.in_bulk([i for i in ids if i in text_of])
        sem = _semantic(posting_text(posting), [(pk, " ".join(x for x in [w.desired_occupation, w.skills] if x))
                                                for pk, w in workers.items()])

    def parts_of(pk: int, words: bool) -> list:
        _pk, region_code, pay_floor, updated_at, occupation_id = rows[pk]
        near, near_words = distance(region_code, posting.region_id, words)
        pay, pay_words = _pay_fit(posting.pay_monthly_max, pay_floor, words)
        recent, recent_words = _recency(updated_at, now, posting=False, words=words)
        share = min(1.0, text_of.get(pk, 0.0) / ideal) if ideal else 0.0
        if sem is not None and pk in sem:
            share = 0.5 * share + 0.5 * max(0.0, min(1.0, sem[pk]))
        same = posting.occupation.name if occupation_id == posting.occupation_id else None
        if same:
            share = 1.0
        return [("text", W_TEXT, share, _text_part(share, same, words)),
                ("distance", W_DISTANCE, near, _("距离：%(words)s") % {"words": near_words} if words else ""),
                ("pay", W_PAY, pay, pay_words), ("recency", W_RECENCY, recent, recent_words)]

    ranked = sorted((pk for pk in ids if pk in rows), key=lambda pk: (-_score(parts_of(pk, False)), pk))[:limit]
    workers = Worker.objects.in_bulk(ranked)
    matches = []
    for pk in ranked:
        if pk not in workers:
            continue
        score, out, comps = _combine(parts_of(pk, True))
        matches.append(Match(posting_id=posting.pk, worker_id=pk, score=score, parts=out, posting=posting,
                             worker=workers[pk], components=comps))
    _log_shown(MatchEvent.Direction.WORKERS_FOR_JOB, matches, user=user, query=posting.title)
    return matches


# The public board ------------------------------------------------------------------------------
def search_postings(query: str, *, region_prefix: str = "", pay_min=None, kind: str = "", limit: int = 20,
                    offset: int = 0, on: dt.date | None = None) -> tuple[list[Match], int]:
    """Published, valid postings for the public board, odd jobs first; everyday words are
    expanded to their occupations (搬砖 finds 建筑工人). Returns (one page of matches, total)."""
    on = _today(on)
    query = (query or "").strip()[:100]
    limit = max(1, min(int(limit), 100))
    offset = max(0, int(offset))
    base = open_postings_q(on, prefix="") & _prefix_range("region_id", region_prefix)
    if pay_min not in (None, ""):
        base &= Q(pay_monthly_max__gte=Decimal(str(pay_min)))
    if kind:
        base &= Q(kind=kind)
    odd_first = Case(When(kind=PostingKind.ODD_JOB, then=Value(0)), default=Value(1))
    terms = list(text_mod.query_terms(query)) if query else []
    now = timezone.now()
    if not terms:
        qs = JobPosting.objects.filter(base)
        total = qs.count()
        page = list(qs.select_related("occupation").annotate(_odd=odd_first)
                    .order_by("_odd", "-published_at", "-id")[offset: offset + limit])
        matches = []
        for p in page:
            recent, words = _recency(p.published_at, now)
            score, out, comps = _combine([("recency", 100.0, recent, words)])
            matches.append(Match(posting_id=p.pk, worker_id=None, score=score, parts=out, posting=p, components=comps))
    else:
        where = Q(posting__in=JobPosting.objects.filter(base).values("pk"))
        scored, ideal = bm25(PostingTerm, terms, where, limit=max(CANDIDATES, offset + limit))
        total = (PostingTerm.objects.filter(where, term__in=terms).values("posting_id").distinct().count()
                 if len(scored) >= max(CANDIDATES, offset + limit) else len(scored))
        light = {r[0]: r for r in JobPosting.objects.filter(pk__in=[pk for pk, _s in scored])
                 .values_list("pk", "kind", "published_at")}

        def parts_of(pk: int, sc: float, words: bool) -> list:
            share = min(1.0, sc / ideal) if ideal else 0.0
            recent, recent_words = _recency(light[pk][2], now, words=words)
            return [("text", WS_TEXT, share,
                     _("与搜索词相符（%(percent)d%%）") % {"percent": round(share * 100)} if words else ""),
                    ("recency", WS_RECENCY, recent, recent_words)]

        text_of = dict(scored)
        ranked = sorted((pk for pk, _s in scored if pk in light), key=lambda pk: (
            light[pk][1] != PostingKind.ODD_JOB, -_score(parts_of(pk, text_of[pk], False)), -pk))
        page_ids = ranked[offset: offset + limit]
        postings = JobPosting.objects.select_related("occupation").in_bulk(page_ids)
        matches = []
        for pk in page_ids:
            score, out, comps = _combine(parts_of(pk, text_of[pk], True))
            matches.append(Match(posting_id=pk, worker_id=None, score=score, parts=out, posting=postings[pk],
                                 components=comps))
    _log_shown(MatchEvent.Direction.PUBLIC_SEARCH, matches, user=None, query=query, offset=offset)
    return matches, total


# The event log ---------------------------------------------------------------------------------
def _log_shown(direction: str, matches: list[Match], *, user=None, query: str = "", offset: int = 0) -> None:
    if not matches:
        return
    from django.db import connection, transaction

    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    events = [MatchEvent(kind=MatchEvent.Kind.SHOWN, direction=direction, worker_id=m.worker_id,
                         posting_id=m.posting_id, rank=min(offset + i, 32767), score=m.score,
                         parts=m.components or {}, query=(query or "")[:100], user_id=user_id)
              for i, m in enumerate(matches, start=1)]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # The shown-log is training data, not a record anyone relies on: its own transaction
        # commits without waiting for the WAL flush (a crash may lose the last few lists shown,
        # never other data, and never leaves a partial write). Inside a caller's transaction the
        # setting would reach the caller's writes too, so there it is left alone.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            MatchEvent.objects.bulk_create(events)
        return
    MatchEvent.objects.bulk_create(events)


def log_chosen(*, direction: str, worker_id: int, posting_id: int, user=None, rank: int | None = None,
               score: float | None = None) -> None:
    """What staff (or a worker) picked from a list: a referral made from a matches page."""
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    MatchEvent.objects.create(kind=MatchEvent.Kind.CHOSEN, direction=direction, worker_id=worker_id,
                              posting_id=posting_id, rank=max(0, min(int(rank or 0), 32767)),
                              score=float(score or 0.0), user_id=user_id)
