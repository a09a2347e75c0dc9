"""Scanned documents kept with an application: PDF, JPEG or PNG (checked by their first bytes,
not their name), at most ANJU_ATTACHMENT_MAX_BYTES each and ANJU_ATTACHMENTS_PER_APPLICATION per
application. Stored under MEDIA_ROOT with a random name; served only through the application's
page to those who may see it (each download is audited)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_noop as N_

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.benefits.models import Application, Attachment, AttachmentKind
from anju.benefits.services import BenefitError

SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def max_bytes() -> int:
    return int(getattr(settings, "ANJU_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


def max_count() -> int:
    return int(getattr(settings, "ANJU_ATTACHMENTS_PER_APPLICATION", 10))


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


@transaction.atomic
def attachment_add(*, actor, application: Application, kind: str, upload) -> Attachment:
    """Keep one uploaded file with an application, or refuse it with the reason."""
    if kind not in AttachmentKind.values:
        raise BenefitError(N_("请选择材料类型。"), field="kind")
    if not application.is_open:
        raise BenefitError(N_("该申请已办结，不能再上传材料。"), status=409)
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise BenefitError(N_("文件是空的。"), field="file")
    if size > max_bytes():
        raise BenefitError(N_("文件不能超过 %(mb)s MB。"), field="file", params={"mb": max_bytes() // (1024 * 1024)})
    if application.attachments.count() >= max_count():
        raise BenefitError(N_("每份申请最多上传 %(n)s 个文件。"), field="file", params={"n": max_count()})
    data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise BenefitError(N_("文件不能超过 %(mb)s MB。"), field="file", params={"mb": max_bytes() // (1024 * 1024)})
    found = sniff(data[:16])
    if found is None:
        raise BenefitError(N_("只能上传 PDF、JPG 或 PNG 文件。"), field="file")
    content_type, ext = found
    name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:200]
    attachment = Attachment(application=application, kind=kind, original_name=name,
                            stored_name=f"{secrets.token_hex(16)}.{ext}", content_type=content_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(),
                            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
    attachment.file.save(attachment.stored_name, ContentFile(data), save=False)
    attachment.save()
    audit_record(actor=actor, action=Action.CREATE, obj=attachment, region_code=application.region_code,
                 detail={"application": application.pk, "kind": kind, "size": len(data), "type": content_type})
    return attachment
