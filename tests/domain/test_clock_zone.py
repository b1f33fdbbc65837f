"""The operator is told when a server's local time is not Beijing time (review.clock.zone_warning)."""
from __future__ import annotations

from datetime import timedelta

from review.clock import zone_warning


def test_beijing_time_says_nothing_and_any_other_zone_is_named():
    assert zone_warning(timedelta(hours=8)) is None
    assert "UTC+0" in zone_warning(timedelta(0)) and "不是北京时间" in zone_warning(timedelta(0))
    assert "UTC-5" in zone_warning(timedelta(hours=-5))
    assert "UTC+5:30" in zone_warning(timedelta(hours=5, minutes=30))
    assert "UTC+9" in zone_warning(timedelta(hours=9))
    assert "未知" in zone_warning(None)
