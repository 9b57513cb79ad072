"""Data files the demo alliance is built from (see SOURCES.md)."""
