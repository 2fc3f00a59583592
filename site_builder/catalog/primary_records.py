"""Which of a paper's sources are primary records: what CONTRIBUTING.md says an entry is verified against.

A primary record is the paper's own record: its publisher or preprint server, an index of record
that holds the publisher's metadata, the conference's own site, the author's institutional
repository, or the official repository or model card of the paper. Everything else (awesome
lists, paper digests, aggregators, seed lists) is a lead. Hosts are matched on the host name and
its parents, so `ar5iv.labs.arxiv.org` counts as `arxiv.org`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from schema import Paper

PUBLISHERS_AND_PREPRINT_SERVERS = frozenset(
    {
        "arxiv.org",
        "ar5iv.org",
        "biorxiv.org",
        "medrxiv.org",
        "researchsquare.com",
        "doi.org",
        "springer.com",
        "springermedizin.de",
        "springermedicine.com",
        "nature.com",
        "biomedcentral.com",
        "sciencedirect.com",
        "cell.com",
        "thelancet.com",
        "ieeexplore.ieee.org",
        "openreview.net",
        "proceedings.mlr.press",
        "thecvf.com",
        "ecva.net",
        "neurips.cc",
        "nips.cc",
        "aaai.org",
        "ijcai.org",
        "dl.acm.org",
        "aclanthology.org",
        "mdpi.com",
        "frontiersin.org",
        "plos.org",
        "wiley.com",
        "tandfonline.com",
        "science.org",
        "pnas.org",
        "academic.oup.com",
        "jamanetwork.com",
        "rsna.org",
        "nejm.org",
        "iop.org",
        "spiedigitallibrary.org",
        "melba-journal.org",
        "jmlr.org",
        "bmva.org",
        "scitepress.org",
        "scitepress.net",
    }
)
# Bibliographic indexes that carry the publisher's (or arXiv's) own metadata.
INDEXES_OF_RECORD = frozenset(
    {
        "openalex.org",
        "crossref.org",
        "ouci.dntb.gov.ua",
        "pubmed.ncbi.nlm.nih.gov",
        "pubmed.gov",
        "ncbi.nlm.nih.gov",
        "europepmc.org",
        "dblp.org",
        "doaj.org",
        "unpaywall.org",
        "ui.adsabs.harvard.edu",
        "scholar.archive.org",
        "mlanthology.org",
    }
)
CONFERENCE_SITES = frozenset({"miccai.org", "midl.io", "ipmi2021.org", "chilconference.org", "iclr.cc", "icml.cc"})
# Institutional repositories: the authors' universities' records of the paper.
_INSTITUTIONAL = re.compile(
    r"(^|\.)(pure|kclpure|researchportal|research-collection|repository|scholarsphere|spiral|epub|iris"
    r"|boris|mediatum|ora|oar|ruc|digitalcommons|portfolio|researchconnect|scholarworks|experts|portal\.fis)\."
    r"|(^|\.)(elsevierpure\.com|pure\.elsevier\.com)$"
    # A university's research portal: research.<university>, scholar.<university>, inrepo02.dkfz.de.
    r"|^(research|research-staging|scholar|inrepo\d*)\.([\w-]+\.)*(ac\.[a-z]{2}|edu(\.[a-z]{2})?|dkfz\.de)$"
)
_RECORD_HOSTS = PUBLISHERS_AND_PREPRINT_SERVERS | INDEXES_OF_RECORD | CONFERENCE_SITES
# PMLR publishes its proceedings from these repositories: the publisher's own metadata and PDFs.
PUBLISHER_REPOSITORY_OWNERS = frozenset({"mlresearch"})

_GITHUB_REPO = re.compile(r"^https?://(?:www\.)?github\.com/([^/#?]+/[^/#?]+)", re.IGNORECASE)
_REPOSITORY_FILE = re.compile(r"^([\w.\-]+)/([\w.\-]+)(?:@[0-9a-f]+)?:", re.IGNORECASE)


def _host_matches(host: str, names: frozenset[str]) -> bool:
    labels = host.split(".")
    return any(".".join(labels[i:]) in names for i in range(len(labels) - 1))


def _official_repository(paper: Paper) -> str | None:
    match = _GITHUB_REPO.match(str(paper.links.code or ""))
    return match.group(1).removesuffix(".git").lower() if match else None


def is_primary_record(source: str, paper: Paper) -> bool:
    """True when `source` is one of the records the rules accept for verifying `paper`."""
    official = _official_repository(paper)
    repository_file = _REPOSITORY_FILE.match(source)
    if repository_file:
        owner, name = repository_file.group(1).lower(), repository_file.group(2).lower()
        return owner in PUBLISHER_REPOSITORY_OWNERS or f"{owner}/{name}" == official
    if not source.startswith(("http://", "https://")):
        return False  # seed lists
    github = _GITHUB_REPO.match(source)
    if github:
        return github.group(1).removesuffix(".git").lower() == official
    host = (urlsplit(source).hostname or "").lower().rstrip(".")
    own_pages = [str(weights.url) for weights in paper.weights or () if weights.host == "huggingface"]
    own_pages += [str(paper.links.project)] if paper.links.project else []  # the model card, the project page
    if any(_is_page_or_below(source, page) for page in own_pages):
        return True
    return _host_matches(host, _RECORD_HOSTS) or _INSTITUTIONAL.search(host) is not None


def _is_page_or_below(source: str, page: str) -> bool:
    page = page.rstrip("/")
    return source.rstrip("/") == page or source.startswith(page + "/")


def primary_records(paper: Paper) -> list[str]:
    """The paper's sources that are primary records, in the order the file lists them."""
    return [source for source in paper.sources or () if is_primary_record(source, paper)]
