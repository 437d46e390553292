"""The page tree's root is called 全部站点 in the admin, not Wagtail's English "Root"."""

from django.db import migrations


def rename_root(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Page.objects.filter(depth=1, title="Root").update(title="全部站点", draft_title="全部站点")


def restore_root(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Page.objects.filter(depth=1, title="全部站点").update(title="Root", draft_title="Root")


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0004_alter_lessonpage_body"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(rename_root, restore_root)]
