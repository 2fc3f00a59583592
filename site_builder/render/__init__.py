"""Renderers: a validated Catalog in, text out (README, site pages, exports, feed). They read no files."""
