"""`clock.bulletin_today`: Beijing's day, whatever the machine's clock zone; pinned by SOURCE_DATE_EPOCH."""
from __future__ import annotations

import datetime as dt
import os
import time

import pytest

from guanxin_site import clock

# 2026-12-05 16:00 UTC is 2026-12-06 00:00 in Beijing; one second earlier it is still the 5th there.
MIDNIGHT_IN_BEIJING = 1796486400


@pytest.fixture
def machine_zone(monkeypatch):
    """Sets the process's local time zone (TZ + tzset) and restores it afterwards."""
    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()
    yield set_zone
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Asia/Shanghai"])
@pytest.mark.parametrize(("instant", "day"), [(MIDNIGHT_IN_BEIJING - 1, dt.date(2026, 12, 5)),
                                              (MIDNIGHT_IN_BEIJING, dt.date(2026, 12, 6))])
def test_today_is_beijings_day_in_every_machine_zone(monkeypatch, machine_zone, zone, instant, day):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setattr(clock.time, "time", lambda: float(instant))
    machine_zone(zone)
    assert clock.bulletin_today() == day


def test_source_date_epoch_pins_the_day(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MIDNIGHT_IN_BEIJING))
    monkeypatch.setattr(clock.time, "time", lambda: 0.0)  # the clock is not read
    assert clock.bulletin_today() == dt.date(2026, 12, 6)


@pytest.mark.parametrize("value", ["", "soon", "-5", "1.5"])
def test_a_malformed_source_date_epoch_falls_back_to_the_clock(monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    monkeypatch.setattr(clock.time, "time", lambda: float(MIDNIGHT_IN_BEIJING))
    assert clock.bulletin_today() == dt.date(2026, 12, 6)


def test_the_suite_runs_on_a_pinned_day():
    """conftest pins the clock for every test, so no test depends on when or where it runs."""
    assert os.environ["SOURCE_DATE_EPOCH"] == "1796491800"
    assert clock.bulletin_today() == dt.date(2026, 12, 6)
