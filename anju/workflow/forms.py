from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from anju.workflow.models import DayKind

_TEXT = {"class": "form-control"}


class PauseForm(forms.Form):
    reason = forms.CharField(label=_("暂停原因"), max_length=200, strip=True, widget=forms.TextInput(attrs=_TEXT),
                             help_text=_("例如：等待申请人补充材料。暂停期间不计入办理时限。"))


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs=_TEXT | {"type": "date"}))
    kind = forms.ChoiceField(label=_("类别"), choices=DayKind.choices, widget=forms.Select(attrs={"class": "form-select"}))
    name = forms.CharField(label=_("节日名称"), max_length=40, widget=forms.TextInput(attrs=_TEXT))

    def clean_date(self):
        value = self.cleaned_data["date"]
        if not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
            raise forms.ValidationError(_("日期须在 2000 年至 2100 年之间。"))
        return value

    def clean(self):
        data = super().clean()
        day, kind = data.get("date"), data.get("kind")
        if day and kind == DayKind.MAKEUP and day.weekday() < 5:
            self.add_error("kind", _("调休上班日应是周六或周日；周一至周五本来就是工作日。"))
        return data


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs=_TEXT))
    source = forms.CharField(label=_("依据"), max_length=300, widget=forms.TextInput(attrs=_TEXT),
                             help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕×号）"))


TABULAR_SUFFIXES = (".xlsx", ".csv")


def checked_upload(upload):
    """A workbook or CSV upload for the tabular import, refused in words when it is of another
    kind, empty, over ANJU_MAX_UPLOAD_BYTES, not a real .xlsx, or a sheet over the limits (a
    "bomb" with one cell at XFD1048576 is refused here, in a second, before a worker loads it)."""
    from pathlib import Path

    from django.conf import settings
    from django.utils.translation import gettext

    from anju.lib.sheets import Limits, SheetError, check_xlsx

    limit = settings.ANJU_MAX_UPLOAD_BYTES
    if Path(upload.name).suffix.lower() not in TABULAR_SUFFIXES:
        raise forms.ValidationError(gettext("只能导入 .xlsx（Excel 2007 及以上）或 .csv 文件；.xls 等旧格式请先在 Excel 中另存为 .xlsx。"))
    if upload.size == 0:
        raise forms.ValidationError(gettext("文件是空的。"))
    if upload.size > limit:
        raise forms.ValidationError(gettext("文件太大（%(size)s MB），上限为 %(limit)s MB；请分成几个文件导入。")
                                    % {"size": round(upload.size / 2**20, 1), "limit": limit // 2**20})
    if upload.name.lower().endswith(".xlsx"):
        head = upload.read(4)
        upload.seek(0)
        if head != b"PK\x03\x04":
            raise forms.ValidationError(gettext("该文件不是有效的 .xlsx 文件（可能是改了扩展名的其他格式）。"))
        try:
            check_xlsx(upload.file, Limits.from_settings())
        except SheetError as exc:
            raise forms.ValidationError(str(exc)) from None
        finally:
            upload.seek(0)
    return upload
