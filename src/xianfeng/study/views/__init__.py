"""The study pages, by concern."""
