"""Reading and validating the catalog: the YAML reader, the loader, problems, paths and atomic writes.

Everything else in site_builder builds on this package; it imports none of them.
"""
