"""Registry: the organizations of the city (and, later, their information systems)."""
