"""Link checking: every URL of the catalog, its report, and the recorded link status."""
