"""Pure renderers: a Catalog in, text out. They read no files but their templates."""
