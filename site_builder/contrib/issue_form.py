"""Read a "Suggest a paper" issue (.github/ISSUE_TEMPLATE/new-paper.yml) as data, and check every answer.

The body is a stranger's text. It is never run, interpolated or trusted: it is split into the
form's fields by their `### Label` headings (how GitHub renders an issue form), and each answer
must have the exact shape its field allows before anything uses it. Every problem is collected
with the body line it is on, so one comment can list them all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from schema import Taxonomy, VocabularyError
from schema.fields import ARXIV_PATTERN

# GitHub's limit for an issue body; a longer text did not come from the form.
MAX_BODY_CHARS = 65_536
# The form's labels -> field names (the paper schema's, as the form's ids are). A test keeps them equal.
FORM_FIELDS = {
    "Title": "title",
    "arXiv id": "arxiv",
    "DOI": "doi",
    "Paper link": "paper",
    "BibTeX": "bibtex",
    "Authors": "authors",
    "Year": "year",
    "Venue": "venue",
    "Modality": "modality",
    "Task": "task",
    "Method family": "method",
    "Dimension": "dimension",
    "Official code": "code",
    "Pretrained weights": "weights",
    "Summary": "summary",
    "Results": "results",
    "Sources": "sources",
    "Checks": "checks",
}
REQUIRED = ("title", "year", "venue", "modality", "task", "method", "sources", "checks")
MULTI_LINE = ("bibtex", "summary", "results", "sources")
VOCABULARIES = ("modality", "task", "method", "dimension")
# The longest answer each field may have (characters); the schema's own limits apply again later.
MAX_CHARS = {"bibtex": 10_000, "summary": 2_000, "results": 10_000, "sources": 4_000}
MAX_SINGLE_LINE = 500
NO_RESPONSE = "_No response_"  # what GitHub writes for an empty answer
HEADING = re.compile(r"^### (.*)$")
# Text that has no place in a paper's facts but is how shell and template injection start; refused in
# every answer except FREE_TEXT ones: BibTeX (parsed as BibTeX, where `` is a quote) and Results (never
# written: a reviewer transcribes them).
INJECTION = ("$(", "${", "`", "{{", "{%")
FREE_TEXT = ("bibtex", "results")
# A DOI in the characters Crossref recommends; others (<, >, quotes, \) are refused, as is '..'.
SAFE_DOI = re.compile(r"10\.\d{4,9}/[-._;()/:A-Za-z0-9]+")
_URL = re.compile(r"https?://[^\s<>\"'`\\]+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+")
_CHECKED = re.compile(r"^- \[[xX]\] ", re.M)


@dataclass(frozen=True)
class FormProblem:
    line: int  # 1-based line of the issue body
    field: str  # the form's label
    message: str

    def __str__(self) -> str:
        return f"issue body:{self.line}: {self.field}: {self.message}"


@dataclass(frozen=True)
class Answer:
    text: str  # without surrounding blank lines; "" for _No response_
    line: int  # where the answer starts (its heading's line when empty)


@dataclass
class ConfirmedFields:
    """The answers in their checked form: ids from the taxonomy, URLs, numbers."""

    title: str
    year: int
    venue: str | None  # a taxonomy id; None when the form names a venue the taxonomy lacks
    venue_text: str
    modality: list[str]
    task: list[str]
    method: list[str]
    dimension: list[str] = field(default_factory=list)
    arxiv: str | None = None
    doi: str | None = None
    paper: str | None = None
    bibtex: str | None = None
    bibtex_line: int = 0
    authors: list[str] = field(default_factory=list)
    code: str | None = None
    weights: str | None = None
    summary: str | None = None
    results: str | None = None
    sources: list[str] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # field name -> the issue body line of its answer


class IssueFormError(Exception):
    def __init__(self, problems: list[FormProblem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def parse_issue_body(body: str) -> dict[str, Answer]:
    """The body's answers by field name; IssueFormError for a body the form could not have written."""
    if len(body) > MAX_BODY_CHARS:
        raise IssueFormError(
            [FormProblem(1, "body", f"{len(body)} characters; an issue holds at most {MAX_BODY_CHARS}")]
        )
    problems = []
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    for number, line in enumerate(text.split("\n"), start=1):
        bad = sorted({f"U+{ord(c):04X}" for c in line if _unwanted(c)})
        if bad:
            problems.append(
                FormProblem(number, "body", f"control or invisible formatting characters ({', '.join(bad)})")
            )
    if problems:
        raise IssueFormError(problems)
    sections: dict[str, tuple[int, list[str]]] = {}
    current: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        heading = HEADING.match(line)
        if heading:
            label = heading.group(1).strip()
            if label not in FORM_FIELDS:
                problems.append(FormProblem(number, label[:60], "not a field of the form; remove this heading"))
                current = None
            elif FORM_FIELDS[label] in sections:
                problems.append(FormProblem(number, label, "this field appears twice; keep one"))
                current = None
            else:
                current = FORM_FIELDS[label]
                sections[current] = (number, [])
        elif current is not None:
            sections[current][1].append(line)
        elif line.strip():
            problems.append(FormProblem(number, "body", "text outside the form's fields; remove it"))
    if problems:
        raise IssueFormError(problems)
    answers = {}
    for name, (heading_line, lines) in sections.items():
        start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
        value = "\n".join(lines).strip()
        answers[name] = Answer("" if value == NO_RESPONSE else value, heading_line + 1 + start)
    return answers


