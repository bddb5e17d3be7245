"""Open data portal (公共信息资源开放, Art. 29–31).

A published catalog entry whose open attribute is 开放 or 有条件开放 becomes an
**open dataset** (CKAN's "package") with one or more **resources**. A resource's
rows live in a physical table of their own (``od_<hex>``) built from its field
list, so ``datastore_search`` pages, filters and sorts in SQL and downloads
stream without holding the table in memory. Datasets are found by the same
Chinese tokenizer as the catalog (CJK bigrams + jieba), so 公交 finds
城市公交线路数据, which stock CKAN cannot.

Public surface for other code (the CKAN-compatible Action API, DCAT and the
portal pages): ``service`` (search, show, lists, datastore query, row streaming,
usage), ``schemas``, ``errors``, ``enums``, ``permissions``.
"""
