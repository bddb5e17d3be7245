"""Tamper-evident audit log: every change of state, hash-chained with SM3 (Art. 62, 68)."""
