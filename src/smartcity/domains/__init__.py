"""One package per capability of the platform (see DESIGN.md)."""
