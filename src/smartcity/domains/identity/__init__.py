"""Identity: users, roles and permissions, API clients, web login (Art. 62, 68)."""
