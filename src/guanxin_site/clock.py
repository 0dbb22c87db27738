"""The one place that reads the clock: "today" where the bulletin is published.

Everything date-dependent (future-date warnings, `new`'s default date) asks `bulletin_today()`,
so the day is Beijing's whatever the machine's time zone, and a fixed day can be pinned for
reproducible builds and tests with SOURCE_DATE_EPOCH (the reproducible-builds convention:
seconds since 1970-01-01 UTC).
"""
from __future__ import annotations

import datetime as dt
import os
import time

BULLETIN_TIMEZONE = dt.timezone(dt.timedelta(hours=8))  # 北京时间: an issue dated today is not "in the future"


def now_utc() -> dt.datetime:
    """The current instant; SOURCE_DATE_EPOCH, when set to a whole number, stands in for the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    seconds = int(epoch) if epoch.isdigit() else time.time()
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)


def bulletin_today() -> dt.date:
    """Today in Beijing (CI runs in UTC, editors' machines in any zone)."""
    return now_utc().astimezone(BULLETIN_TIMEZONE).date()
