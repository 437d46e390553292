import sys

from django.core.management.base import BaseCommand, CommandError

from curricula.api import ImportFailed, check_package, database_is_empty, import_package, plan_update

OUTCOMES = {"created": "新建", "updated": "更新", "unchanged": "未变", "kept": "保留编辑的版本",
            "deleted": "已被删除,未恢复"}


class Command(BaseCommand):
    help = ("校验并导入一个课程包(YAML + 媒体文件的文件夹);有任何问题则不写入任何内容。"
            "默认只添加数据库里从未有过的内容,编辑改过、下线或删除的都保留原样;--update 才按课程包覆盖。")

    def add_arguments(self, parser):
        parser.add_argument("path", help="课程包文件夹")
        parser.add_argument("--check", action="store_true", help="只校验,不导入")
        parser.add_argument("--update", action="store_true",
                            help="按课程包更新已有内容(覆盖编辑的修改,恢复删除或下线的页面);先列出会改动的每个页面并确认")
        parser.add_argument("--yes", action="store_true", help="与 --update 同用:不再询问,直接更新")
        parser.add_argument("--only-into-empty", action="store_true",
                            help="只在数据库还没有任何课程内容时导入(./gongyu setup 导入演示课程包用)")

    def handle(self, path, check=False, update=False, yes=False, only_into_empty=False, **options):
        if check:
            _, problems = check_package(path)
            if problems:
                self.report_problems(problems)
            self.stdout.write(self.style.SUCCESS("课程包校验通过。"))
            return
        if only_into_empty and not database_is_empty():
            self.stdout.write("数据库里已经有课程内容:不再导入课程包,编辑所做的修改全部保留。")
            return
        if update and not self.confirm_update(path, yes):
            raise CommandError("已取消,没有改动任何内容。")
        try:
            report = import_package(path, update=update)
        except ImportFailed as failure:
            self.report_problems(failure.problems)
        for kind, outcomes in report.summary().items():
            parts = ",".join(f"{OUTCOMES.get(o, o)} {n}" for o, n in sorted(outcomes.items()))
            self.stdout.write(f"{kind}:{parts}")
        kept = sum(n for (_, outcome), n in report.counts.items() if outcome in ("kept", "deleted"))
        if kept:
            self.stdout.write(f"有 {kept} 项在数据库中已被编辑修改、下线或删除,按编辑的版本保留;"
                              "要按课程包覆盖,请用 --update。")
        verdict = "导入完成。" if report.changed else "导入完成:没有任何改动。"
        self.stdout.write(self.style.SUCCESS(verdict))

    def confirm_update(self, path, yes):
        try:
            plan = plan_update(path)
        except ImportFailed as failure:
            self.report_problems(failure.problems)
        changes = [p for p in plan.pages if p[1] in ("created", "updated")]
        if not changes:
            self.stdout.write("课程包与数据库中的页面一致,没有页面需要更新。")
            return True
        self.stdout.write(f"--update 将改动以下 {len(changes)} 个页面:")
        for kind, outcome, title, url_path in changes:
            self.stdout.write(f"  {OUTCOMES[outcome]} {kind}:{title}({url_path})")
        if yes:
            return True
        if not sys.stdin or not sys.stdin.isatty():
            raise CommandError("要更新这些页面,请加 --yes 再运行(或在终端中运行以确认)。")
        answer = input("确定要按课程包更新这些页面吗?输入 yes 确认:").strip().lower()
        return answer in ("yes", "y", "是")

    def report_problems(self, problems):
        for problem in problems:
            self.stderr.write(str(problem))
        raise CommandError(f"课程包有 {len(problems)} 处问题,未导入任何内容。")
