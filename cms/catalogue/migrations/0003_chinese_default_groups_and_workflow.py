"""Wagtail creates its default groups and review workflow with English names; editors here read
Chinese, so rename them (only if they still carry Wagtail's defaults)."""

from django.db import migrations

RENAMES = {
    "auth.Group": {"Editors": "编辑", "Moderators": "审核员"},
    "wagtailcore.Task": {"Moderators approval": "审核员审批"},
    "wagtailcore.Workflow": {"Moderators approval": "审核员审批"},
}


def rename(forwards):
    def run(apps, schema_editor):
        for model_name, names in RENAMES.items():
            model = apps.get_model(model_name)
            for old, new in names.items():
                source, target = (old, new) if forwards else (new, old)
                model.objects.filter(name=source).update(name=target)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0002_initial"),
        ("wagtailcore", "0048_add_default_workflows"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(rename(True), rename(False))]
