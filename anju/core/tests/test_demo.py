from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from anju.accounts.models import User
from anju.employment.models import Employer, EmployerYear
from anju.lib.identifiers import is_valid_id_number
from anju.registry.models import Household, Worker


def test_seed_demo_is_idempotent_and_realistic(db):
    call_command("seed-demo", "--workers", "60")
    counts = (Worker.objects.count(), Household.objects.count(), Employer.objects.count(), User.objects.count())
    call_command("seed-demo", "--workers", "60")
    assert (Worker.objects.count(), Household.objects.count(), Employer.objects.count(), User.objects.count()) == counts
    assert counts[0] == 60
    workers = list(Worker.objects.all())
    assert all(is_valid_id_number(w.id_number) for w in workers)
    assert all(w.birth_date.strftime("%Y%m%d") == w.id_number[6:14] for w in workers)
    assert {w.residence_region_id[:6] for w in workers} == {"350581", "141127"}
    assert any(w.difficulty_mask for w in workers) and any(w.household_id for w in workers)
    assert EmployerYear.objects.exists()
    for username in ("admin", "quanzhou-hrss", "shishi-hrss", "shishi-town", "shishi-civil", "shishi-union",
                     "shishi-finance", "shishi-inspector", "lanxian-hrss", "auditor", "shishi-employer",
                     "shishi-contractor"):
        user = authenticate(RequestFactory().post("/"), username=username, password="anju-demo")
        assert user is not None, username
    assert User.objects.get(username="shishi-town").jurisdiction == "350581001"
    call_command("seed-demo", "--workers", "90")
    assert Worker.objects.count() == 90


def test_demo_organisation_accounts_see_their_own_organisation_only(db):
    from anju.core.demo import seed_reference_users
    from anju.employment.permissions import EmployerPolicy
    from anju.registry.selectors import workers_for_user

    call_command("seed-demo", "--workers", "30")
    for username in ("shishi-employer", "shishi-contractor"):
        user = User.objects.get(username=username)
        user.full_clean()  # a valid credit code, required for the role
        own = Employer.objects.get(uscc=user.organisation_uscc)
        assert own.region_id.startswith(user.jurisdiction)
        assert list(EmployerPolicy.scope(user, Employer.objects.all())) == [own]
        assert not workers_for_user(user).exists()
    assert seed_reference_users() == 0


def test_demo_visits_come_after_registration_and_demo_values_are_marked(db):
    from django.db.models import F

    from anju.params.models import DEMO_SOURCE, ParameterValue
    from anju.registry.choices import TimelineKind
    from anju.registry.models import TimelineEvent, VerificationVisit

    call_command("seed-demo", "--workers", "120")
    visits = list(VerificationVisit.objects.select_related("worker"))
    assert visits  # the demo has house-to-house visits...
    for visit in visits:  # ...none before the person was in the ledger
        assert visit.visited_on >= visit.worker.created_at.date(), visit.pk
        registered = TimelineEvent.objects.get(worker=visit.worker, kind=TimelineKind.REGISTERED)
        assert registered.at.date() <= visit.visited_on, visit.pk
    assert not VerificationVisit.objects.filter(visited_on__lt=F("worker__created_at__date")).exists()
    demo = ParameterValue.objects.filter(source__startswith=DEMO_SOURCE)
    assert demo.filter(parameter__name="min_living_standard_monthly", region_prefix="3505").exists()
    assert all(v.is_demo for v in demo)
    # A second load changes nothing, and never overwrites a value that is there.
    before = set(demo.values_list("pk", "value"))
    call_command("seed-demo", "--workers", "120")
    assert set(ParameterValue.objects.filter(source__startswith=DEMO_SOURCE).values_list("pk", "value")) == before
