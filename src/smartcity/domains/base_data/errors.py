"""Errors of the base databases."""

from __future__ import annotations

from smartcity.core.errors import ConflictError, InvalidInputError, NotFoundError


class TableNotFoundError(NotFoundError):
    code = "base_data.table-not-found"
    title = "基础数据表不存在"


class RecordNotFoundError(NotFoundError):
    code = "base_data.record-not-found"
    title = "记录不存在"


class LoadNotFoundError(NotFoundError):
    code = "base_data.load-not-found"
    title = "装载记录不存在"


class FieldNotFoundError(NotFoundError):
    code = "base_data.field-not-found"
    title = "字段不存在"


class NotBaseResourceError(ConflictError):
    """Only published entries of a base database (Art. 23) become base-database tables."""

    code = "base_data.not-base-resource"
    title = "该目录条目不是已发布的基础数据库资源"


class TableRetiredError(ConflictError):
    code = "base_data.table-retired"
    title = "该基础数据表对应的目录条目已撤销，不能再装载数据"


class LoadInProgressError(ConflictError):
    code = "base_data.load-in-progress"
    title = "该表正在装载数据，请稍后再试"


class LoadFileError(InvalidInputError):
    """The file cannot be loaded at all: wrong columns, unreadable, wrong encoding."""

    code = "base_data.load-file-invalid"
    title = "装载文件不符合要求"


class NoKeyError(ConflictError):
    code = "base_data.no-key"
    title = "基础数据表没有主键字段"


class InvalidKeyError(InvalidInputError):
    code = "base_data.invalid-key"
    title = "主键格式不正确"


class KeyChangeError(ConflictError):
    """The key decides which record a row of a file is: it is fixed once records exist."""

    code = "base_data.key-change"
    title = "表中已有记录，不能再更改主键"
