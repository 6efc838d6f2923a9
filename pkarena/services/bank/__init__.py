"""The question bank as PK Arena uses it: admin pages, imports, item statistics."""
