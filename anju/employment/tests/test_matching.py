"""Job matching both ways: the hard filters, the score in words, the public board, the event
log, and the labelled set (NDCG@10 and recall@20 of the matcher against plain BM25)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from anju.accounts.models import Role
from anju.accounts.tests.factories import UserFactory
from anju.employment import matching, semantic, text
from anju.employment.models import (
    JobPosting,
    MatchEvent,
    Occupation,
    PostingStatus,
    PostingTerm,
    Seeker,
)
from anju.employment.seekers import seeker_for
from anju.employment.tests.data import labelled_pairs as L
from anju.registry.models import Certificate
from anju.registry.tests.factories import make_worker

pytestmark = pytest.mark.django_db
TOWN = "350581001000"      # 石狮市 湖滨街道
TOWN2 = "350581002000"     # 石狮市 another street
JINJIANG = "350582000000"  # 晋江市 (same city)
LAN = "141127100000"       # 岚县


def occupation(key: str) -> Occupation:
    return Occupation.objects.get(key=key)


def post(key: str = "welder", *, title: str = "", region: str = TOWN, status: str = PostingStatus.PUBLISHED,
         index: bool = True, days_ago: int = 1, **fields) -> JobPosting:
    o = occupation(key)
    now = timezone.now()
    values = {"kind": "regular", "title": title or o.name, "occupation": o, "unit_name": "石狮市某单位",
              "region_id": region, "pay_unit": "month", "pay_min": Decimal("4000"), "pay_max": Decimal("6000"),
              "pay_monthly_min": Decimal("4000"), "pay_monthly_max": Decimal("6000"), "status": status,
              "published_at": now - dt.timedelta(days=days_ago), "valid_from": timezone.localdate() - dt.timedelta(days=days_ago)}
    values.update(fields)
    p = JobPosting.objects.create(**values)
    if index and status == PostingStatus.PUBLISHED:
        matching.index_postings([JobPosting.objects.select_related("occupation").get(pk=p.pk)])
    return p


def worker(desired: str = "烧焊", skills: str = "", residence: str = TOWN, **fields):
    return make_worker(residence=residence, desired_occupation=desired, skills=skills, **fields)


def ids(matches) -> list[int]:
    return [m.posting_id for m in matches]


# Jobs for a worker: hard filters ---------------------------------------------------------------
def test_slang_finds_its_occupation_with_the_score_in_words():
    weld = post("welder", title="钢结构车间焊接师傅")
    post("cleaner", title="写字楼保洁")
    w = worker("烧焊")
    matches = matching.jobs_for_worker(w)
    assert matches[0].posting_id == weld.pk
    top = matches[0]
    assert top.posting == weld and 0 < top.score <= 100
    labels = [p.label for p in top.parts]
    assert "意向职业与岗位相符：电焊工" in labels
    assert "距离：同一乡镇（街道）" in labels
    assert math.isclose(sum(p.points for p in top.parts), top.score, abs_tol=0.05)
    assert top.score > matches[1].score  # the cleaning job comes after, with no text points
    assert any("无文字匹配" in p.label for p in matches[1].parts)


def test_jobs_outside_the_range_or_closed_or_expired_are_not_offered():
    near = post(title="焊工")
    far = post(title="焊工", region=LAN)
    paused = post(title="焊工", status=PostingStatus.PAUSED)
    expired = post(title="焊工", valid_until=timezone.localdate() - dt.timedelta(days=1))
    future = post(title="焊工", valid_from=timezone.localdate() + dt.timedelta(days=3))
    w = worker("电焊工")
    got = ids(matching.jobs_for_worker(w))
    assert near.pk in got
    assert not {far.pk, paused.pk, expired.pk, future.pk} & set(got)
    # Province-wide: Jinjiang (same city) comes in, Lan county (Shanxi) still not.
    jj = post(title="焊工", region=JINJIANG)
    seeker = Seeker.objects.get(pk=w.pk)
    seeker.work_range, seeker.range_prefix = Seeker.Range.PROVINCE, "35"
    seeker.save()
    got = ids(matching.jobs_for_worker(w))
    assert jj.pk in got and far.pk not in got
    assert got.index(near.pk) < got.index(jj.pk)  # the nearer first


def test_pay_floor_certificate_age_start_and_strength_filter_jobs():
    ok = post(title="焊工")
    low = post(title="焊工", pay_monthly_max=Decimal("3000"), pay_max=Decimal("3000"), pay_min=Decimal("3000"),
               pay_monthly_min=Decimal("3000"))
    unknown_pay = post(title="焊工", pay_monthly_max=None)
    cert = post(title="焊工", certificate="焊工证")
    young = post(title="焊工", age_max=30)
    early = post(title="焊工", start_date=timezone.localdate() + dt.timedelta(days=2))
    heavy = post(title="焊工", physical="heavy")
    w = worker("电焊", expected_salary=Decimal("4500"))
    s = seeker_for(w)
    s.available_from, s.physical = timezone.localdate() + dt.timedelta(days=10), "medium"
    s.save()
    got = set(ids(matching.jobs_for_worker(w)))
    assert ok.pk in got
    assert not {low.pk, unknown_pay.pk, cert.pk, young.pk, early.pk, heavy.pk} & got  # born 1985: over 30
    # With the certificate in the ledger the certificate job is offered.
    Certificate.objects.create(worker=w, kind="special_ability", occupation="焊工", certificate_no="H-1")
    assert cert.pk in set(ids(matching.jobs_for_worker(w)))


def test_a_worker_without_desired_occupation_gets_nearby_recent_jobs():
    old = post("cleaner", days_ago=50)
    new = post("porter", days_ago=0)
    w = worker("")
    matches = matching.jobs_for_worker(w)
    assert ids(matches)[:2] == [new.pk, old.pk]
    assert not any("意向" in p.label for p in matches[0].parts)


def test_shown_events_are_logged_and_chosen_too():
    post(title="焊工")
    user = UserFactory(username="m-town", role=Role.TOWN_OFFICER, jurisdiction="350581001")
    w = worker("烧焊")
    matches = matching.jobs_for_worker(w, user=user)
    events = MatchEvent.objects.filter(kind="shown", direction="jobs", worker_id=w.pk)
    assert events.count() == len(matches) and events.get(rank=1).user == user
    assert "text" in events.get(rank=1).parts
    matching.log_chosen(direction="jobs", worker_id=w.pk, posting_id=matches[0].posting_id, user=user, rank=1,
                        score=matches[0].score)
    assert MatchEvent.objects.filter(kind="chosen", worker_id=w.pk, rank=1).count() == 1


# Workers for a job -----------------------------------------------------------------------------
def test_workers_for_a_job_mirror_the_filters():
    job = post("welder", title="招氩弧焊工", certificate="焊工证", age_max=50, pay_monthly_max=Decimal("6000"))
    good = worker("烧焊")
    Certificate.objects.create(worker=good, kind="special_ability", occupation="焊工", certificate_no="H-2")
    no_cert = worker("电焊")
    greedy = worker("电焊", expected_salary=Decimal("8000"))
    Certificate.objects.create(worker=greedy, kind="special_ability", occupation="焊工", certificate_no="H-3")
    far = worker("电焊", residence=LAN)
    Certificate.objects.create(worker=far, kind="special_ability", occupation="焊工", certificate_no="H-4")
    cleaner = worker("保洁")
    Certificate.objects.create(worker=cleaner, kind="special_ability", occupation="焊工", certificate_no="H-5")
    from anju.employment.seekers import refresh

    refresh([good.pk, no_cert.pk, greedy.pk, far.pk, cleaner.pk])
    matches = matching.workers_for_job(job)
    got = [m.worker_id for m in matches]
    assert got[0] == good.pk and matches[0].worker == good
    assert not {no_cert.pk, greedy.pk, far.pk} & set(got)
    assert cleaner.pk in got and got.index(cleaner.pk) > 0
    # The officer's jurisdiction and an eligible list narrow it.
    assert matching.workers_for_job(job, region_prefix="350581002") == []
    assert [m.worker_id for m in matching.workers_for_job(job, worker_ids=[cleaner.pk])] == [cleaner.pk]
    assert MatchEvent.objects.filter(direction="workers", posting_id=job.pk, kind="shown").exists()


def test_workers_for_an_unpublished_job_is_empty():
    job = post(status=PostingStatus.DRAFT)
    worker("烧焊")
    assert matching.workers_for_job(job) == []


# The public board ------------------------------------------------------------------------------
def test_search_expands_everyday_words_and_puts_odd_jobs_first():
    regular = post("construction-worker", title="建筑工人", days_ago=0)
    odd = post("construction-worker", title="工地小工日结", kind="odd_job", pay_unit="day", pay_min=200, pay_max=250,
               start_date=timezone.localdate() + dt.timedelta(days=1), duration_days=3, days_ago=5,
               pay_monthly_min=None, pay_monthly_max=None)
    post("cleaner", title="保洁")
    matches, total = matching.search_postings("搬砖")
    assert total == 2 and ids(matches) == [odd.pk, regular.pk]
    assert matches[0].worker_id is None and matches[0].posting == odd
    page, total = matching.search_postings("搬砖", limit=1, offset=1)
    assert total == 2 and ids(page) == [regular.pk]
    everything, total = matching.search_postings("")
    assert total == 3 and everything[0].posting_id == odd.pk
    assert matching.search_postings("搬砖", region_prefix="1411")[1] == 0
    assert matching.search_postings("", kind="odd_job")[1] == 1
    assert matching.search_postings("", pay_min=Decimal("5000"))[1] == 2  # the odd job's month pay is unknown
    assert MatchEvent.objects.filter(direction="search", query="搬砖").exists()


def test_unindexed_postings_leave_the_index():
    p = post(title="焊工")
    assert PostingTerm.objects.filter(posting=p).exists()
    matching.unindex_postings([p.pk])
    assert not PostingTerm.objects.filter(posting=p).exists()


def test_the_semantic_stage_blends_in_when_enabled(settings):
    class Fake:
        def scores(self, query, docs):
            return {pk: (1.0 if "不锈钢" in t else 0.0) for pk, t in docs}

    a = post(title="焊接", description="钢结构")
    b = post(title="焊接", description="不锈钢")
    w = worker("焊接")
    settings.ANJU_SEMANTIC_RERANK = True
    semantic.set_reranker(Fake())
    try:
        got = ids(matching.jobs_for_worker(w))
    finally:
        semantic.set_reranker(None)
        settings.ANJU_SEMANTIC_RERANK = False
    assert got.index(b.pk) < got.index(a.pk)
    assert semantic.get_reranker() is None


# The labelled set ------------------------------------------------------------------------------
def ndcg_at(ranked: list[str], rel: dict[str, int], k: int) -> float:
    dcg = sum((2 ** rel.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(rel.values(), reverse=True)[:k]
    idcg = sum((2 ** r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], rel: dict[str, int], k: int) -> float:
    relevant = {d for d, r in rel.items() if r > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def plain_bm25(query: str, docs: dict[str, str]) -> list[str]:
    """BM25 over the postings' own words (title, description), the query's raw tokens."""
    toks = {k: Counter(text.tokens(v)) for k, v in docs.items()}
    n = len(toks)
    avgdl = sum(sum(c.values()) for c in toks.values()) / n
    df = Counter(t for c in toks.values() for t in c)
    scores = {}
    for k, c in toks.items():
        dl = sum(c.values())
        s = 0.0
        for t in set(text.tokens(query)):
            if t in c:
                s += matching.idf_of(n, df[t]) * c[t] * (matching.K1 + 1) / (
                    c[t] + matching.K1 * (1 - matching.B + matching.B * dl / avgdl))
        if s > 0:
            scores[k] = s
    return sorted(scores, key=lambda k: (-scores[k], k))


@pytest.fixture
def labelled():
    now = timezone.now()
    key_of, postings = {}, []
    for key, occ, title, description in L.POSTINGS:
        o = occupation(occ)
        p = JobPosting.objects.create(kind="regular", title=title, description=description, occupation=o,
                                      unit_name="石狮市某单位", region_id=TOWN, pay_unit="month", pay_min=4000,
                                      pay_max=6000, pay_monthly_min=4000, pay_monthly_max=6000,
                                      status=PostingStatus.PUBLISHED, published_at=now, physical="light")
        postings.append(p)
        key_of[p.pk] = key
    matching.index_postings(JobPosting.objects.select_related("occupation").filter(pk__in=key_of))
    return key_of


def evaluate(key_of):
    docs = {k: f"{title} {description}" for k, _o, title, description in L.POSTINGS}
    judged = {}
    for wkey, pkey, r in L.pairs():
        judged.setdefault(wkey, {})[pkey] = r
    figures = {"matcher": [0.0, 0.0], "bm25": [0.0, 0.0]}
    for wkey, desired, skills, _targets in L.WORKERS:
        w = worker(desired, skills)
        ranked = [key_of[m.posting_id] for m in matching.jobs_for_worker(w, limit=20)]
        base = plain_bm25(f"{desired} {skills}", docs)[:20]
        rel = judged[wkey]
        for name, r in (("matcher", ranked), ("bm25", base)):
            figures[name][0] += ndcg_at(r, rel, 10)
            figures[name][1] += recall_at(r, rel, 20)
    n = len(L.WORKERS)
    return {name: (round(a / n, 3), round(b / n, 3)) for name, (a, b) in figures.items()}


def test_labelled_set_is_big_enough():
    pairs = L.pairs()
    assert len(pairs) >= 300
    assert sum(1 for p in pairs if p[2] == 2) >= len(L.WORKERS)
    assert {"烧焊", "搬砖", "看大门", "开铲车"} <= set(L.SLANG)


def test_matcher_is_not_below_plain_bm25(labelled):
    figures = evaluate(labelled)
    print("labelled set (NDCG@10, recall@20):", figures)
    assert figures["matcher"][0] >= figures["bm25"][0]
    assert figures["matcher"][1] >= figures["bm25"][1]
    assert figures["matcher"][0] >= 0.8


def test_slang_queries_rank_their_occupation_first(labelled):
    key_occ = {k: o for k, o, _t, _d in L.POSTINGS}
    for word, occ in L.SLANG.items():
        w = worker(word)
        top = matching.jobs_for_worker(w, limit=3)[0]
        assert key_occ[labelled[top.posting_id]] == occ, word
        matches, _total = matching.search_postings(word, limit=1)
        assert key_occ[labelled[matches[0].posting_id]] == occ, word
