"""Append-only guards (see audit.db_guards) and the sequencer's head row."""

from django.db import migrations

from audit import db_guards


def install(apps, schema_editor):
    for sql in db_guards.install(schema_editor.connection):
        schema_editor.execute(sql, params=None)
    apps.get_model("audit", "Head").objects.using(schema_editor.connection.alias).get_or_create(pk=1)


def uninstall(apps, schema_editor):
    for sql in db_guards.uninstall(schema_editor.connection):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
