"""All system tables of the platform, registered on ``kernel.db.system_metadata``."""

from guanxi.kernel.db import system_metadata
from guanxi.platform.access import tables as access_tables
from guanxi.platform.files import tables as files_tables
from guanxi.platform.metadata import tables as metadata_tables
from guanxi.platform.process import tables as process_tables
from guanxi.platform.records import tables as records_tables
from guanxi.platform.search import tables as search_tables

__all__ = [
    "access_tables",
    "files_tables",
    "metadata_tables",
    "process_tables",
    "records_tables",
    "search_tables",
    "system_metadata",
]
