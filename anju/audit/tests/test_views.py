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
