"""Use cases of the resource catalog: drafting, review and publication, versions,
grades, search, workbook import and export.

Other domains import this package (``from smartcity.domains.catalog import
service as catalog_service``); its modules are split by concern.
"""

from smartcity.domains.catalog.service.entries import (
    CONTENT_FIELDS,
    create_draft,
    create_version,
    find_entry_by_code,
    find_published_entry,
    get_entries,
    get_entries_with_items,
    get_entry,
    list_stale_entries,
    open_version,
    published_base_entries,
    published_entries_identifying,
    published_items,
    sees_unpublished,
    update_draft,
    visible_entries,
)
from smartcity.domains.catalog.service.grading import (
    DEFAULT_GRADES,
    create_grade,
    delete_grade,
    ensure_default_grades,
    get_grade,
    list_grades,
    masking_stamp_query,
    update_grade,
)
from smartcity.domains.catalog.service.review import (
    approve_entry,
    publish_many,
    return_entry,
    submit_entry,
    withdraw_entry,
)
from smartcity.domains.catalog.service.rules import (
    content_violations,
    draft_problems,
    ensure_valid,
    entry_grade_code,
)
from smartcity.domains.catalog.service.search import (
    SearchResult,
    index_entries,
    matching_entry_ids,
    rebuild_search_index,
    search_entries,
)
from smartcity.domains.catalog.service.transfer import (
    EXPORT_CAP,
    export_workbook,
    import_workbook,
    live_content,
)
from smartcity.domains.catalog.service.versions import (
    diff_versions,
    get_version,
    list_all_versions,
    list_versions,
)

__all__ = [
    "CONTENT_FIELDS",
    "DEFAULT_GRADES",
    "EXPORT_CAP",
    "SearchResult",
    "approve_entry",
    "content_violations",
    "create_draft",
    "create_grade",
    "create_version",
    "delete_grade",
    "diff_versions",
    "draft_problems",
    "ensure_default_grades",
    "ensure_valid",
    "entry_grade_code",
    "export_workbook",
    "find_entry_by_code",
    "find_published_entry",
    "get_entries",
    "get_entries_with_items",
    "get_entry",
    "get_grade",
    "get_version",
    "import_workbook",
    "index_entries",
    "list_all_versions",
    "list_grades",
    "list_stale_entries",
    "list_versions",
    "live_content",
    "masking_stamp_query",
    "matching_entry_ids",
    "open_version",
    "publish_many",
    "published_base_entries",
    "published_entries_identifying",
    "published_items",
    "rebuild_search_index",
    "return_entry",
    "search_entries",
    "sees_unpublished",
    "submit_entry",
    "update_draft",
    "update_grade",
    "visible_entries",
    "withdraw_entry",
]
