"""The vocabulary of participation: event kinds the parent site sends, what rollups count, and
their Chinese labels (one place; the ingest, the rollup, the reports and the dashboard use it)."""

# Event kinds the browser may send (wire name -> stored code).
VIEW, PLAY, WATCH50, WATCH90, CHECKIN, RATING, SURVEY = 1, 2, 3, 4, 5, 6, 7
KINDS = {"view": VIEW, "play": PLAY, "watch50": WATCH50, "watch90": WATCH90,
         "checkin": CHECKIN, "rating": RATING, "survey": SURVEY}
KIND_NAMES = {code: name for name, code in KINDS.items()}

# Ratings: 这节课对您有帮助吗? 有帮助 / 一般 / 没帮助.
RATINGS = {"good": 1, "ok": 2, "bad": 3}
RATING_LABELS = {1: "有帮助", 2: "一般", 3: "没帮助"}

# What a rollup row counts ("measure"): an event kind, a rating kind split by answer, or ANY (reach).
ANY = 0
RATE_GOOD, RATE_OK, RATE_BAD = 61, 62, 63
MEASURE_LABELS = {
    ANY: "触达家庭", VIEW: "打开页面", PLAY: "开始观看", WATCH50: "看完一半", WATCH90: "看完 90%",
    CHECKIN: "作业打卡", RATING: "评价", SURVEY: "问卷", RATE_GOOD: "有帮助", RATE_OK: "一般", RATE_BAD: "没帮助",
}


def measure_of(kind, value):
    """The rollup measure of one raw event (ratings are counted per answer)."""
    if kind == RATING and value in RATING_LABELS:
        return 60 + value
    return kind
