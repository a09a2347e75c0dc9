"""Job matching (both ways) over the inverted indexes PostingTerm and SeekerTerm.

(Index maintenance only so far; the ranking lives here too.)"""

from __future__ import annotations

from collections.abc import Iterable

from anju.employment.models import JobPosting, PostingTerm
from anju.employment.text import term_counts


def posting_text(posting: JobPosting) -> str:
    """What a posting is searched by: its title, occupation and everyday names, the work."""
    occupation = posting.occupation
    return " ".join([posting.title, occupation.name, " ".join(occupation.alias_list), posting.description,
                     posting.requirements, posting.certificate])


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
        rows += [PostingTerm(posting_id=p.pk, term=t, tf=min(n, 32767), dl=dl) for t, n in counts.items()]
    PostingTerm.objects.bulk_create(rows, batch_size=2000)
    for pk, dl in lengths.items():
        JobPosting.objects.filter(pk=pk).update(doc_len=dl)


def unindex_postings(ids: Iterable[int]) -> None:
    PostingTerm.objects.filter(posting_id__in=list(ids)).delete()
