"""Hostile input: records, file names, trees, styles and output paths built to break chilecite."""
