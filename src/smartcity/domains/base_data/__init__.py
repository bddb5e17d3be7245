"""The base databases (基础数据库, Art. 23–24): population, legal entities, spatial
geography, macro-economy and social credit.

Each base-database resource of the catalog becomes a real table built from its
information items. Departments load files into it (validated against the
national standards, atomically, with history); each field has one source
department (一数一源) and each stored value carries the load that wrote it;
quality reports show completeness, validity, duplicates and freshness.
"""
