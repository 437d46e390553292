from django.core.management.base import BaseCommand

from cms.studios.api import ensure_roles


class Command(BaseCommand):
    help = "为编辑、每个名师工作室和每所学校建立用户组、文件夹、权限和审核流程(可重复运行)。"

    def handle(self, **options):
        studios, schools = ensure_roles()
        self.stdout.write(f"角色已就绪:{len(studios)} 个工作室,{len(schools)} 所学校,以及「编辑」。")
