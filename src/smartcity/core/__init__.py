"""The kernel: settings, database, errors, security, time, identifiers, audit primitives."""
