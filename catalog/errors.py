"""The catalog's errors: one small tree, translated into `RowError`s at the intake boundary."""

from __future__ import annotations


class CatalogError(Exception):
    """Base of every error the catalog package raises on purpose."""

    code = "catalog_error"


class UnknownUnitError(CatalogError, ValueError):
    """A unit name nobody defined in `catalog.units`."""

    code = "unknown_unit"

    def __init__(self, unit: str):
        self.unit = unit
        super().__init__(f"unknown unit {unit!r}")


class IncompatibleUnitsError(CatalogError, ValueError):
    """Two known units that cannot be converted into each other (lb and gal, box and case)."""

    code = "incompatible_units"

    def __init__(self, from_unit: str, to_unit: str, from_family: str, to_family: str):
        self.from_unit, self.to_unit = from_unit, to_unit
        super().__init__(
            f"{from_unit!r} ({from_family}) cannot be converted to {to_unit!r} ({to_family})"
        )


class FileRejectedError(CatalogError):
    """An upload refused before or while reading it: the whole file, not a row, is wrong."""

    code = "file_rejected"


class UnsafeFileError(FileRejectedError):
    """Too big, a zip bomb, XML entity tricks: refused before any parsing."""

    code = "unsafe_file"


class UnsupportedFileError(FileRejectedError):
    """Not a CSV or XLSX by content (an .xls, a PDF, a picture renamed .xlsx...)."""

    code = "unsupported_file"


class UnreadableFileError(FileRejectedError):
    """Of the right type but damaged or empty, so it cannot be read."""

    code = "unreadable_file"
