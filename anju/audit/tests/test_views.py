from __future__ import annotations

from django.urls import reverse

from anju.audit.models import AuditEvent
from anju.audit.services import audit_record


def test_only_auditors_and_admins_see_the_log(client, personas):
    audit_record(actor=personas.town, action="update", object_type="worker", object_id="1", region_code="350581001000",
                 changes={"name": ("甲", "乙")})
    audit_record(actor=personas.lanxian, action="create", object_type="worker", object_id="2", region_code="141127100000")
    for user in (personas.town, personas.county, personas.union):
        client.force_login(user)
        assert client.get(reverse("audit:event_list")).status_code == 403
    client.force_login(personas.auditor)
    response = client.get(reverse("audit:event_list"), {"object_type": "worker"})
    assert response.status_code == 200 and response.context["table"].paginator.count == 2
    logins = client.get(reverse("audit:event_list"), {"action": "login"}).context["table"].paginator.count
    assert logins == 4  # force_login is a login too
    response = client.get(reverse("audit:event_list"), {"actor": "t-town", "action": "update"})
    assert response.context["table"].paginator.count == 1
    assert client.get(reverse("audit:event_list"), {"region": "141127"}).context["table"].paginator.count == 1
    assert client.get(reverse("audit:event_list"), {"since": "not-a-date"}).status_code == 200
    assert AuditEvent.objects.filter(object_type="worker").count() == 2  # viewing writes nothing


def test_a_malformed_region_filter_is_an_error_not_a_500(client, personas):
    """Issue 9: `?region=²` passed str.isdigit() and then int() raised; "٣٥" filtered as 35."""
    audit_record(actor=personas.town, action="update", object_type="worker", object_id="1", region_code="350581001000")
    client.force_login(personas.auditor)
    for bad in ("²", "350581²", "٣٥٠٥٨١", "3505810", "35x"):
        response = client.get(reverse("audit:event_list"), {"region": bad})
        assert response.status_code == 200, bad
        assert response.context["filter"].errors["region"] == ["请填写 2、4、6、9 或 12 位区划代码前缀。"]
        assert response.context["table"].paginator.count == 0  # not every event, as if filtered
    # A 12-digit code names its division, as in the ledger's filters.
    assert client.get(reverse("audit:event_list"), {"region": "350581000000"}).context["table"].paginator.count == 1
