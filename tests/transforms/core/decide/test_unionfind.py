"""Tests for core.decide.unionfind."""

from __future__ import annotations

import random

from newsdedup.transforms.core.decide.unionfind import UnionFind


def normalized(groups: list[list[int]]) -> list[list[int]]:
    return sorted(sorted(group) for group in groups)


def test_initial_items_are_singletons() -> None:
    sets = UnionFind([3, 1, 2])
    assert normalized(sets.groups()) == [[1], [2], [3]]
    assert sets.find(1) == 1


def test_union_groups_items() -> None:
    sets = UnionFind(range(6))
    sets.union(0, 1)
    sets.union(2, 3)
    sets.union(1, 3)
    assert normalized(sets.groups()) == [[0, 1, 2, 3], [4], [5]]
    assert sets.find(0) == sets.find(3)
    assert sets.find(4) != sets.find(0)


def test_union_returns_the_common_root() -> None:
    sets = UnionFind(range(4))
    root = sets.union(0, 1)
    assert root in (0, 1)
    assert sets.find(0) == sets.find(1) == root
    assert sets.union(2, 0) == sets.find(2) == root  # the larger set's root wins


def test_unions_are_idempotent() -> None:
    sets = UnionFind(range(4))
    first = sets.union(0, 1)
    assert sets.union(0, 1) == first
    assert sets.union(1, 0) == first
    assert sets.union(1, 1) == sets.find(1)
    assert normalized(sets.groups()) == [[0, 1], [2], [3]]


def test_find_adds_a_new_item_as_singleton() -> None:
    sets: UnionFind[str] = UnionFind()
    assert sets.find("x") == "x"
    assert sets.groups() == [["x"]]


def test_union_of_new_items_adds_them() -> None:
    sets: UnionFind[str] = UnionFind(["a"])
    sets.union("b", "c")
    assert sorted(sorted(g) for g in sets.groups()) == [["a"], ["b", "c"]]


def test_add_is_idempotent_and_keeps_membership() -> None:
    sets = UnionFind([1, 2])
    sets.union(1, 2)
    sets.add(2)
    sets.add(1)
    assert normalized(sets.groups()) == [[1, 2]]


def test_long_chain_matches_naive_components() -> None:
    rng = random.Random(7)
    items = list(range(300))
    edges = [(rng.randrange(300), rng.randrange(300)) for _ in range(200)]
    sets = UnionFind(items)
    for left, right in edges:
        sets.union(left, right)
    # Naive components by repeated relabelling.
    label = {i: i for i in items}
    changed = True
    while changed:
        changed = False
        for left, right in edges:
            low = min(label[left], label[right])
            if label[left] != low or label[right] != low:
                label[left] = label[right] = low
                changed = True
    expected: dict[int, list[int]] = {}
    for item in items:
        expected.setdefault(label[item], []).append(item)
    assert normalized(sets.groups()) == normalized(list(expected.values()))
    for left, right in edges:
        assert sets.find(left) == sets.find(right)
