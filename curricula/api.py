"""Public surface of curriculum packages: validate, import, export.

``import_package(path)`` adds only what the database never had (editors' work is kept);
``import_package(path, update=True)`` makes the database match the package, after
``plan_update(path)`` has listed the pages it will change. ``database_is_empty()`` tells whether
the demo may be loaded (``./gongyu setup``)."""

from .exporter import export_package
from .importer import ImportFailed, ImportReport, check_package, database_is_empty, import_package, plan_update

__all__ = ["check_package", "database_is_empty", "import_package", "export_package", "ImportFailed", "ImportReport",
           "plan_update"]
