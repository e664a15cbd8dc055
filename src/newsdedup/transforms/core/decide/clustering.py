"""Near-duplicate groups and stories from verified pairs.

Pure functions over small records (ids, times, lengths, hashes): the Beam
transforms feed them whatever they gathered, in any order, and get the same
groups and ids back.

An incremental run also passes the articles of earlier runs within its horizon
("known" nodes, with the ids they were given). Their groups and stories are
history: they are never split or renamed. New articles join them, and when new
evidence joins two known stories, the merge is reported, not written over.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from newsdedup.schemas.records import ArticleAssignment, ArticleSketch, record
from newsdedup.transforms.core.decide.unionfind import UnionFind


@record
@dataclass(frozen=True, slots=True)
class ClusterNode:
    """What clustering needs of one article."""

    article_key: int
    article_id: str
    published_ts: float | None
    text_length: int
    content_hash: str
    # Set for an article written by an earlier run: the ids it was given.
    dup_group_id: str | None = None
    story_id: str | None = None
    date_only: bool = False  # published_ts is a day's midnight
    # For a known article: the story its story joins once a deferred link settles.
    pending_story_id: str | None = None

    @property
    def known(self) -> bool:
        return self.story_id is not None


@record
@dataclass(frozen=True, slots=True)
class PairFacts:
    """What verifying a candidate pair needs of one of its articles."""

    published_ts: float | None
    fingerprint_count: int
    signature: bytes
    entities: bytes = b""
    entity_weights: bytes = b""
    signal_values: tuple[tuple[str, bytes], ...] = ()  # as ArticleSketch.signal_values

    @classmethod
    def of(cls, sketch: ArticleSketch) -> PairFacts:
        return cls(
            sketch.published_ts,
            len(sketch.fingerprints) // 8,
            sketch.signature,
            sketch.entities,
            sketch.entity_weights,
            sketch.signal_values,
        )


# The kinds of link verification finds (newsdedup.transforms.core.decide.facts).
DUP_LINK = "dup"
STORY_LINK = "story"
ENTITY_LINK = "entity"
# The score of a link recorded as pending (its own score was not kept): the
# weakest, taken after every link verified in the run.
PENDING_LINK_SCORE = 0.0


_SECONDS_PER_DAY = 86_400


def stable_id(prefix: str, member_id: str) -> str:
    digest = hashlib.blake2b(member_id.encode("utf-8"), digest_size=8).hexdigest()
    return f"{prefix}_{digest}"


def canonical_order(node: ClusterNode) -> tuple[bool, float, bool, float, int, str]:
    """The representative of a group sorts first: the earliest published (the
    original wire copy, typically; on one day, an article that gives the day only
    after those with a time), then the longest, then the smallest id."""
    unknown_time = node.published_ts is None
    published = node.published_ts or 0.0
    day = published // _SECONDS_PER_DAY
    return (unknown_time, day, node.date_only, published, -node.text_length, node.article_id)


@dataclass(frozen=True)
class Clustering:
    """Assignments of the new articles, and the known stories that new evidence
    joined: (story_id, merged_into) pairs. `pending_links` counts the links
    still waiting to be settled (see `cluster`)."""

    assignments: dict[int, ArticleAssignment]
    dup_group_count: int
    story_count: int
    story_merges: list[tuple[str, str]]
    pending_links: int = 0


def bridge_sides(
    units: list[int], links: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, int]]:
    """Each bridge of the link graph (a link whose removal splits its story in
    two), with the number of units on either side (the side of the pair's first
    unit first). Found with Tarjan's bridge
    algorithm (iterative, linear time) on the whole graph at once, so the result
    does not depend on the order of links."""
    neighbours: dict[int, list[int]] = {unit: [] for unit in units}
    for left, right in links:
        neighbours[left].append(right)
        neighbours[right].append(left)
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    size: dict[int, int] = {}
    found: dict[tuple[int, int], tuple[int, int]] = {}
    for root in sorted(neighbours):
        if root in order:
            continue
        component: list[int] = []
        stack: list[tuple[int, int, int]] = [(root, -1, 0)]  # (unit, parent, next neighbour)
        order[root] = low[root] = len(order)
        size[root] = 1
        tree_edges: list[tuple[int, int]] = []
        while stack:
            unit, parent, index = stack[-1]
            if index < len(neighbours[unit]):
                stack[-1] = (unit, parent, index + 1)
                nxt = neighbours[unit][index]
                if nxt not in order:
                    order[nxt] = low[nxt] = len(order)
                    size[nxt] = 1
                    stack.append((nxt, unit, 0))
                elif nxt != parent:
                    low[unit] = min(low[unit], order[nxt])
                continue
            stack.pop()
            component.append(unit)
            if parent != -1:
                low[parent] = min(low[parent], low[unit])
                size[parent] += size[unit]
                tree_edges.append((parent, unit))
        for parent, child in tree_edges:
            if low[child] > order[parent]:
                sides = (len(component) - size[child], size[child])
                found[min(parent, child), max(parent, child)] = (
                    sides if parent < child else sides[::-1]
                )
    return found


def merge_stories(
    units: list[int],
    unit_links: dict[tuple[int, int], float],
    min_link_density: float,
    fixed: Iterable[tuple[int, int]] = (),
    deferrable: Collection[tuple[int, int]] = (),
    deferrable_beside_story: Collection[tuple[int, int]] = (),
) -> tuple[UnionFind[int], list[tuple[int, int]]]:
    """Stories from near-duplicate groups ("units") and scored links between
    them, and the `deferrable` links that were left out for now.

    First, links are taken strongest first, and two partial stories merge only
    if the links between them number at least `min_link_density` times the
    units of the smaller one. A lone report joins a story through one link
    (coverage that reuses agency copy links to the original, not to every other
    report), but two established stories need links from most units of the
    smaller one. Then each story is split at its weak bridges (see
    `bridge_sides`): links whose removal leaves two parts of two or more units
    each. Such a link is the only thing joining two otherwise separate stories
    (one shared background paragraph between two reports, or a strong link that
    joined two reports before each grew into its own story). A link to a single
    report is no weak bridge: a follow-up that reuses agency copy often links
    to the original alone. A `deferrable` link that is the only tie of a lone
    unit to its story is cut too and returned, lone unit first: it would
    become a weak bridge if the lone side grew later, which a stream cannot know
    yet (see `settle_links`); a `deferrable_beside_story` link only when the
    other side has two or more units. Ties are broken by unit key, so the result does
    not depend on input order. A density of 0 turns both protections off (plain
    single-link clustering). `fixed` pairs (the units of a story of an earlier
    run) are together from the start and never split.
    """
    glue = sorted({(min(pair), max(pair)) for pair in fixed if pair[0] != pair[1]})
    stories = _merge_strongest_first(units, unit_links, min_link_density, glue)
    if min_link_density <= 0:
        return stories, []
    internal = [pair for pair in unit_links if stories.find(pair[0]) == stories.find(pair[1])]
    sides = bridge_sides(units, sorted(set(internal).union(glue)))
    # Each deferred link, oriented lone unit first (the first unit when both are lone).
    deferred = {
        pair: pair if sides[pair][0] == 1 else (pair[1], pair[0])
        for pair in [*deferrable, *deferrable_beside_story]
        if min(sides.get(pair, (0, 0))) == 1 and (pair in deferrable or max(sides[pair]) >= 2)
    }
    weak = {pair for pair, (one, other) in sides.items() if min(one, other) >= 2}
    split: UnionFind[int] = UnionFind(units)
    for left, right in glue:
        split.union(left, right)
    for pair in internal:
        if pair not in weak and pair not in deferred:
            split.union(*pair)
    return split, sorted(deferred.values())


def settle_links(
    stories: UnionFind[int],
    pending: Iterable[tuple[int, int]],
    unit_latest: Mapping[int, float] | None = None,
    closed_before: float = math.inf,
) -> list[tuple[int, int]]:
    """Settles links between units that were left out as deferrable (see
    `merge_stories`). A link whose two stories both have two or more units is a
    weak bridge for ever (stories never shrink): it is dropped. Otherwise it
    joins its two stories, as a run over all articles would, once neither story
    can grow any more: with `unit_latest` (the latest publication time of each
    unit, inf when unknown), once both stories' latest times lie before
    `closed_before`; without it, at once. Returns the links that still wait."""
    story_latest: dict[int, float] = {}
    for unit, latest in (unit_latest or {}).items():
        root = stories.find(unit)
        story_latest[root] = max(story_latest.get(root, -math.inf), latest)
    waiting = []
    for left, right in pending:
        a, b = stories.find(left), stories.find(right)
        if a == b or min(stories.size(a), stories.size(b)) >= 2:
            continue
        if unit_latest is not None and max(story_latest[a], story_latest[b]) >= closed_before:
            waiting.append((left, right))
            continue
        root = stories.union(a, b)
        if unit_latest is not None:
            story_latest[root] = max(story_latest[a], story_latest[b])
    return waiting


def _merge_strongest_first(
    units: list[int],
    unit_links: dict[tuple[int, int], float],
    min_link_density: float,
    glue: list[tuple[int, int]],
) -> UnionFind[int]:
    stories: UnionFind[int] = UnionFind(units)
    size = dict.fromkeys(units, 1)
    # Linked unit pairs between each pair of current stories, kept up to date on merges.
    between: dict[int, dict[int, int]] = {unit: {} for unit in units}
    for left, right in unit_links:
        between[left][right] = between[left].get(right, 0) + 1
        between[right][left] = between[right].get(left, 0) + 1
    glued = [((left, right), math.inf) for left, right in glue]
    strongest_first = sorted(unit_links.items(), key=lambda item: (-item[1], item[0]))
    for (left, right), score in glued + strongest_first:
        a, b = stories.find(left), stories.find(right)
        if a == b:
            continue
        if score != math.inf and between[a].get(b, 0) < min_link_density * min(size[a], size[b]):
            continue
        root = stories.union(a, b)
        other = b if root == a else a
        size[root] = size[a] + size[b]
        for neighbour, count in between.pop(other).items():
            del between[neighbour][other]
            if neighbour != root:
                between[root][neighbour] = between[root].get(neighbour, 0) + count
                between[neighbour][root] = between[neighbour].get(root, 0) + count
        between[root].pop(root, None)
    return stories


def cluster(
    nodes: Iterable[ClusterNode],
    dup_links: Iterable[tuple[int, int]],
    story_links: Iterable[tuple[int, int, float]],
    min_link_density: float,
    entity_links: Iterable[tuple[int, int, float]] = (),
    stream_window_hours: float | None = None,
) -> Clustering:
    """Near-duplicate groups from dup links and equal content; stories from scored
    story and entity links between groups. New ids derive from the smallest
    article id in the group or story; a new article that joins known articles
    takes their ids (the smallest, when it joins several).

    A micro-batch of a stream (`stream_window_hours` set) defers a link that
    is the only tie of a lone group to its story (see `merge_stories`; a link
    by shared text only when that story has two or more groups: two lone
    reports that share text are taken together at once): one of its new
    articles records the story it would join (`pending_story_id`). Later runs
    take that recorded link as a link again (the weakest), beside the links
    their new articles bring, so that it joins the two stories once other links
    tie them as well, is cut once it has become a weak bridge, and otherwise is
    settled (see `settle_links`) once the stream's publication times have
    passed both stories by the window: decided as one run over the whole stream
    decides
    it. Any other run settles the known pending links at once."""
    by_key = {node.article_key: node for node in nodes}
    dup_groups = _near_duplicate_groups(by_key, dup_links)
    group_of_unit = {min(group): group for group in dup_groups}
    unit_of = {key: unit for unit, group in group_of_unit.items() for key in group}
    unit_links, article_pairs, textual = _unit_links(unit_of, story_links, entity_links)
    glue, unit_of_story = _known_story_glue(by_key, group_of_unit)
    known_pending, unresolved = _known_pending_links(by_key, unit_of, unit_of_story)
    stream = stream_window_hours is not None
    for pair in known_pending:
        unit_links.setdefault(pair, PENDING_LINK_SCORE)
    story_sets, deferred = merge_stories(
        sorted(group_of_unit),
        unit_links,
        min_link_density,
        glue,
        deferrable=set(article_pairs).difference(textual).union(known_pending) if stream else (),
        deferrable_beside_story=textual.difference(known_pending) if stream else (),
    )
    unit_latest, closed_before = None, math.inf
    if stream_window_hours is not None:
        unit_latest, closed_before = _stream_times(by_key, group_of_unit, stream_window_hours)
    waiting = settle_links(story_sets, deferred, unit_latest, closed_before)
    story_of, merges = _story_ids(by_key, group_of_unit, story_sets)
    pending_of = _pending_story_ids(waiting, article_pairs, unit_of, by_key, story_of)
    assignments = _assignments(by_key, dup_groups, story_of, pending_of)
    return Clustering(
        assignments,
        len(dup_groups),
        len(story_sets.groups()),
        sorted(merges),
        pending_links=unresolved + len(waiting),
    )


def _known_pending_links(
    by_key: dict[int, ClusterNode], unit_of: dict[int, int], unit_of_story: dict[str, int]
) -> tuple[list[tuple[int, int]], int]:
    """The links that known articles recorded as pending, as unit pairs
    (smaller first) to the first unit of the story they would join; and how
    many name a story that is not among the nodes (still pending)."""
    pairs: set[tuple[int, int]] = set()
    unresolved = 0
    for node in by_key.values():
        if not node.known or node.pending_story_id is None:
            continue
        target = unit_of_story.get(node.pending_story_id)
        if target is None:
            unresolved += 1
        elif target != unit_of[node.article_key]:
            pairs.add(
                (min(target, unit_of[node.article_key]), max(target, unit_of[node.article_key]))
            )
    return sorted(pairs), unresolved


def _near_duplicate_groups(
    by_key: dict[int, ClusterNode], dup_links: Iterable[tuple[int, int]]
) -> list[list[int]]:
    dup_sets = _dup_groups(by_key)
    for left, right in dup_links:
        if left in by_key and right in by_key:
            dup_sets.union(left, right)
    return dup_sets.groups()


def _unit_links(
    unit_of: dict[int, int],
    story_links: Iterable[tuple[int, int, float]],
    entity_links: Iterable[tuple[int, int, float]],
) -> tuple[
    dict[tuple[int, int], float], dict[tuple[int, int], tuple[int, int]], set[tuple[int, int]]
]:
    """The strongest link between each two units, the article pair of that
    link (of the strongest, then smallest, article keys), and the unit pairs
    that share text (a story link)."""
    best: dict[tuple[int, int], tuple[float, int, int]] = {}
    textual: set[tuple[int, int]] = set()
    for links, by_text in ((story_links, True), (entity_links, False)):
        for left, right, score in links:
            if left not in unit_of or right not in unit_of:
                continue
            u, v = sorted((unit_of[left], unit_of[right]))
            if u == v:
                continue
            if by_text:
                textual.add((u, v))
            candidate = (score, -min(left, right), -max(left, right))
            if candidate > best.get((u, v), (-math.inf, 0, 0)):
                best[u, v] = candidate
    unit_links = {pair: score for pair, (score, _, _) in best.items()}
    article_pairs = {pair: (-low, -high) for pair, (_, low, high) in best.items()}
    return unit_links, article_pairs, textual


def _known_story_glue(
    by_key: dict[int, ClusterNode], group_of_unit: dict[int, list[int]]
) -> tuple[list[tuple[int, int]], dict[str, int]]:
    """Unit pairs that keep the units of each known story together, and the
    first unit of each known story."""
    first_unit_of_story: dict[str, int] = {}
    glue: list[tuple[int, int]] = []
    for unit, group in sorted(group_of_unit.items()):
        for known_story in sorted({s for k in group if (s := by_key[k].story_id)}):
            glue.append((first_unit_of_story.setdefault(known_story, unit), unit))
    return glue, first_unit_of_story


def _stream_times(
    by_key: dict[int, ClusterNode], group_of_unit: dict[int, list[int]], window_hours: float
) -> tuple[dict[int, float], float]:
    """The latest publication time of each unit (inf when one is unknown: such a
    unit may still be linked at any time), and the time before which a story's
    latest article must lie to be closed: the latest publication time seen, less
    the window."""
    unit_latest = {
        unit: max(_time_or_never(by_key[key].published_ts) for key in group)
        for unit, group in group_of_unit.items()
    }
    dated = [n.published_ts for n in by_key.values() if n.published_ts is not None]
    return unit_latest, (max(dated) - window_hours * 3600.0) if dated else -math.inf


def _time_or_never(published_ts: float | None) -> float:
    return math.inf if published_ts is None else published_ts


def _story_ids(
    by_key: dict[int, ClusterNode],
    group_of_unit: dict[int, list[int]],
    story_sets: UnionFind[int],
) -> tuple[dict[int, str], list[tuple[str, str]]]:
    story_of: dict[int, str] = {}
    merges: list[tuple[str, str]] = []
    for story in story_sets.groups():
        members = [by_key[key] for unit in story for key in group_of_unit[unit]]
        known_ids = sorted({m.story_id for m in members if m.story_id is not None})
        if known_ids:
            story_id = known_ids[0]
            merges.extend((other, story_id) for other in known_ids[1:])
        else:
            story_id = stable_id("st", min(m.article_id for m in members))
        for member in members:
            story_of[member.article_key] = story_id
    return story_of, merges


def _pending_story_ids(
    waiting: list[tuple[int, int]],
    article_pairs: dict[tuple[int, int], tuple[int, int]],
    unit_of: dict[int, int],
    by_key: dict[int, ClusterNode],
    story_of: dict[int, str],
) -> dict[int, str]:
    """For the deferred links of this run that still wait (lone unit first): the
    story that a new article of the link would join, recorded on that article
    (on the lone unit's side when the link's article there is new, so that a
    report linked to several lone ones keeps none of their links for itself;
    one link per article, the first by target id)."""
    pending_of: dict[int, str] = {}
    for lone, other in waiting:
        ends = article_pairs.get((min(lone, other), max(lone, other)))
        if ends is None:
            continue  # a known article's pending link: already recorded
        holder = min((unit_of[k] != lone, k) for k in ends if not by_key[k].known)[1]
        target = next(k for k in ends if k != holder)
        if story_of[target] < pending_of.get(holder, "\uffff"):
            pending_of[holder] = story_of[target]
    return pending_of


def _assignments(
    by_key: dict[int, ClusterNode],
    dup_groups: list[list[int]],
    story_of: dict[int, str],
    pending_of: dict[int, str],
) -> dict[int, ArticleAssignment]:
    assignments: dict[int, ArticleAssignment] = {}
    for group in dup_groups:
        # Known articles come first: they were written before any new one.
        members = sorted(
            (by_key[k] for k in group), key=lambda n: (not n.known, canonical_order(n))
        )
        known_groups = sorted({m.dup_group_id for m in members if m.dup_group_id is not None})
        group_id = (
            known_groups[0] if known_groups else stable_id("dg", min(m.article_id for m in members))
        )
        first_of_content: dict[str, str] = {}
        for rank, node in enumerate(members):
            original = first_of_content.setdefault(node.content_hash, node.article_id)
            if node.known:
                continue
            assignments[node.article_key] = ArticleAssignment(
                article_id=node.article_id,
                dup_group_id=group_id,
                story_id=story_of[node.article_key],
                is_canonical=rank == 0,
                exact_duplicate_of=None if original == node.article_id else original,
                pending_story_id=pending_of.get(node.article_key),
            )
    return assignments


def _dup_groups(by_key: dict[int, ClusterNode]) -> UnionFind[int]:
    """Near-duplicate groups before links: a known group stays together, and a new
    article with the same content as another article joins it. Known articles
    with equal content in different groups stay apart (history is not rewritten
    without new evidence)."""
    dup_sets: UnionFind[int] = UnionFind(sorted(by_key))
    first_of_known_group: dict[str, int] = {}
    first_with_content: dict[str, int] = {}
    for key in sorted(by_key, key=lambda k: (not by_key[k].known, k)):
        node = by_key[key]
        if node.dup_group_id is not None:
            dup_sets.union(first_of_known_group.setdefault(node.dup_group_id, key), key)
        first = first_with_content.setdefault(node.content_hash, key)
        if not node.known:
            dup_sets.union(first, key)
    return dup_sets
