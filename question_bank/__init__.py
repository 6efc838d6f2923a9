"""PK Arena question bank: models, import, selection and item statistics (never imports pkarena)."""