def _unwanted(character: str) -> bool:
    """Control and invisible formatting characters (bidirectional overrides too), and U+FFFD for bytes not UTF-8."""
    return character == "\ufffd" or (unicodedata.category(character) in ("Cc", "Cf") and character != "\t")


def label_of(name: str) -> str:
    return next(label for label, field_name in FORM_FIELDS.items() if field_name == name)


def confirm_fields(answers: dict[str, Answer], taxonomy: Taxonomy) -> ConfirmedFields:
    """Every answer checked and normalised; IssueFormError listing every problem at once."""
    problems: list[FormProblem] = []

    def problem(name: str, message: str, line: int | None = None) -> None:
        answer = answers.get(name)
        problems.append(FormProblem(line or (answer.line if answer else 1), label_of(name), message))

    for name in REQUIRED:
        if not answers.get(name, Answer("", 0)).text:
            problem(name, "required; the form asks for it")
    unusable = set()  # answers refused for their shape; the checks below read them as empty
    for name, answer in answers.items():
        limit = MAX_CHARS.get(name, MAX_SINGLE_LINE)
        marker = next((marker for marker in INJECTION if marker in answer.text), None)
        if len(answer.text) > limit:
            problem(name, f"{len(answer.text)} characters; at most {limit}")
        elif name not in MULTI_LINE and "\n" in answer.text:
            problem(name, "must be one line")
        elif name not in FREE_TEXT and marker:
            problem(name, f"contains {marker!r}, which no paper fact needs")
        else:
            continue
        unusable.add(name)

    def text(name: str) -> str:
        return answers[name].text if name in answers and name not in unusable else ""

    def terms(name: str) -> list[str]:
        found = []
        for item in (part.strip() for part in text(name).split(",")):
            if not item:
                continue
            try:
                found.append(taxonomy.normalise(name, item))  # type: ignore[arg-type]
            except VocabularyError as error:
                problem(name, str(error))
        return list(dict.fromkeys(found))

    def url(name: str) -> str | None:
        value = text(name)
        if value and not valid_url(value):
            problem(name, "give one http(s) address, e.g. https://github.com/owner/repository")
        return value or None

    year = text("year")
    if year and not re.fullmatch(r"(19|20)\d\d", year):
        problem("year", f"{quoted(year)} is not a year such as 2019")
    venue_text = text("venue")
    venue = None
    if venue_text:
        try:
            venue = taxonomy.normalise("venue", venue_text)
        except VocabularyError:
            venue = None  # a record may still name it; add_issue_entry reports it if nothing does
    confirmed = ConfirmedFields(
        title=text("title"),
        year=int(year) if year.isdigit() else 0,
        venue=venue,
        venue_text=venue_text,
        modality=terms("modality"),
        task=terms("task"),
        method=terms("method"),
        dimension=terms("dimension"),
        arxiv=arxiv_id(text("arxiv"), lambda message: problem("arxiv", message)),
        doi=doi(text("doi"), lambda message: problem("doi", message)),
        paper=url("paper"),
        authors=[name.strip() for name in text("authors").split(",") if name.strip()],
        code=url("code"),
        weights=url("weights"),
        summary=text("summary") or None,
        results=text("results") or None,
        sources=source_urls(answers.get("sources") if "sources" not in unusable else None, problem),
        lines={name: answer.line for name, answer in answers.items()},
    )
    if text("bibtex"):
        confirmed.bibtex, confirmed.bibtex_line = unfenced(answers["bibtex"])
    if not (confirmed.arxiv or confirmed.doi or confirmed.paper or confirmed.bibtex) and not unusable:
        problem("title", "give an arXiv id, a DOI, a BibTeX entry or a paper link, so the entry can be checked")
    if text("checks") and not _CHECKED.search(text("checks")):
        problem("checks", "tick the box: every answer must come from the paper or its official pages")
    if problems:
        raise IssueFormError(sorted(problems, key=lambda problem: problem.line))
    return confirmed


