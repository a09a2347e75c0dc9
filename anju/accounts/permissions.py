"""Permission policies: one per model, named actions, scoped by role, region and owner.

    ledger = WorkerPolicy                        # anju/registry/permissions.py
    ledger.can(user, "view")                     # may the role do it at all?
    ledger.can_on(user, "change", worker)        # ... to this record, in the user's scope?
    ledger.scope(user, Worker.objects.all())     # ... the records of a list, filtered alike

Two scopes apply to a record. The jurisdiction scope: the record's region lies under the user's
division-code prefix. The owner scope, for employer and contractor users only: the record belongs
to the user's organisation (its unified social credit code). A model whose policy names no owner
is closed to owner-scoped users — a worker's personal record is not an employer's business.

Each app keeps its models' policies in its own `permissions.py`, on the base here. Views and the
API ask these, never `is_staff` or the role directly.
"""

from __future__ import annotations

from typing import ClassVar

from django.db.models import Q, QuerySet

from anju.accounts.models import OWNER_SCOPED_ROLES, Role
from anju.regions.codes import clean_prefix, in_prefix, prefix_q

# Every staff role (government departments). The owner-scoped roles get rights only where a
# policy names them explicitly.
STAFF = frozenset(Role.values) - OWNER_SCOPED_ROLES
# Kept for policies written before owner-scoped roles existed: "everyone" meant every staff role.
ALL = STAFF


def is_owner_scoped(user) -> bool:
    """Employer and contractor users: they see only their own organisation's records."""
    return getattr(user, "role", None) in OWNER_SCOPED_ROLES


def narrower_scope(jurisdiction: str, within: str) -> str | None:
    """The narrower of two division prefixes; None when they do not overlap or `within` is not a
    prefix's shape (2, 4, 6, 9 or 12 digits). A 12-digit code counts as the division it names."""
    within = clean_prefix(within)
    if within is None:
        return None
    if not within:
        return jurisdiction
    if jurisdiction.startswith(within):
        return jurisdiction
    return within if within.startswith(jurisdiction) else None


def areas_overlap_q(field: str, area: str) -> Q:
    """Records whose division prefix in `field` and `area` overlap: inside the area (a county
    officer sees the towns' rounds) or containing it (a town officer sees the county's fund).
    An empty area is everywhere."""
    if not area:
        return Q()
    return Q(**{f"{field}__startswith": area}) | Q(**{f"{field}__in": [area[:n] for n in range(len(area))]})


class Policy:
    """Base of every model's policy.

    Subclasses set `model_label`, `actions` ({action: roles}), implement `region_of` and, when
    the model has an owning organisation, `owner_of`. For the queryset side they name the lookup
    of the region code (`region_field`, a 12-digit code column) and of the owner's credit code
    (`owner_field`); `scope` filters by them exactly as `can_on` decides for one record.
    """

    model_label: ClassVar[str]
    actions: ClassVar[dict[str, frozenset[str]]]
    region_field: ClassVar[str | None] = None
    owner_field: ClassVar[str | None] = None

    @classmethod
    def can(cls, user, action: str) -> bool:
        if action not in cls.actions:
            raise KeyError(f"{cls.model_label}.{action} is not a known action")
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        return user.role in cls.actions[action]

    @classmethod
    def region_of(cls, obj) -> str | None:
        raise NotImplementedError

    @classmethod
    def owner_of(cls, obj) -> str | None:
        """The unified social credit code of the organisation owning `obj`; None when the
        model has no owner (then owner-scoped users have no access to it at all)."""
        return None

    @classmethod
    def can_on(cls, user, action: str, obj) -> bool:
        if not cls.can(user, action) or not in_prefix(cls.region_of(obj), user.jurisdiction):
            return False
        if is_owner_scoped(user):
            owner = cls.owner_of(obj)
            return bool(owner) and bool(user.organisation_uscc) and owner == user.organisation_uscc
        return True

    @classmethod
    def visible_prefix(cls, user, action: str = "view", *, within: str = "") -> str | None:
        """The division prefix whose records `user` may `action`, narrowed by `within` (a region
        filter); None when nothing is visible: no right, a filter outside the jurisdiction or a
        malformed one, or an owner-scoped user on a model without an owner. '' means everywhere."""
        if not cls.can(user, action):
            return None
        if is_owner_scoped(user) and (cls.owner_field is None or not user.organisation_uscc):
            return None
        return narrower_scope(user.jurisdiction, within)

    @classmethod
    def scope(cls, user, qs: QuerySet, action: str = "view", *, within: str = "") -> QuerySet:
        """`qs` filtered to the records `user` may `action`: the queryset twin of `can_on`."""
        if cls.region_field is None:
            raise NotImplementedError(f"{cls.__name__} names no region_field")
        prefix = cls.visible_prefix(user, action, within=within)
        if prefix is None:
            return qs.none()
        qs = qs.filter(prefix_q(cls.region_field, prefix))
        if is_owner_scoped(user):
            qs = qs.filter(**{cls.owner_field: user.organisation_uscc})
        return qs

    @classmethod
    def allowed_actions(cls, user) -> set[str]:
        return {a for a in cls.actions if cls.can(user, a)}


class UserPolicy(Policy):
    model_label = "user"
    # "unlock": list current login lockouts and lift them (/accounts/lockouts/).
    actions = {"manage": frozenset({Role.ADMIN}), "unlock": frozenset({Role.ADMIN})}
    region_field = "jurisdiction"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.jurisdiction or None
