"""DoFns pickle after setup() and within a bundle: Beam's DaskRunner pickles the
steps before a side input again from inside a worker's task."""

from __future__ import annotations

import pickle
from pathlib import Path

from newsdedup.schemas.records import RecordBatch
from newsdedup.transforms.analyze import ShingleArticleFn
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.runtime.spill import SpillBatchesFn


def test_a_spilling_dofn_pickles_within_a_bundle(tmp_path: Path) -> None:
    fn = SpillBatchesFn(str(tmp_path / "spill"))
    fn.setup()
    fn.start_bundle()
    list(fn.process(RecordBatch([1, 2])))
    copy = pickle.loads(pickle.dumps(fn))
    assert copy._writer is None  # an open file stays out
    assert fn._writer is not None  # and the original keeps writing
    fn.finish_bundle()


def test_the_shingling_dofn_pickles_after_setup() -> None:
    fn = ShingleArticleFn(DedupConfig())
    fn.setup()
    copy = pickle.loads(pickle.dumps(fn))
    assert copy._analyzer is None  # its language profiles (langdetect-rs) stay out
    assert fn._analyzer is not None
