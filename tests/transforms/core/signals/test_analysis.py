"""Tests for core.signals.analysis: signing a shingled article without its
site's boilerplate."""

from __future__ import annotations

import numpy as np

from newsdedup.schemas.records import InputArticle
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.signals.analysis import ArticleAnalyzer, content_shingle_hashes
from newsdedup.transforms.core.signals.fingerprints import passage_fingerprints, without_boilerplate
from newsdedup.transforms.core.signals.signatures import signature_to_bytes

CONFIG = DedupConfig()
CONTENT = (
    "The city council approved the new budget on Tuesday after a long debate about "
    "schools, roads and the harbour. Opposition members said the plan spends too "
    "little on housing, while the mayor called it the most balanced budget in years."
)
FOOTER = (
    "Subscribe to our newsletter for the latest news from the region, delivered to "
    "your inbox every morning. Follow us on social media and share your stories."
)


def test_signing_removes_boilerplate_from_the_shingles_it_carries() -> None:
    analyzer = ArticleAnalyzer(CONFIG)
    shingled = analyzer.shingle(InputArticle("a1", f"{CONTENT}\n\n{FOOTER}"))
    hashes = content_shingle_hashes(f"{CONTENT}\n\n{FOOTER}", shingled.language, CONFIG)
    assert np.frombuffer(shingled.shingle_hashes, dtype="<u8").tolist() == hashes.tolist()
    footer_hashes = content_shingle_hashes(FOOTER, shingled.language, CONFIG)
    boilerplate = passage_fingerprints(footer_hashes, CONFIG.anchor_window)

    sketch = analyzer.sign(shingled, boilerplate).sketch

    # What shingling the text again and removing the boilerplate windows gives.
    content, fingerprints = without_boilerplate(hashes, CONFIG.anchor_window, boilerplate)
    assert len(content) < len(hashes)
    assert sketch.signature == signature_to_bytes(analyzer.signatures.signature(content))
    assert sketch.signature != shingled.raw_signature
    assert np.frombuffer(sketch.fingerprints, dtype="<u8").tolist() == fingerprints.tolist()


def test_a_page_without_boilerplate_keeps_its_whole_text_signature() -> None:
    analyzer = ArticleAnalyzer(CONFIG)
    shingled = analyzer.shingle(InputArticle("a1", CONTENT))
    unrelated = passage_fingerprints(
        content_shingle_hashes(FOOTER, shingled.language, CONFIG), CONFIG.anchor_window
    )
    sketch = analyzer.sign(shingled, unrelated).sketch
    assert sketch.signature == shingled.raw_signature
    assert sketch.fingerprints == shingled.raw_fingerprints
