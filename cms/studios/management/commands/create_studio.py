from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cms.studios.api import StudioExists, create_studio


class Command(BaseCommand):
    help = "创建一个名师工作室:页面、用户组、媒体文件夹和审核流程一步完成。"

    def add_arguments(self, parser):
        parser.add_argument("name", help="工作室名称,例如「刘敏亲子沟通工作室」")
        parser.add_argument("--slug", help="网址名(小写英文字母、数字和连字符)")
        parser.add_argument("--introduction", default="", help="工作室简介")
        parser.add_argument("--member", action="append", default=[], help="加入工作室的用户名(可重复)")

    def handle(self, name, slug, introduction, member, **options):
        users = []
        for username in member:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"没有用户「{username}」:请先在后台“用户”里添加。")
            users.append(user)
        try:
            role = create_studio(name, slug=slug, introduction=introduction, members=users)
        except StudioExists as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"已创建工作室「{role.studio.title}」:页面 {role.studio.url_path},"
            f"用户组「{role.group.name}」,媒体文件夹「{role.collection.name}」。"
        )
