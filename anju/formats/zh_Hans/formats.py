"""Input formats for Simplified Chinese with ISO first. Django's zh_Hans formats put `%Y/%m/%d`
first, which a form then writes into `<input type="date">`; browsers take only `YYYY-MM-DD`
there, so a pre-filled date box showed empty and a save without retyping it lost the date.
Parsing still accepts the slash form. Display formats stay Django's."""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M:%S.%f",
]
