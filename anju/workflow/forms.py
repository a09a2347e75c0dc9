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
