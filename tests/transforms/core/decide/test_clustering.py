"""Tests for core.decide.clustering: near-duplicate groups, stories, links and ids."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import replace

import pytest

from newsdedup.transforms.core.decide.clustering import (
    Clustering,
    ClusterNode,
    canonical_order,
    cluster,
    merge_stories,
    stable_id,
)

HOUR = 3600.0
DENSITY = 0.6


def node(
    key: int,
    published: float | None = None,
    length: int = 100,
    content: str | None = None,
    article_id: str | None = None,
) -> ClusterNode:
    return ClusterNode(
        article_key=key,
        article_id=article_id if article_id is not None else f"a{key:03d}",
        published_ts=published,
        text_length=length,
        content_hash=content if content is not None else f"hash-{key}",
    )


def groups_of(result: Clustering) -> list[list[int]]:
    by_group: dict[str, list[int]] = {}
    for key, assignment in result.assignments.items():
        by_group.setdefault(assignment.dup_group_id, []).append(key)
    return sorted(sorted(keys) for keys in by_group.values())


def stories_of(result: Clustering) -> list[list[int]]:
    by_story: dict[str, list[int]] = {}
    for key, assignment in result.assignments.items():
        by_story.setdefault(assignment.story_id, []).append(key)
    return sorted(sorted(keys) for keys in by_story.values())


def story_sets_at(
    units: list[int], links: dict[tuple[int, int], float], density: float
) -> list[list[int]]:
    return sorted(sorted(group) for group in merge_stories(units, links, density)[0].groups())


def story_sets(units: list[int], links: dict[tuple[int, int], float]) -> list[list[int]]:
    return story_sets_at(units, links, DENSITY)


# --- near-duplicate groups -----------------------------------------------------------------------


def test_exact_content_duplicates_are_grouped_without_links() -> None:
    nodes = [node(1, content="same"), node(2, content="same"), node(3, content="other")]
    result = cluster(nodes, [], [], DENSITY)
    assert groups_of(result) == [[1, 2], [3]]
    assert result.dup_group_count == 2
    assert result.story_count == 2


def test_dup_links_group_articles_transitively() -> None:
    nodes = [node(k) for k in range(1, 6)]
    result = cluster(nodes, [(1, 2), (3, 2), (4, 4)], [], DENSITY)
    assert groups_of(result) == [[1, 2, 3], [4], [5]]
    assert result.dup_group_count == 3
    assert stories_of(result) == [[1, 2, 3], [4], [5]]


def test_links_to_unknown_articles_are_ignored() -> None:
    nodes = [node(1), node(2)]
    result = cluster(nodes, [(1, 99), (99, 2)], [(1, 98, 1.0), (98, 2, 1.0)], DENSITY)
    assert groups_of(result) == [[1], [2]]
    assert stories_of(result) == [[1], [2]]
    assert set(result.assignments) == {1, 2}


def test_group_and_story_ids_derive_from_smallest_article_id() -> None:
    nodes = [node(1, article_id="zeta"), node(2, article_id="alpha"), node(3, article_id="mid")]
    result = cluster(nodes, [(1, 2)], [(2, 3, 0.5)], DENSITY)
    assert result.assignments[1].dup_group_id == stable_id("dg", "alpha")
    assert result.assignments[2].dup_group_id == stable_id("dg", "alpha")
    assert result.assignments[3].dup_group_id == stable_id("dg", "mid")
    assert {a.story_id for a in result.assignments.values()} == {stable_id("st", "alpha")}
    assert result.story_count == 1
    assert result.dup_group_count == 2


def test_stable_id_format() -> None:
    ident = stable_id("dg", "a001")
    assert ident.startswith("dg_")
    assert len(ident) == 3 + 16
    int(ident[3:], 16)
    assert stable_id("dg", "a001") == ident
    assert stable_id("dg", "a002") != ident
    assert stable_id("st", "a001")[3:] == ident[3:]


def test_assignment_fields() -> None:
    nodes = [node(1, published=10.0, article_id="x"), node(2, published=20.0, article_id="y")]
    result = cluster(nodes, [(1, 2)], [], DENSITY)
    first, second = result.assignments[1], result.assignments[2]
    assert (first.article_id, second.article_id) == ("x", "y")
    assert first.is_canonical is True
    assert second.is_canonical is False
    assert first.exact_duplicate_of is None
    assert second.exact_duplicate_of is None


def build_random_case(
    rng: random.Random,
) -> tuple[list[ClusterNode], list[tuple[int, int]], list[tuple[int, int, float]]]:
    nodes = [
        node(
            key,
            published=rng.choice([None, float(rng.randrange(0, 5)) * HOUR]),
            length=rng.choice([50, 100, 200]),
            content=f"c{rng.randrange(25)}",
        )
        for key in range(40)
    ]
    dup_links = [(rng.randrange(40), rng.randrange(40)) for _ in range(15)]
    story_links = [
        (rng.randrange(40), rng.randrange(40), rng.choice([0.2, 0.4, 0.6, 0.8])) for _ in range(40)
    ]
    return nodes, dup_links, story_links


@pytest.mark.parametrize("seed", range(5))
def test_result_does_not_depend_on_input_order(seed: int) -> None:
    rng = random.Random(seed)
    nodes, dup_links, story_links = build_random_case(rng)
    reference = cluster(nodes, dup_links, story_links, DENSITY)
    assert reference.dup_group_count < 40  # the case is not trivial
    assert reference.story_count < reference.dup_group_count
    for _ in range(6):
        shuffled_nodes = rng.sample(nodes, len(nodes))
        shuffled_dups = [
            (r, left) if rng.random() < 0.5 else (left, r)
            for left, r in rng.sample(dup_links, len(dup_links))
        ]
        shuffled_story = [
            (r, left, s) if rng.random() < 0.5 else (left, r, s)
            for left, r, s in rng.sample(story_links, len(story_links))
        ]
        again = cluster(shuffled_nodes, shuffled_dups, shuffled_story, DENSITY)
        assert again == reference


# --- canonical member ----------------------------------------------------------------------------


def canonical_key(result: Clustering) -> list[int]:
    return sorted(k for k, a in result.assignments.items() if a.is_canonical)


def test_canonical_is_earliest_published() -> None:
    nodes = [node(1, published=30.0, length=900), node(2, published=10.0), node(3, published=20.0)]
    result = cluster(nodes, [(1, 2), (2, 3)], [], DENSITY)
    assert canonical_key(result) == [2]


def test_unknown_time_sorts_last() -> None:
    nodes = [node(1, published=None, length=900), node(2, published=50.0, length=10)]
    result = cluster(nodes, [(1, 2)], [], DENSITY)
    assert canonical_key(result) == [2]


def test_time_zero_is_a_known_time() -> None:
    nodes = [node(1, published=None), node(2, published=0.0)]
    assert canonical_key(cluster(nodes, [(1, 2)], [], DENSITY)) == [2]


def test_equal_times_prefer_the_longest_text() -> None:
    nodes = [node(1, published=5.0, length=100), node(2, published=5.0, length=300)]
    assert canonical_key(cluster(nodes, [(1, 2)], [], DENSITY)) == [2]


def test_all_unknown_times_prefer_the_longest_text() -> None:
    nodes = [node(1, length=100), node(2, length=300), node(3, length=200)]
    assert canonical_key(cluster(nodes, [(1, 2), (2, 3)], [], DENSITY)) == [2]


def test_full_tie_prefers_the_smallest_id() -> None:
    nodes = [
        node(1, 5.0, article_id="b"),
        node(2, 5.0, article_id="a"),
        node(3, 5.0, article_id="c"),
    ]
    assert canonical_key(cluster(nodes, [(1, 2), (2, 3)], [], DENSITY)) == [2]


def test_one_canonical_per_group() -> None:
    rng = random.Random(11)
    nodes, dup_links, story_links = build_random_case(rng)
    result = cluster(nodes, dup_links, story_links, DENSITY)
    per_group: dict[str, int] = {}
    for assignment in result.assignments.values():
        per_group[assignment.dup_group_id] = per_group.get(assignment.dup_group_id, 0) + int(
            assignment.is_canonical
        )
    assert set(per_group.values()) == {1}
    assert len(per_group) == result.dup_group_count


def test_canonical_order_key() -> None:
    known = node(1, published=5.0, length=10, article_id="b")
    unknown = node(2, published=None, length=10_000, article_id="a")
    assert canonical_order(known) < canonical_order(unknown)
    longer = replace(known, text_length=20)
    assert canonical_order(longer) < canonical_order(known)
    smaller_id = replace(known, article_id="a")
    assert canonical_order(smaller_id) < canonical_order(known)
    # On one day, an article that gives the day only (00:00) follows a timed one.
    day_only = node(3, published=86_400.0, length=10, article_id="a")
    timed = node(4, published=86_400.0 + 3600, length=10, article_id="b")
    assert canonical_order(replace(day_only, date_only=True)) > canonical_order(timed)
    assert canonical_order(day_only) < canonical_order(timed)


# --- exact duplicates ----------------------------------------------------------------------------


def test_exact_duplicate_of_marks_only_later_copies() -> None:
    nodes = [
        node(1, published=10.0, content="wire", article_id="orig"),
        node(2, published=20.0, content="wire", article_id="copy1"),
        node(3, published=30.0, content="edited", article_id="edit"),
        node(4, published=40.0, content="edited", article_id="edit-copy"),
        node(5, published=None, content="wire", article_id="copy2"),
    ]
    result = cluster(nodes, [(1, 3)], [], DENSITY)
    assert groups_of(result) == [[1, 2, 3, 4, 5]]
    duplicate_of = {k: a.exact_duplicate_of for k, a in result.assignments.items()}
    assert duplicate_of == {1: None, 2: "orig", 3: None, 4: "edit", 5: "orig"}


def test_earlier_copy_is_the_original_regardless_of_key_order() -> None:
    nodes = [
        node(1, published=20.0, content="same", article_id="late"),
        node(2, published=10.0, content="same", article_id="early"),
    ]
    result = cluster(nodes, [], [], DENSITY)
    assert result.assignments[2].exact_duplicate_of is None
    assert result.assignments[2].is_canonical
    assert result.assignments[1].exact_duplicate_of == "early"


def test_near_duplicates_are_not_exact_duplicates() -> None:
    result = cluster([node(1, 1.0), node(2, 2.0)], [(1, 2)], [], DENSITY)
    assert [a.exact_duplicate_of for a in result.assignments.values()] == [None, None]


# --- stories -------------------------------------------------------------------------------------


def test_story_links_join_whole_groups() -> None:
    nodes = [node(1, content="x"), node(2, content="x"), node(3), node(4)]
    result = cluster(nodes, [(3, 4)], [(2, 4, 0.5)], DENSITY)
    assert groups_of(result) == [[1, 2], [3, 4]]
    assert stories_of(result) == [[1, 2, 3, 4]]
    assert result.story_count == 1


def test_story_link_inside_one_group_changes_nothing() -> None:
    result = cluster([node(1), node(2)], [(1, 2)], [(1, 2, 0.9)], DENSITY)
    assert result.story_count == 1
    assert result.dup_group_count == 1


def test_two_dense_stories_are_not_chained_by_one_weak_link_through_cluster() -> None:
    nodes = [node(k) for k in range(1, 7)]
    strong = [(a, b, 0.9) for a, b in [(1, 2), (2, 3), (1, 3), (4, 5), (5, 6), (4, 6)]]
    result = cluster(nodes, [], [*strong, (3, 4, 0.3)], DENSITY)
    assert stories_of(result) == [[1, 2, 3], [4, 5, 6]]


def test_merge_stories_keeps_two_dense_stories_apart() -> None:
    links = {(1, 2): 0.9, (2, 3): 0.9, (1, 3): 0.9, (4, 5): 0.9, (5, 6): 0.9, (4, 6): 0.9}
    links[(3, 4)] = 0.3
    assert story_sets([1, 2, 3, 4, 5, 6], links) == [[1, 2, 3], [4, 5, 6]]


def test_merge_stories_chain_of_weak_links_does_not_merge_stories() -> None:
    links = {(1, 2): 0.9, (2, 3): 0.9, (1, 3): 0.9, (4, 5): 0.9, (5, 6): 0.9, (4, 6): 0.9}
    # 3 - 7 - 4: a lone report bridging the two stories with one link each.
    links[(3, 7)] = 0.3
    links[(4, 7)] = 0.3
    stories = story_sets([1, 2, 3, 4, 5, 6, 7], links)
    assert [1, 2, 3] in stories or [1, 2, 3, 7] in stories
    assert [4, 5, 6] in stories or [4, 5, 6, 7] in stories
    assert len(stories) == 2


def test_merge_stories_merges_when_enough_links_join_them() -> None:
    links = {(1, 2): 0.9, (2, 3): 0.9, (1, 3): 0.9, (4, 5): 0.9, (5, 6): 0.9, (4, 6): 0.9}
    links.update({(1, 4): 0.3, (2, 5): 0.3})  # 2 links, 2 >= 0.6 * 3
    assert story_sets([1, 2, 3, 4, 5, 6], links) == [[1, 2, 3, 4, 5, 6]]


def test_merge_stories_density_threshold_is_inclusive() -> None:
    # Two 5-unit stories: 3 links meet 0.6 * 5 = 3 exactly.
    links: dict[tuple[int, int], float] = {}
    for group in ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]):
        for a in group:
            for b in group:
                if a < b:
                    links[a, b] = 0.9
    two_links = {**links, (1, 6): 0.2, (2, 7): 0.2}
    three_links = {**two_links, (3, 8): 0.2}
    assert len(story_sets(list(range(1, 11)), two_links)) == 2
    assert story_sets(list(range(1, 11)), three_links) == [list(range(1, 11))]


def test_lone_report_joins_a_story_through_one_link() -> None:
    links = {(1, 2): 0.9, (2, 3): 0.9, (1, 3): 0.9, (3, 4): 0.2}
    assert story_sets([1, 2, 3, 4], links) == [[1, 2, 3, 4]]


def test_star_shaped_story_is_one_story() -> None:
    links = {(1, leaf): 0.5 for leaf in range(2, 8)}
    assert story_sets(list(range(1, 8)), links) == [list(range(1, 8))]


def test_star_shaped_story_through_cluster() -> None:
    nodes = [node(k) for k in range(1, 6)]
    result = cluster(nodes, [], [(1, k, 0.4) for k in range(2, 6)], DENSITY)
    assert stories_of(result) == [[1, 2, 3, 4, 5]]


def test_links_are_taken_strongest_first() -> None:
    # Unit 7 is linked to both stories; its stronger link decides where it goes, and
    # afterwards a single link cannot pull it (and its story) into the other one.
    links = {(1, 2): 0.9, (2, 3): 0.9, (1, 3): 0.9, (4, 5): 0.9, (5, 6): 0.9, (4, 6): 0.9}
    towards_second = {**links, (1, 7): 0.3, (4, 7): 0.8}
    assert story_sets(list(range(1, 8)), towards_second) == [[1, 2, 3], [4, 5, 6, 7]]
    towards_first = {**links, (1, 7): 0.8, (4, 7): 0.3}
    assert story_sets(list(range(1, 8)), towards_first) == [[1, 2, 3, 7], [4, 5, 6]]


def test_cluster_uses_the_strongest_score_of_parallel_links() -> None:
    # Articles 1 and 2 form one unit; its best link to 7 must be used, not the last one seen.
    nodes = [node(k) for k in (1, 2, 3, 4, 5, 6, 7)]
    dense = [(a, b, 0.9) for a, b in [(1, 3), (3, 4), (1, 4), (5, 6)]]
    links = [*dense, (2, 7, 0.8), (1, 7, 0.1), (5, 7, 0.5)]
    result = cluster(nodes, [(1, 2)], links, DENSITY)
    assert stories_of(result) == [[1, 2, 3, 4, 7], [5, 6]]
    reverse = cluster(nodes, [(1, 2)], list(reversed(links)), DENSITY)
    assert reverse == result


def test_merge_stories_with_no_links_keeps_singletons() -> None:
    assert story_sets([3, 1, 2], {}) == [[1], [2], [3]]


def test_merge_stories_zero_density_merges_any_link() -> None:
    links = {(1, 2): 0.9, (2, 3): 0.9, (1, 3): 0.9, (4, 5): 0.9, (5, 6): 0.9, (4, 6): 0.9}
    links[(3, 4)] = 0.1
    stories = merge_stories([1, 2, 3, 4, 5, 6], links, 0.0)[0]
    assert len(stories.groups()) == 1


# --- link predicates -----------------------------------------------------------------------------


def test_one_strong_bridge_link_does_not_chain_two_dense_stories() -> None:
    links = {(1, 2): 0.5, (2, 3): 0.5, (1, 3): 0.5, (4, 5): 0.5, (5, 6): 0.5, (4, 6): 0.5}
    links[(3, 4)] = 0.9  # one shared background paragraph in two short reports
    assert story_sets([1, 2, 3, 4, 5, 6], links) == [[1, 2, 3], [4, 5, 6]]


def naive_merge_stories(
    units: list[int], links: dict[tuple[int, int], float], density: float
) -> list[list[int]]:
    """merge_stories without incremental bookkeeping: link counts recomputed at every
    step, then weak bridges found by removing each internal link in turn."""
    label = {unit: unit for unit in units}
    members = {unit: {unit} for unit in units}
    for (left, right), _ in sorted(links.items(), key=lambda item: (-item[1], item[0])):
        a, b = label[left], label[right]
        if a == b:
            continue
        count = sum(1 for x, y in links if {label[x], label[y]} == {a, b})
        if count < density * min(len(members[a]), len(members[b])):
            continue
        for unit in members[b]:
            label[unit] = a
        members[a] |= members.pop(b)
    if density <= 0:
        return sorted(sorted(group) for group in members.values())
    internal = {pair: score for pair, score in links.items() if label[pair[0]] == label[pair[1]]}
    kept = [pair for pair in internal if not naive_is_weak_bridge(units, internal, pair)]
    parts = {frozenset(naive_component(units, kept, unit)) for unit in units}
    return sorted(sorted(part) for part in parts)


def naive_component(units: list[int], links: Iterable[tuple[int, int]], start: int) -> set[int]:
    seen, todo = {start}, [start]
    while todo:
        unit = todo.pop()
        for a, b in links:
            for x, y in ((a, b), (b, a)):
                if x == unit and y not in seen:
                    seen.add(y)
                    todo.append(y)
    return seen


def naive_is_weak_bridge(
    units: list[int], links: dict[tuple[int, int], float], pair: tuple[int, int]
) -> bool:
    rest = [link for link in links if link != pair]
    left = naive_component(units, rest, pair[0])
    if pair[1] in left:
        return False
    return len(left) >= 2 and len(naive_component(units, rest, pair[1])) >= 2


@pytest.mark.parametrize("seed", range(30))
def test_merge_stories_matches_naive_reference(seed: int) -> None:
    rng = random.Random(seed)
    count = rng.randrange(2, 30)
    units = rng.sample(range(1000), count)
    links: dict[tuple[int, int], float] = {}
    for _ in range(rng.randrange(0, 3 * count)):
        a, b = rng.sample(units, 2)
        links[min(a, b), max(a, b)] = rng.choice([0.2, 0.3, 0.5, 0.7, 0.9])
    density = rng.choice([0.0, 0.3, 0.6, 1.0])
    assert story_sets_at(units, links, density) == naive_merge_stories(units, links, density)


def test_site_key_prefers_source_then_url_host() -> None:
    from newsdedup.transforms.core.signals.analysis import site_key

    assert site_key(None, None) == 0
    assert site_key("Coastal Herald", "https://a.test/x") == site_key(" coastal herald ", None)
    assert site_key(None, "https://www.a.test/x") == site_key(None, "http://a.test/y?z=1")
    assert site_key(None, "https://a.test/x") != site_key(None, "https://b.test/x")


# --- incremental runs: known articles of earlier runs --------------------------------------------


def known(key: int, group: str, story: str, content: str | None = None) -> ClusterNode:
    return replace(node(key, content=content), dup_group_id=group, story_id=story)


def test_known_articles_get_no_assignment_and_keep_their_ids() -> None:
    nodes = [known(1, "dg_old", "st_old"), node(2)]
    result = cluster(nodes, [(1, 2)], [], DENSITY)
    assert list(result.assignments) == [2]
    new = result.assignments[2]
    assert (new.dup_group_id, new.story_id, new.is_canonical) == ("dg_old", "st_old", False)


def test_new_copy_of_a_known_text_points_to_it() -> None:
    result = cluster(
        [known(5, "dg_old", "st_old", content="same"), node(1, content="same")], [], [], DENSITY
    )
    assert result.assignments[1].exact_duplicate_of == "a005"
    assert result.assignments[1].dup_group_id == "dg_old"


def test_known_texts_in_different_groups_are_not_joined_by_equal_content() -> None:
    nodes = [known(1, "dg_a", "st_a", content="same"), known(2, "dg_b", "st_b", content="same")]
    result = cluster([*nodes, node(3)], [], [], DENSITY)
    assert result.story_merges == []


def test_new_article_joining_two_known_stories_merges_into_the_smaller_id() -> None:
    nodes = [known(1, "dg_a", "st_b"), known(2, "dg_b", "st_a"), node(3), node(4)]
    links = [(3, 1, 0.5), (3, 2, 0.4), (4, 1, 0.5), (4, 2, 0.4)]
    result = cluster(nodes, [], links, DENSITY)
    assert result.story_merges == [("st_b", "st_a")]
    assert {a.story_id for a in result.assignments.values()} == {"st_a"}


def test_known_story_stays_whole_and_a_thin_link_does_not_merge() -> None:
    # Known story {1, 2} (two groups) and a new pair {3, 4} linked to it once:
    # too thin to merge two stories of two groups each, and the known story
    # stays whole although no link between 1 and 2 is given.
    nodes = [known(1, "dg_1", "st_k"), known(2, "dg_2", "st_k"), node(3), node(4)]
    result = cluster(nodes, [], [(3, 4, 0.9), (2, 3, 0.3)], DENSITY)
    assert stories_of(result) == [[3, 4]]
    assert result.assignments[3].story_id != "st_k"
    assert result.story_merges == []


def test_batch_and_incremental_agree_on_a_follow_up() -> None:
    # One run: 1 and 2 are a story; 3 follows up on 1.
    at_once = cluster([node(1), node(2), node(3)], [], [(1, 2, 0.5), (1, 3, 0.4)], DENSITY)
    story = at_once.assignments[1].story_id
    # Two runs: 1 and 2 written before; 3 arrives with its link to 1 only.
    later = cluster(
        [known(1, "dg_1", story), known(2, "dg_2", story), node(3)], [], [(1, 3, 0.4)], DENSITY
    )
    assert later.assignments[3].story_id == at_once.assignments[3].story_id == story


# A stream: a lone report (3) linked to story {1, 2} by entities alone, whose
# own story (3, 4) arrives later. One run over all of it cuts the entity link
# as a weak bridge; a micro-batch must not take it before the stream shows that.
STREAM_WINDOW = 72.0


def known_from(result: Clustering, nodes: list[ClusterNode]) -> list[ClusterNode]:
    """The nodes of a run as the next run reads them back."""
    return [
        replace(
            n,
            dup_group_id=result.assignments[n.article_key].dup_group_id,
            story_id=result.assignments[n.article_key].story_id,
            pending_story_id=result.assignments[n.article_key].pending_story_id,
        )
        for n in nodes
    ]


def first_micro_batch(
    times: tuple[float | None, ...] = (0.0, HOUR, 2 * HOUR),
) -> tuple[list[ClusterNode], Clustering]:
    """Story {1, 2}, written by an earlier run, and a micro-batch of report 3,
    tied to it by an entity link: the nodes as the next run reads them back,
    and the assignments of both runs."""
    nodes = [node(key, published) for key, published in enumerate(times, start=1)]
    earlier = cluster(nodes[:2], [], [(1, 2, 0.9)], DENSITY)
    known = known_from(earlier, nodes[:2])
    result = cluster(
        [*known, nodes[2]],
        [],
        [],
        DENSITY,
        entity_links=[(1, 3, 0.5)],
        stream_window_hours=STREAM_WINDOW,
    )
    both = replace(result, assignments={**earlier.assignments, **result.assignments})
    return known_from(both, nodes), both


def test_one_run_cuts_the_entity_link_that_becomes_a_weak_bridge() -> None:
    nodes = [node(1, 0.0), node(2, HOUR), node(3, 2 * HOUR), node(4, 3 * HOUR)]
    result = cluster(nodes, [], [(1, 2, 0.9), (3, 4, 0.9)], DENSITY, entity_links=[(1, 3, 0.5)])
    assert stories_of(result) == [[1, 2], [3, 4]]


def test_a_micro_batch_defers_an_entity_link_that_ties_a_lone_report() -> None:
    _, result = first_micro_batch()
    assert stories_of(result) == [[1, 2], [3]]
    assert result.assignments[3].pending_story_id == result.assignments[1].story_id
    assert result.assignments[1].pending_story_id is None
    assert result.pending_links == 1
    # Without a stream, the same links join the lone report at once.
    taken = cluster(
        [node(1, 0.0), node(2, HOUR), node(3, 2 * HOUR)],
        [],
        [(1, 2, 0.9)],
        DENSITY,
        entity_links=[(1, 3, 0.5)],
    )
    assert stories_of(taken) == [[1, 2, 3]]


def test_a_deferred_link_is_dropped_once_its_lone_side_grows() -> None:
    known, first = first_micro_batch()
    result = cluster(
        [*known, node(4, 3 * HOUR)],
        [],
        [(3, 4, 0.9)],
        DENSITY,
        stream_window_hours=STREAM_WINDOW,
    )
    assert result.assignments[4].story_id == first.assignments[3].story_id
    assert (result.story_merges, result.pending_links) == ([], 0)


def test_a_deferred_link_joins_when_the_stream_passes_both_stories() -> None:
    known, first = first_micro_batch()
    later = node(9, 2 * HOUR + (STREAM_WINDOW + 1) * HOUR)
    result = cluster([*known, later], [], [], DENSITY, stream_window_hours=STREAM_WINDOW)
    story_1, story_3 = first.assignments[1].story_id, first.assignments[3].story_id
    assert result.story_merges == [(max(story_1, story_3), min(story_1, story_3))]
    assert result.pending_links == 0
    # Within the window it still waits.
    early = node(9, 2 * HOUR + (STREAM_WINDOW - 1) * HOUR)
    waiting = cluster([*known, early], [], [], DENSITY, stream_window_hours=STREAM_WINDOW)
    assert (waiting.story_merges, waiting.pending_links) == ([], 1)


def test_a_run_that_is_no_micro_batch_settles_known_links_at_once() -> None:
    known, _ = first_micro_batch()
    result = cluster(known, [], [], DENSITY)
    assert len(result.story_merges) == 1
    assert result.pending_links == 0
    assert result.assignments == {}


def test_an_undated_story_never_closes_within_a_stream() -> None:
    known, _ = first_micro_batch((None, None, None))
    later = cluster([*known, node(9, 1e9)], [], [], DENSITY, stream_window_hours=STREAM_WINDOW)
    assert (later.story_merges, later.pending_links) == ([], 1)


def test_a_micro_batch_defers_a_text_link_that_ties_a_lone_report_too() -> None:
    # Story {1, 2} was written before. A follow-up (3) of both shares a
    # paragraph with report 4, whose own follow-up (5) arrives in the next micro-batch:
    # one run cuts 3-4 as a weak bridge, so a micro-batch must not take it
    # while 4 is alone.
    nodes = [node(1, 0.0), node(2, HOUR), node(4, 2 * HOUR), node(3, 3 * HOUR)]
    earlier = cluster(nodes[:2], [], [(1, 2, 0.9)], DENSITY)
    known = known_from(earlier, nodes[:2])
    first = cluster(
        [*known, *nodes[2:]],
        [],
        [(1, 3, 0.5), (2, 3, 0.4), (3, 4, 0.3)],
        DENSITY,
        stream_window_hours=STREAM_WINDOW,
    )
    assert stories_of(first) == [[3], [4]]
    assert first.assignments[3].story_id == known[0].story_id
    assert first.assignments[4].pending_story_id == known[0].story_id
    second = cluster(
        [*known, *known_from(first, nodes[2:]), node(5, 4 * HOUR)],
        [],
        [(4, 5, 0.9)],
        DENSITY,
        stream_window_hours=STREAM_WINDOW,
    )
    assert (second.story_merges, second.pending_links) == ([], 0)
    assert second.assignments[5].story_id == first.assignments[4].story_id
    at_once = cluster(
        [*nodes, node(5, 4 * HOUR)],
        [],
        [(1, 2, 0.9), (1, 3, 0.5), (2, 3, 0.4), (3, 4, 0.3), (4, 5, 0.9)],
        DENSITY,
    )
    assert stories_of(at_once) == [[1, 2, 3], [4, 5]]


def test_two_lone_reports_that_share_text_are_one_story_at_once() -> None:
    nodes = [node(1, 0.0), node(2, HOUR)]
    result = cluster(nodes, [], [(1, 2, 0.5)], DENSITY, stream_window_hours=STREAM_WINDOW)
    assert stories_of(result) == [[1, 2]]
    assert result.pending_links == 0


def test_a_pending_link_joins_once_later_links_tie_the_two_stories() -> None:
    # 3 waits to join {1, 2}; 4 follows up on 3 and also links to 2. One run
    # takes all four together (1-3 and 2-4 tie the two pairs: no bridge), so
    # the recorded link counts beside 2-4 when 4 arrives.
    known, first = first_micro_batch()
    result = cluster(
        [*known, node(4, 3 * HOUR)],
        [],
        [(3, 4, 0.9), (2, 4, 0.4)],
        DENSITY,
        stream_window_hours=STREAM_WINDOW,
    )
    story_1, story_3 = first.assignments[1].story_id, first.assignments[3].story_id
    assert result.story_merges == [(max(story_1, story_3), min(story_1, story_3))]
    assert result.pending_links == 0
    at_once = cluster(
        [node(1, 0.0), node(2, HOUR), node(3, 2 * HOUR), node(4, 3 * HOUR)],
        [],
        [(1, 2, 0.9), (3, 4, 0.9), (2, 4, 0.4)],
        DENSITY,
        entity_links=[(1, 3, 0.5)],
    )
    assert stories_of(at_once) == [[1, 2, 3, 4]]


def test_each_lone_report_of_a_micro_batch_records_its_own_pending_link() -> None:
    # An agency report (1) and two follow-ups (2, 3) in one micro-batch: each
    # link ties a lone report, so both wait, each recorded on its follow-up
    # (the agency report can hold only one).
    nodes = [node(1, 0.0), node(2, HOUR), node(3, 2 * HOUR)]
    result = cluster(
        nodes, [], [(1, 2, 0.5), (1, 3, 0.4)], DENSITY, stream_window_hours=STREAM_WINDOW
    )
    story_1 = result.assignments[1].story_id
    assert [result.assignments[k].pending_story_id for k in (1, 2, 3)] == [None, story_1, story_1]
    settled = cluster(known_from(result, nodes), [], [], DENSITY)
    assert len(settled.story_merges) == 2


# A generated stream: stories of an agency report, reruns and follow-ups over two
# days; some follow-ups share a paragraph with the agency report of another story
# published a few hours before them, whose own follow-ups mostly come later. One
# run cuts those links as weak bridges.
STREAM_STORIES = 30
STREAM_SEEDS = range(8)


def generated_stream(seed: int) -> tuple[list[ClusterNode], list[tuple[str, int, int, float]]]:
    rng = random.Random(seed)
    nodes: list[ClusterNode] = []
    links: list[tuple[str, int, int, float]] = []

    def add(published: float) -> int:
        nodes.append(node(len(nodes) + 1, published))
        return len(nodes)

    agencies: list[int] = []
    follow_ups: list[int] = []
    for start in sorted(rng.uniform(0, 30 * 24) * HOUR for _ in range(STREAM_STORIES)):
        agencies.append(add(start))
        for _ in range(rng.randrange(3)):
            links.append(("dup", agencies[-1], add(start + rng.uniform(1, 24) * HOUR), 0.9))
        for _ in range(rng.randint(2, 4)):
            follow_ups.append(add(start + rng.uniform(1, 48) * HOUR))
            links.append(("story", agencies[-1], follow_ups[-1], rng.uniform(0.3, 0.6)))
    linked = {right for _, _, right, _ in links}
    targeted: set[int] = set()
    for follow_up in follow_ups:
        published = nodes[follow_up - 1].published_ts or 0.0
        others = [
            a
            for a in agencies
            if a not in targeted
            and 0 < published - (nodes[a - 1].published_ts or 0.0) < 6 * HOUR
            and (a, follow_up) not in {(left, right) for _, left, right, _ in links}
        ]
        if others and follow_up in linked and rng.random() < 0.5:
            targeted.add(other := rng.choice(others))
            kind = rng.choice(["story", "entity"])
            links.append((kind, other, follow_up, rng.uniform(0.15, 0.29)))
    return nodes, links


def run_links(
    nodes: list[ClusterNode], links: list[tuple[str, int, int, float]], window: float | None
) -> Clustering:
    return cluster(
        nodes,
        [(a, b) for kind, a, b, _ in links if kind == "dup"],
        [(a, b, score) for kind, a, b, score in links if kind == "story"],
        DENSITY,
        entity_links=[(a, b, score) for kind, a, b, score in links if kind == "entity"],
        stream_window_hours=window,
    )


def streamed_stories(
    nodes: list[ClusterNode], links: list[tuple[str, int, int, float]], slices: int
) -> dict[int, str]:
    """Story of each article after micro-batches of `slices` consecutive slices
    by publication time and a settling run, as `watch` decides them: each run
    sees the earlier articles with their ids and the links with a new end."""
    ordered = sorted(nodes, key=lambda n: (n.published_ts, n.article_key))
    size = -(-len(ordered) // slices)
    written: dict[int, ClusterNode] = {}
    merged: dict[str, str] = {}

    def root(story: str | None) -> str | None:
        while story in merged:
            story = merged[story]
        return story

    runs = [ordered[i : i + size] for i in range(0, len(ordered), size)]
    for number, new in enumerate([*runs, []]):
        known = [
            replace(n, story_id=root(n.story_id), pending_story_id=root(n.pending_story_id))
            for n in written.values()
        ]
        fresh = {n.article_key for n in new}
        seen = fresh | set(written)
        result = run_links(
            known + new,
            [link for link in links if {link[1], link[2]} <= seen and {link[1], link[2]} & fresh],
            STREAM_WINDOW if number < len(runs) else None,
        )
        written.update((n.article_key, n) for n in known_from(result, new))
        for story, into in result.story_merges:
            if root(story) != root(into):
                merged[str(root(story))] = str(root(into))
    return {key: str(root(n.story_id)) for key, n in written.items()}


def pair_agreement(predicted: dict[int, str], reference: dict[int, str]) -> float:
    """Pair F1 of `predicted` against `reference` (pairs in one story)."""
    keys = sorted(reference)
    pairs = [(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]]
    in_predicted = {p for p in pairs if predicted[p[0]] == predicted[p[1]]}
    in_reference = {p for p in pairs if reference[p[0]] == reference[p[1]]}
    return 2 * len(in_predicted & in_reference) / (len(in_predicted) + len(in_reference))


def test_a_stream_cut_into_many_micro_batches_decides_stories_as_one_run() -> None:
    agreements = []
    for seed in STREAM_SEEDS:
        nodes, links = generated_stream(seed)
        one_run = run_links(nodes, links, None)
        reference = {key: a.story_id for key, a in one_run.assignments.items()}
        agreements.append(pair_agreement(streamed_stories(nodes, links, 40), reference))
    # Deciding each link at once (text links never deferred, pending links not
    # counted as links later) gave 0.91 here.
    assert sum(agreements) / len(agreements) >= 0.93
