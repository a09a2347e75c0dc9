"""The comparison source beside a fact in a policy trace (the worker page's policies panel):

    {% load benefit_sources %}
    {% condition_sources worker e.policy c.label as lines %}{% for line in lines %}…{% endfor %}

gives the source lines (`comparison.source_line`) of the facts the condition reads that another
department's data states. One query per subject and page (kept in the render context).
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def condition_sources(context, subject, policy, label: str) -> list[str]:
    from anju.benefits.comparison import source_line, sources_for

    if subject is None or policy is None or not getattr(subject, "pk", None):
        return []
    condition = next((c for c in (*policy.conditions, *policy.exclusions) if label in (c.label.zh, c.label.en)), None)
    if condition is None:
        return []
    key = ("benefit_sources", policy.subject, subject.pk)
    cache = context.render_context
    if key not in cache:
        cache[key] = sources_for(policy.subject, subject.pk)
    rows = cache[key]
    return [source_line(policy.subject, rows[name]) for name in sorted(condition.expression.facts()) if name in rows]
