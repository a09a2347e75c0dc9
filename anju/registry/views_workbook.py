"""Workbook import and export views. (Being written: see registry/workbook.py.)"""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


worker_export = import_template = import_start = import_detail = import_progress = import_confirm = import_error_report = _todo