def valid_url(value: str) -> bool:
    parts = urlsplit(value)
    return bool(_URL.fullmatch(value)) and parts.scheme in ("http", "https") and bool(parts.hostname)


def quoted(value: str, limit: int = 60) -> str:
    """An answer shown back to its author: one line, cut short, repr-quoted."""
    shown = value if len(value) <= limit else value[:limit] + "…"
    return repr(shown)


def arxiv_id(value: str, report) -> str | None:  # type: ignore[no-untyped-def]
    """'1908.06912', 'arXiv:1908.06912v2' or an arxiv.org/abs URL -> '1908.06912'; anything else is reported."""
    if not value:
        return None
    match = re.fullmatch(r"(?:arxiv:\s*|https?://arxiv\.org/(?:abs|pdf)/)?(\S+?)(?:\.pdf)?/?", value, re.IGNORECASE)
    candidate = match.group(1) if match else ""
    if not re.fullmatch(ARXIV_PATTERN, candidate):
        report(f"{quoted(value)} is not an arXiv id such as 1908.06912")
        return None
    return re.sub(r"v\d+$", "", candidate)


def doi(value: str, report) -> str | None:  # type: ignore[no-untyped-def]
    """'10.1016/j.media.2020.101840', 'doi:…' or a doi.org URL -> the DOI; anything unusual is reported."""
    if not value:
        return None
    candidate = re.sub(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", "", value, flags=re.IGNORECASE)
    if not SAFE_DOI.fullmatch(candidate) or ".." in candidate:
        report(f"{quoted(value)} is not a DOI such as 10.1016/j.media.2020.101840 (letters, digits and -._;()/: only)")
        return None
    return candidate


def source_urls(answer: Answer | None, problem) -> list[str]:  # type: ignore[no-untyped-def]
    """One URL a line (Markdown list markers allowed); any other text is reported with its line."""
    if answer is None or not answer.text:
        return []
    found = []
    for offset, line in enumerate(answer.text.split("\n")):
        item = _LIST_ITEM.sub("", line).strip()
        if not item:
            continue
        if valid_url(item):
            found.append(item)
        else:
            problem("sources", f"{quoted(item)} is not an http(s) address; give one URL a line", answer.line + offset)
    return list(dict.fromkeys(found))


def unfenced(answer: Answer) -> tuple[str, int]:
    """A textarea's text without the ``` fence GitHub adds for `render:` fields, and the line it starts on."""
    lines = answer.text.split("\n")
    if lines and lines[0].startswith("```"):
        closing = len(lines) - 1 if len(lines) > 1 and lines[-1].strip() == "```" else len(lines)
        return "\n".join(lines[1:closing]), answer.line + 1
    return answer.text, answer.line
