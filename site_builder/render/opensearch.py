"""opensearch.xml: an OpenSearch description, so a browser can search the catalog from its address bar.

Every page links to it (docs/overrides/main.html); the search opens Browse with the words as its
free-text filter, which browse.js reads from `?q=`.
"""

from __future__ import annotations

from site_builder.render.html import html_environment

OPENSEARCH_PATH = "opensearch.xml"
SHORT_NAME = "MedSSL catalog"  # OpenSearch allows 16 characters at most


def render_opensearch_description(site_url: str) -> str:
    """OpenSearch 1.1; `site_url` is the site's absolute address (a browser needs absolute templates)."""
    base = site_url if site_url.endswith("/") else site_url + "/"
    template = html_environment().get_template("site_opensearch.xml.j2")
    return template.render(short_name=SHORT_NAME, base=base, self_url=base + OPENSEARCH_PATH)
