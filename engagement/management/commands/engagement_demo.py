"""manage.py engagement_demo: a synthetic week of participation so the dashboard is not empty.

Safe to run again (it does nothing once demo events exist). Schools get a number of families and
classes if they have none; this week's lecture is scheduled for every 学段 that has none.
"""

import datetime
import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from engagement import kinds
from engagement.models import RawEvent, WeeklyLecture
from engagement.periods import monday
from engagement.rollup import run_rollup

DEMO_PREFIX = "demo"


class Command(BaseCommand):
    help = "生成一周的示例家长参与数据(已有示例数据时不做任何事)。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=48)

    def handle(self, *args, **options):
        if RawEvent.objects.filter(key__startswith=DEMO_PREFIX).exists():
            self.stdout.write("示例参与数据已存在。")
            return
        count = make_demo_week(random.Random(options["seed"]))
        run_rollup(now=timezone.now() + datetime.timedelta(minutes=1))
        self.stdout.write(f"已生成示例参与数据 {count} 条并完成汇总。")


@transaction.atomic
def make_demo_week(rng):
    from cms.catalogue.models import LessonPage, MicroLessonPage
    from cms.studios.public import visible_to_public
    from cms.taxonomy.models import Stage
    from cms.topics.models import School

    today = timezone.localdate()
    week = monday(today)
    lessons = list(visible_to_public(LessonPage.objects.all()).order_by("pk"))
    micro = list(visible_to_public(MicroLessonPage.objects.all()).order_by("pk"))
    for i, stage in enumerate(Stage.objects.all()):
        for offset in range(3):
            pool = lessons if (i + offset) % 2 == 0 else micro or lessons
            if pool and not WeeklyLecture.objects.filter(week=week + datetime.timedelta(weeks=offset), stage=stage).exists():
                WeeklyLecture.objects.create(week=week + datetime.timedelta(weeks=offset), stage=stage,
                                             page=pool[(i * 3 + offset) % len(pool)], note="请各位家长本周内抽空收看。")
    pages = [p.pk for p in lessons + micro]
    rows = []
    for school in School.objects.all():
        if not school.families:
            school.families = rng.randrange(200, 800)
            school.class_count = school.class_count or rng.randrange(6, 25)
            school.save(update_fields=["families", "class_count"])
        for _family in range(int(school.families * rng.uniform(0.3, 0.8))):
            device = f"{rng.getrandbits(128):032x}"
            klass = rng.randrange(1, school.class_count + 1)
            for page in rng.sample(pages, k=min(len(pages), rng.choice((1, 1, 2, 3)))):
                day = week + datetime.timedelta(days=rng.randrange(0, max(today.weekday(), 0) + 1))
                funnel = [kinds.VIEW]
                if rng.random() < 0.85:
                    funnel.append(kinds.PLAY)
                    if rng.random() < 0.8:
                        funnel.append(kinds.WATCH50)
                        if rng.random() < 0.75:
                            funnel.append(kinds.WATCH90)
                            if rng.random() < 0.6:
                                funnel.append(kinds.CHECKIN)
                            if rng.random() < 0.5:
                                funnel.append(kinds.RATING)
                for kind in funnel:
                    value = rng.choices((1, 2, 3), (85, 12, 3))[0] if kind == kinds.RATING else None
                    rows.append(RawEvent(key=f"{DEMO_PREFIX}:{device}:{page}:{kind}", device=device, school_id=school.pk,
                                         klass=klass, page_id=page, kind=kind, value=value, day=day))
    RawEvent.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
