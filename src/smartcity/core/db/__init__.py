"""Database kernel: declarative base, portable types, engine and sessions."""
