"""Public surface of curriculum packages: validate, import, export."""

from .exporter import export_package
from .importer import ImportFailed, ImportReport, check_package, import_package

__all__ = ["check_package", "import_package", "export_package", "ImportFailed", "ImportReport"]
