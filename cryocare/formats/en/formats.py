"""Dates and times for English pages: one format shown and entered (ISO date, 24-hour clock).

The short formats are what pages show; the first input format is what the date and time fields
(patients.widgets) show and what their hint spells out, so a page and its fields always agree.
"""

SHORT_DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
FIRST_DAY_OF_WEEK = 1

DATE_INPUT_FORMATS = ["%Y-%m-%d"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"]
