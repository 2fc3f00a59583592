"""A corpus of wrong and hostile paper files, each with the exact first problem it must give.

Every case is written as catalog/papers/p.yaml next to a sound paper; the tests check the
message, the exit code and that nothing was written.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.conftest import GOOD_PAPER

P = "catalog/papers/p.yaml"
# A second, distinct paper: the corpus file sits beside GOOD_PAPER, so it must not clash with it.
OTHER = GOOD_PAPER.replace("Models Genesis", "Other Paper").replace('"1908.06912"', '"2004.07882"')
TITLE_LINE = OTHER.splitlines()[0]


@dataclass(frozen=True)
class Hostile:
    name: str
    content: str | bytes
    expected: str  # the exact first problem line


HOSTILE: list[Hostile] = [
    # Not YAML, or YAML we refuse to read.
    Hostile("syntax-error", "title: [unclosed\n", f"{P}:2: invalid YAML: did not find expected ',' or ']'"),
    Hostile(
        "tab-indent",
        "title: x\n\tyear: 2019\n",
        f"{P}:2: invalid YAML: found a tab character that violates indentation",
    ),
    Hostile("empty-file", "", f"{P}:1: the file is empty; see CONTRIBUTING.md for a template"),
    Hostile("only-a-comment", "# nothing here\n", f"{P}:1: the file is empty; see CONTRIBUTING.md for a template"),
    Hostile("list-at-top", "- a\n- b\n", f"{P}:1: expected a mapping of field: value, found a list"),
    Hostile("scalar-at-top", "just text\n", f"{P}:1: expected a mapping of field: value, found a str"),
    Hostile("duplicate-key", "title: a\ntitle: b\n", f"{P}:2: title: duplicated key (first given on line 1)"),
    Hostile(
        "nested-duplicate-key",
        OTHER + "  code: https://example.org/again\n",
        f"{P}:11: links.code: duplicated key (first given on line 10)",
    ),
    Hostile(
        "anchor", "title: &t a\nsummary: *t\n", f"{P}:1: YAML anchors (&) are not allowed; write the value out in full"
    ),
    Hostile(
        "alias-bomb",
        "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n",
        f"{P}:1: YAML anchors (&) are not allowed; write the value out in full",
    ),
    Hostile("merge-key", "<<: {title: x}\n", f"{P}:1: YAML merge keys (<<) are not allowed"),
    Hostile(
        "python-tag",
        "title: !!python/object:os.system x\n",
        f"{P}:1: title: unsupported YAML tag tag:yaml.org,2002:python/object:os.system",
    ),
    Hostile("binary-tag", "title: !!binary aGVsbG8=\n", f"{P}:1: title: unsupported YAML tag tag:yaml.org,2002:binary"),
    Hostile("set-tag", "modality: !!set {CT: null}\n", f"{P}:1: modality: unsupported YAML tag tag:yaml.org,2002:set"),
    Hostile("two-documents", "title: x\n---\ntitle: y\n", f"{P}:2: invalid YAML: but found another document"),
    Hostile(
        "deep-nesting", "a: " + "[" * 40 + "]" * 40 + "\n", f"{P}:1: a{'[0]' * 31}: nested more than 32 levels deep"
    ),
    Hostile("complex-key", "? [a, b]\n: c\n", f"{P}:1: keys must be plain field names"),
    Hostile("number-key", "2019: year\n", f"{P}:1: keys must be plain field names"),
    Hostile(
        "nul-byte", "title: ok\nsummary: a\x00b\n", f"{P}:2: invalid YAML: control character '\\x00' is not allowed"
    ),
    Hostile(
        "non-utf8", b"title: ok\nsummary: caf\xe9\n", f"{P}:2: not valid UTF-8 (byte 0xe9); save the file as UTF-8"
    ),
    Hostile("utf16", "title: x\n".encode("utf-16"), f"{P}:1: not valid UTF-8 (byte 0xff); save the file as UTF-8"),
    Hostile(
        "ten-megabytes",
        OTHER + "summary: " + "x" * 10_000_000 + "\n",
        f"{P}:1: file is {len(OTHER) + 10_000_010:,} bytes; the limit is 262,144 (256 KiB)",
    ),
    # Wrong types: numbers as strings, strings as numbers, lists for scalars and back.
    Hostile(
        "year-as-text",
        OTHER.replace("year: 2019", "year: '2019'"),
        f"{P}:2: year: Input should be a valid integer (got text: '2019')",
    ),
    Hostile(
        "title-as-number",
        OTHER.replace(TITLE_LINE, "title: 1984"),
        f"{P}:1: title: Input should be a valid string (got a number: 1984)",
    ),
    Hostile(
        "year-as-float",
        OTHER.replace("year: 2019", "year: 2019.5"),
        f"{P}:2: year: Input should be a valid integer (got a number: 2019.5)",
    ),
    Hostile("month-13", OTHER + "month: 13\n", f"{P}:11: month: Input should be less than or equal to 12"),
    Hostile("year-too-early", OTHER.replace("year: 2019", "year: 1890"), f"{P}:2: year: 1890 is outside 1990..2027"),
    Hostile(
        "scalar-for-list",
        OTHER.replace("modality: [CT]", "modality: CT"),
        f"{P}:4: modality: Input should be a valid list (got text: 'CT')",
    ),
    Hostile(
        "list-for-scalar",
        OTHER.replace(TITLE_LINE, "title: [a, b]"),
        f"{P}:1: title: Input should be a valid string (got a list: ['a', 'b'])",
    ),
    Hostile(
        "mapping-for-list",
        OTHER.replace("task: [segmentation]", "task: {main: segmentation}"),
        f"{P}:5: task: Input should be a valid list (got a mapping: {{'main': 'segmentation'}})",
    ),
    Hostile(
        "value-as-text",
        OTHER
        + "results:\n  - {dataset: LIDC, task: classification, metric: AUC, value: '0.985', printed: '0.9850', protocol: fine-tune, model: M, where: Table 2}\n",
        f"{P}:12: results[0].value: give the value as a number without quotes (got '0.985'); the exact text goes in printed",
    ),
    Hostile(
        "value-not-printed",
        OTHER
        + "results:\n  - {dataset: LIDC, task: classification, metric: AUC, value: 0.958, printed: '0.9850', protocol: fine-tune, model: M, where: Table 2}\n",
        f"{P}:12: results: value 0.958 is not the printed number '0.9850' (expected 0.985)",
    ),
    Hostile(
        "printed-without-number",
        OTHER
        + "results:\n  - {dataset: LIDC, task: classification, metric: AUC, value: 0.985, printed: 'n/a', protocol: fine-tune, model: M, where: Table 2}\n",
        f"{P}:12: results: printed 'n/a' holds no number",
    ),
    Hostile(
        "unknown-dataset",
        OTHER
        + "results:\n  - {dataset: LIDC-IRDI, task: classification, metric: AUC, value: 0.985, printed: '0.9850', protocol: fine-tune, model: M, where: Table 2}\n",
        f"{P}:12: results[0].dataset: 'LIDC-IRDI' is not a dataset in catalog/datasets.yaml (did you mean 'lidc-idri'?); add it there first",
    ),
    Hostile(
        "unknown-metric",
        OTHER
        + "results:\n  - {dataset: LIDC, task: classification, metric: AUROCC, value: 0.985, printed: '0.9850', protocol: fine-tune, model: M, where: Table 2}\n",
        f"{P}:12: results[0].metric: 'AUROCC' is not a metric (did you mean 'AUC'?)",
    ),
    Hostile(
        "label-fraction-percent",
        OTHER
        + "results:\n  - {dataset: LIDC, task: classification, metric: AUC, value: 0.985, printed: '0.9850', protocol: fine-tune, model: M, where: Table 2, label_fraction: 10}\n",
        f"{P}:12: results[0].label_fraction: 10 is outside 0..1; give a share (0.01 for 1%) or a count like '5 shots'",
    ),
    Hostile(
        "label-fraction-words",
        OTHER
        + "results:\n  - {dataset: LIDC, task: classification, metric: AUC, value: 0.985, printed: '0.9850', protocol: fine-tune, model: M, where: Table 2, label_fraction: some}\n",
        f"{P}:12: results[0].label_fraction: 'some': give a number from 0 to 1 or a count with its unit, e.g. '5 shots', '10 volumes'",
    ),
    Hostile(
        "unknown-protocol",
        OTHER
        + "results:\n  - {dataset: LIDC, task: classification, metric: AUC, value: 0.985, printed: '0.9850', protocol: finetuning, model: M, where: Table 2}\n",
        f"{P}:12: results[0].protocol: Input should be 'fine-tune', 'linear-probe', 'frozen-encoder-decoder', 'knn', 'zero-shot', 'few-shot' or 'from-scratch'",
    ),
    Hostile(
        "benchmark-without-source",
        OTHER
        + "results:\n  - {dataset: LIDC, task: classification, metric: AUC, value: 0.985, printed: '0.9850', protocol: fine-tune, model: M, where: Table 2, tier: benchmark}\n",
        f"{P}:12: results: a benchmark result needs `source`: the table or CSV it was read in",
    ),
    Hostile(
        "unknown-pretraining-dataset",
        OTHER + "pretraining_data: [BTCV, LUNA-17]\n",
        f"{P}:11: pretraining_data: 'LUNA-17' is not a dataset in catalog/datasets.yaml; add it there first",
    ),
    Hostile(
        "weights-without-host",
        OTHER + "weights:\n  - url: https://huggingface.co/x/y\n",
        f"{P}:12: weights[0].host: required field is missing",
    ),
    Hostile(
        "weights-unknown-access",
        OTHER + "weights:\n  - {url: 'https://huggingface.co/x/y', host: huggingface, access: free}\n",
        f"{P}:12: weights[0].access: Input should be 'open', 'registration', 'gated' or 'on-request'",
    ),
    Hostile(
        "weights-under-links",
        OTHER.replace("  code:", "  weights: https://huggingface.co/x/y\n  code:"),
        f"{P}:10: links.weights: unknown field 'weights'; allowed: paper, pdf, code, project",
    ),
    Hostile(
        "checked-in-words",
        OTHER + "checked: last week\n",
        f"{P}:11: checked: give a date as YYYY-MM-DD (got 'last week')",
    ),
    Hostile(
        "multi-line-title",
        OTHER.replace(TITLE_LINE, 'title: "line one\\nline two"'),
        f"{P}:1: title: must be a single line",
    ),
    # Dates: one accepted form (YYYY-MM-DD), three refused.
    Hostile(
        "date-with-time",
        OTHER + "added: 2026-11-21 10:00:00\n",
        f"{P}:11: added: give a date as YYYY-MM-DD, without a time",
    ),
    Hostile(
        "date-day-first", OTHER + "added: 21/11/2026\n", f"{P}:11: added: give a date as YYYY-MM-DD (got '21/11/2026')"
    ),
    Hostile(
        "date-in-words",
        OTHER + "added: Nov 21, 2026\n",
        f"{P}:11: added: give a date as YYYY-MM-DD (got 'Nov 21, 2026')",
    ),
    # Unknown keys at every level.
    Hostile(
        "unknown-top-key",
        OTHER + "colour: red\n",
        f"{P}:11: colour: unknown field 'colour'; allowed: title, authors, year, month, venue, modality, task, method, dimension, pretext, scope, arxiv, doi, links, weights, license, pretraining_data, summary, results, refs, added, checked, retracted, tags, sources",
    ),
    Hostile(
        "misspelt-top-key",
        OTHER + "summery: x\n",
        f"{P}:11: summery: unknown field 'summery' (did you mean 'summary'?)",
    ),
    Hostile(
        "unknown-links-key",
        OTHER.replace("  code:", "  cod:"),
        f"{P}:10: links.cod: unknown field 'cod' (did you mean 'code'?)",
    ),
    Hostile(
        "unknown-result-key",
        OTHER
        + "results:\n  - {dataset: LIDC, task: classification, metric: AUC, value: 0.985, printed: '0.9850', protocol: fine-tune, model: M, where: Table 2, flavour: 2}\n",
        f"{P}:12: results[0].flavour: unknown field 'flavour'; allowed: dataset, split, task, metric, value, printed, spread, scale, label_fraction, protocol, model, backbone, where, tier, source, baseline, stands_for, note",
    ),
    Hostile("id-in-file", OTHER + "id: ../../etc/passwd\n", f"{P}:11: id: remove it: a paper's id is its file name"),
    # Vocabulary values.
    Hostile(
        "modality-typo",
        OTHER.replace("modality: [CT]", "modality:\n  - MRI\n  - CTT"),
        f"{P}:6: modality: 'CTT' is not a modality (did you mean 'CT'?)",
    ),
    Hostile(
        "venue-typo",
        OTHER.replace("venue: MICCAI", "venue: MICAI"),
        f"{P}:3: venue: 'MICAI' is not a venue (did you mean 'MICCAI'?)",
    ),
    Hostile(
        "dimension-unknown",
        OTHER.replace("dimension: [3D]", "dimension: [holographic]"),
        f"{P}:7: dimension: 'holographic' is not a dimension; use one of: 2D, 3D, video",
    ),
    Hostile(
        "repeated-item",
        OTHER.replace("task: [segmentation]", "task: [segmentation, Segmentation]"),
        f"{P}:5: task: 'segmentation' is listed twice",
    ),
    # Links and identifiers.
    Hostile(
        "javascript-url",
        OTHER.replace("https://github.com/MrGiovanni/ModelsGenesis", "javascript:alert(1)"),
        f"{P}:10: links.code: 'javascript:alert(1)' is not an http(s) URL",
    ),
    Hostile(
        "data-url",
        OTHER.replace("https://github.com/MrGiovanni/ModelsGenesis", "data:text/html,<script>alert(1)</script>"),
        f"{P}:10: links.code: 'data:text/html,<script>alert(1)</script>' is not an http(s) URL",
    ),
    Hostile(
        "file-url",
        OTHER.replace("https://github.com/MrGiovanni/ModelsGenesis", "file:///etc/passwd"),
        f"{P}:10: links.code: 'file:///etc/passwd' is not an http(s) URL",
    ),
    Hostile(
        "credentials-in-url",
        OTHER.replace("https://github.com", "https://user:secret@github.com"),
        f"{P}:10: links.code: URLs must not carry credentials (user:password@)",
    ),
    Hostile(
        "url-without-host",
        OTHER.replace("https://github.com/MrGiovanni/ModelsGenesis", "https:///nohost"),
        f"{P}:10: links.code: 'https:///nohost' has no valid host name",
    ),
    Hostile(
        "bad-arxiv",
        OTHER.replace('"2004.07882"', '"2004.7882x"'),
        f"{P}:8: arxiv: String should match pattern '^(\\d{{4}}\\.\\d{{4,5}}|[a-z\\-]+(\\.[A-Z]{{2}})?/\\d{{7}})(v\\d+)?$'",
    ),
    Hostile(
        "doi-with-resolver",
        OTHER + 'doi: "https://doi.org/10.1/x"\n',
        f"{P}:11: doi: String should match pattern '^10\\.\\d{{4,9}}/[^\\s]+$'",
    ),
    Hostile(
        "ref-path-traversal",
        OTHER + "refs: ['../../etc/passwd']\n",
        f"{P}:11: refs: String should match pattern '^[a-z][a-z0-9_]*$'",
    ),
    Hostile(
        "unknown-ref",
        OTHER + "refs: [models_genesys]\n",
        f"{P}:11: refs: no runnable reference 'models_genesys' (did you mean 'models_genesis'?)",
    ),
    Hostile(
        "no-way-to-find-it",
        OTHER.replace('arxiv: "2004.07882"\n', ""),
        f"{P}:1: give at least one of links.paper, arxiv or doi",
    ),
    Hostile("missing-required", OTHER.replace("year: 2019\n", ""), f"{P}:1: year: required field is missing"),
    # The same paper again, under another file name.
    Hostile(
        "same-arxiv",
        GOOD_PAPER.replace("Models Genesis", "Renamed"),
        f"{P}:8: arxiv: same arXiv id as catalog/papers/zhou2019-models-genesis.yaml",
    ),
    Hostile(
        "lookalike-title",
        GOOD_PAPER.replace('"1908.06912"', '"2004.07882"').replace("Models", "Моdels"),
        f"{P}:1: title: same title as catalog/papers/zhou2019-models-genesis.yaml",
    ),
]
