"""Days, ISO weeks and terms (学期) as the reports name them."""

import datetime
import re

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


class BadPeriod(ValueError):
    """``str()`` is the Chinese message."""


def monday(day):
    return day - datetime.timedelta(days=day.weekday())


def parse_week(text):
    match = WEEK_RE.match(text or "")
    if not match:
        raise BadPeriod(f"周次「{text}」的格式应为 2026-W48。")
    try:
        return datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise BadPeriod(f"没有周次「{text}」。") from None


def week_label(start):
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


def term_start(day):
    """Spring terms start on 1 February, autumn terms on 1 August."""
    if day.month >= 8:
        return datetime.date(day.year, 8, 1)
    if day.month >= 2:
        return datetime.date(day.year, 2, 1)
    return datetime.date(day.year - 1, 8, 1)


def term_end(start):
    """The last day of the term starting on ``start``."""
    following = datetime.date(start.year, 8, 1) if start.month == 2 else datetime.date(start.year + 1, 2, 1)
    return following - datetime.timedelta(days=1)


def term_label(start):
    return f"{start.year}年春季学期" if start.month == 2 else f"{start.year}–{start.year + 1}学年秋季学期"


def span(period, start):
    """(first day, last day) of a period."""
    if period == "D":
        return start, start
    if period == "W":
        return start, start + datetime.timedelta(days=6)
    return start, term_end(start)
