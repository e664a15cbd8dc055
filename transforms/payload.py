"""Lists of records packed into bytes before a shuffle that only routes them.

Runners decode grouped values to group them: FnApiRunner's grouping buffer
holds every value of a GroupByKey as Python objects until the group is read.
Packed into one bytes value per list, a shuffle of article text costs the
runner its encoded size only, and one pickle call per list instead of one
per record; the step after the shuffle unpacks what it reads.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any


def pack(records: Sequence[Any]) -> bytes:
    return pickle.dumps(list(records), protocol=pickle.HIGHEST_PROTOCOL)


def unpack(packed: bytes) -> list[Any]:
    records: list[Any] = pickle.loads(packed)
    return records
