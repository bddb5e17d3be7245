"""The government information resource catalog (政务信息资源目录, Art. 24, 25, 27, 31).

Departments describe the data they hold — classification, information items
with their grades, share and open attributes grounded in registered legal
bases — the coordinator reviews each version, and published entries are what
every department and the public services of the platform search and build on.
"""
