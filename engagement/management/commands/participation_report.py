"""manage.py participation_report --week 2026-W48 [--term] [--school S001] --format csv|xlsx --out FILE"""

from django.core.management.base import BaseCommand, CommandError

from engagement import reports
from engagement.periods import BadPeriod, parse_week, term_start


class Command(BaseCommand):
    help = "写出一周(或整个学期)的家长参与情况报表(CSV 或 XLSX),数据来自汇总表。"

    def add_arguments(self, parser):
        parser.add_argument("--week", required=True, help="周次,例如 2026-W48")
        parser.add_argument("--term", action="store_true", help="这一周所在的整个学期")
        parser.add_argument("--school", action="append", default=[], help="学校编码(可重复),默认全部学校")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
        parser.add_argument("--out", required=True, help="输出文件")

    def handle(self, *args, **options):
        from cms.topics.models import School

        try:
            start = parse_week(options["week"])
        except BadPeriod as error:
            raise CommandError(str(error)) from None
        period = "T" if options["term"] else "W"
        if period == "T":
            start = term_start(start)
        schools = None
        if options["school"]:
            schools = list(School.objects.filter(code__in=options["school"]))
            missing = sorted(set(options["school"]) - {s.code for s in schools})
            if missing:
                raise CommandError(f"没有这些学校编码:{'、'.join(missing)}。")
        report = reports.participation(period, start, schools)
        with open(options["out"], "wb") as out:
            (reports.write_csv if options["format"] == "csv" else reports.write_xlsx)(report, out)
        total = report["total"]
        self.stdout.write(f"{report['title']}:{len(report['rows'])} 所学校,触达家庭 {total['reached']},"
                          f"参与率 {total['rate']},已写入 {options['out']}")
