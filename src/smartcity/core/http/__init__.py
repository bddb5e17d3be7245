"""HTTP kernel: sessions per request, problems, templates, middleware."""
