from django.core.management.base import BaseCommand, CommandError

from curricula.api import ImportFailed, check_package, import_package

OUTCOMES = {"created": "新建", "updated": "更新", "unchanged": "未变"}


class Command(BaseCommand):
    help = "校验并导入一个课程包(YAML + 媒体文件的文件夹);有任何问题则不写入任何内容。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="课程包文件夹")
        parser.add_argument("--check", action="store_true", help="只校验,不导入")

    def handle(self, path, check=False, **options):
        if check:
            _, problems = check_package(path)
            if problems:
                self.report_problems(problems)
            self.stdout.write(self.style.SUCCESS("课程包校验通过。"))
            return
        try:
            report = import_package(path)
        except ImportFailed as failure:
            self.report_problems(failure.problems)
        for kind, outcomes in report.summary().items():
            parts = ",".join(f"{OUTCOMES.get(o, o)} {n}" for o, n in sorted(outcomes.items()))
            self.stdout.write(f"{kind}:{parts}")
        verdict = "导入完成。" if report.changed else "导入完成:内容与数据库一致,没有任何改动。"
        self.stdout.write(self.style.SUCCESS(verdict))

    def report_problems(self, problems):
        for problem in problems:
            self.stderr.write(str(problem))
        raise CommandError(f"课程包有 {len(problems)} 处问题,未导入任何内容。")
