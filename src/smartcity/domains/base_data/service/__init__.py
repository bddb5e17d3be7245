"""Use cases of the base databases: tables from the catalog, loads, lookups with
provenance, history and quality reports.

Other domains import this package (``from smartcity.domains.base_data import
service as base_data_service``); its modules are split by concern.
"""

from smartcity.domains.base_data.service import loads
from smartcity.domains.base_data.service.changes import ChangedRecord, changed_records
from smartcity.domains.base_data.service.load_plan import (
    BATCH_ROWS,
    LoadProgress,
    ProgressCallback,
)
from smartcity.domains.base_data.service.loads import (
    LoadRejectedError,
    apply_load,
    get_load,
    list_loads,
    mark_interrupted,
    record_outcome,
    start_load,
)
from smartcity.domains.base_data.service.records import (
    HistoryView,
    RecordReader,
    RecordView,
    SourcedValue,
)
from smartcity.domains.base_data.service.reports import (
    error_report_xlsx,
    error_summary,
    load_errors,
)
from smartcity.domains.base_data.service.tables import (
    build_table,
    data_table,
    get_table,
    list_tables,
    set_field,
    sync_tables,
    table_for_entry,
    table_stamp_query,
)

__all__ = [
    "BATCH_ROWS",
    "ChangedRecord",
    "HistoryView",
    "LoadProgress",
    "LoadRejectedError",
    "ProgressCallback",
    "RecordReader",
    "RecordView",
    "SourcedValue",
    "apply_load",
    "build_table",
    "changed_records",
    "data_table",
    "error_report_xlsx",
    "error_summary",
    "get_load",
    "get_table",
    "list_loads",
    "list_tables",
    "load_errors",
    "loads",
    "mark_interrupted",
    "record_outcome",
    "set_field",
    "start_load",
    "sync_tables",
    "table_for_entry",
    "table_stamp_query",
]
