"""Incremental story assignment for the streaming pipeline (`newsdedup watch`).

Pure logic, no Beam: the stateful DoFns in transforms/stream.py keep these
records in Beam state and call these functions.

Two kinds of state, both bounded by an event-time horizon:

- Per candidate key (an LSH band key, a passage fingerprint or a lead entity):
  the articles seen with that key (`KeyMembers`). A new article probes each of
  its keys and gets back the earlier members (`KeyReport`).
- The assignment directory: for every article still within the horizon, what
  verifying a pair needs (`StreamArticle`) and its assignment, plus a summary
  of every live story. An article is decided once all of its key reports are
  in and every candidate that came before it is decided.

Decisions never revise what was written: an article keeps the story id it got,
and a new article joins the story of its strongest verified link
(`classify_pair`, the batch pipeline's pair test), or starts its own story
whose id derives from its own article id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from schemas.records import ArticleAssignment
from transforms.core.clustering import DUP_LINK, PairFacts, classify_pair, stable_id
from transforms.core.config import DedupConfig
from transforms.core.rows import StoryMember

# The order in which articles are decided: arrival time (µs), then article id.
ArrivalOrder = tuple[int, str]
# A candidate key: ("band" | "fp" | "entity", 64-bit key).
CandidateKey = tuple[str, int]

BAND_KEY = "band"
FINGERPRINT_KEY = "fp"
ENTITY_KEY = "entity"
_LINK_STRENGTH = {DUP_LINK: 2}  # dup links beat story and entity links
_SAME_TEXT = 3  # and equal texts beat everything


def expiry_micros(event_micros: int, arrival_micros: int, horizon_hours: float) -> int:
    """When an article leaves the state: the horizon after its event time
    (publication), or after its arrival if that is later. The watermark follows
    arrivals, so every article stays at most the horizon after it arrived,
    and an article published long ago (a backfill) still stays the horizon
    after arriving, for its re-runs in the same backfill to find it.
    """
    return max(event_micros, arrival_micros) + int(horizon_hours * 3600 * 1_000_000)


@dataclass(frozen=True, slots=True)
class KeyMember:
    article_id: str
    order: ArrivalOrder
    expires_at: int


@dataclass(frozen=True, slots=True)
class KeyReport:
    """What one candidate key knows about a new article: the other articles
    that share it (empty when there are none or the key is boilerplate)."""

    article_id: str
    kind: str
    members: tuple[KeyMember, ...]


@dataclass(frozen=True, slots=True)
class KeyMembers:
    """The articles of one candidate key; `saturated` once more than
    `max_key_articles` shared it (boilerplate: the key is ignored from then on)."""

    members: tuple[KeyMember, ...] = ()
    saturated: bool = False

    def earliest_expiry(self) -> int | None:
        return min((m.expires_at for m in self.members), default=None)


def probe_key(
    state: KeyMembers, kind: str, newcomer: KeyMember, max_key_articles: int
) -> tuple[KeyMembers, KeyReport]:
    """Report the key's other members to the newcomer and add it.

    A re-delivered article (already a member) is reported the others again and
    not added twice.
    """
    if state.saturated:
        return state, KeyReport(newcomer.article_id, kind, ())
    others = tuple(m for m in state.members if m.article_id != newcomer.article_id)
    if len(others) >= max_key_articles:
        return KeyMembers((), saturated=True), KeyReport(newcomer.article_id, kind, ())
    if len(others) == len(state.members):
        state = KeyMembers((*state.members, newcomer))
    return state, KeyReport(newcomer.article_id, kind, others)


def expire_key(state: KeyMembers, watermark_micros: int) -> KeyMembers:
    """Drop members whose horizon the watermark has passed; a saturated key
    forgets its saturation only when empty of members anyway."""
    return KeyMembers(tuple(m for m in state.members if m.expires_at > watermark_micros))


@dataclass(frozen=True, slots=True)
class StreamArticle:
    """What the directory needs of one article: no text."""

    article_id: str
    order: ArrivalOrder
    expected_reports: int
    expires_at: int
    facts: PairFacts
    content_hash: str
    member: StoryMember  # story_id and dup_group_id are filled in on assignment
    # Set for an article written before a restart: its assignment is final.
    restored: ArticleAssignment | None = None


@dataclass(frozen=True, slots=True)
class ProbedArticle:
    """An article with everything its keys reported: its candidates and, per
    candidate, the number of passage fingerprints they share."""

    article: StreamArticle
    candidates: tuple[KeyMember, ...]
    shared_fingerprints: tuple[tuple[str, int], ...]


def gather_reports(article: StreamArticle, reports: list[KeyReport]) -> ProbedArticle:
    """One article's key reports, once all `expected_reports` are in."""
    candidates: dict[str, KeyMember] = {}
    shared: dict[str, int] = {}
    for report in reports:
        for member in report.members:
            candidates[member.article_id] = member
            if report.kind == FINGERPRINT_KEY:
                shared[member.article_id] = shared.get(member.article_id, 0) + 1
    candidates.pop(article.article_id, None)
    return ProbedArticle(
        article,
        tuple(candidates[k] for k in sorted(candidates)),
        tuple(sorted(shared.items())),
    )


@dataclass
class Directory:
    """The assignment state: decided articles, pending ones and live stories.

    `later` holds back-references: articles that found a not yet decided,
    later-arriving article in a key, so that it considers them when decided.
    `expired_through` is the watermark of the last expiry.
    """

    decided: dict[str, tuple[StreamArticle, ArticleAssignment]] = field(default_factory=dict)
    pending: dict[str, ProbedArticle] = field(default_factory=dict)
    later: dict[str, set[str]] = field(default_factory=dict)
    stories: dict[str, dict[str, StoryMember]] = field(default_factory=dict)
    expired_through: int = 0

    def earliest_expiry(self) -> int | None:
        return min((a.expires_at for a, _ in self.decided.values()), default=None)


@dataclass(frozen=True, slots=True)
class Decision:
    assignment: ArticleAssignment
    article: StreamArticle
    story_members: tuple[StoryMember, ...]  # the story after this article joined


def decide(directory: Directory, probed: ProbedArticle, config: DedupConfig) -> list[Decision]:
    """Add a probed article; decide every pending article whose earlier
    candidates are all decided, earliest arrival first. A restored article
    takes its written assignment back without a new decision."""
    if probed.article.restored is not None:
        _record(directory, probed.article, probed.article.restored)
    else:
        directory.pending[probed.article.article_id] = probed
    decisions: list[Decision] = []
    progress = True
    while progress:
        progress = False
        for _, article_id in sorted((p.article.order, i) for i, p in directory.pending.items()):
            decision = _try_decide(directory, directory.pending[article_id], config)
            if decision is not None:
                decisions.append(decision)
                progress = True
    return decisions


def _try_decide(
    directory: Directory, probed: ProbedArticle, config: DedupConfig
) -> Decision | None:
    article = probed.article
    for candidate in probed.candidates:
        if candidate.article_id in directory.decided:
            continue
        if candidate.order < article.order:
            if candidate.expires_at > directory.expired_through:
                return None  # an earlier candidate is not decided yet: wait for it
        else:  # the later one decides after us, and must consider us
            directory.later.setdefault(candidate.article_id, set()).add(article.article_id)
    del directory.pending[article.article_id]
    shared = dict(probed.shared_fingerprints)
    candidate_ids = {c.article_id for c in probed.candidates}
    candidate_ids |= directory.later.pop(article.article_id, set())
    links = []
    for candidate_id in sorted(candidate_ids):
        if candidate_id not in directory.decided:
            continue
        earlier, earlier_assignment = directory.decided[candidate_id]
        if earlier.content_hash == article.content_hash:
            links.append(((_SAME_TEXT, 1.0), earlier, earlier_assignment))
            continue
        link = classify_pair(shared.get(candidate_id, 0), article.facts, earlier.facts, config)
        if link is not None:
            kind, score = link
            links.append(((_LINK_STRENGTH.get(kind, 1), score), earlier, earlier_assignment))
    return _assign(directory, article, links)


def _assign(
    directory: Directory,
    article: StreamArticle,
    links: list[tuple[tuple[int, float], StreamArticle, ArticleAssignment]],
) -> Decision:
    # Strongest link first; among equals the earliest arrival, then the smallest id.
    links.sort(key=lambda link: (-link[0][0], -link[0][1], link[1].order))
    story_id = stable_id("st", article.article_id)
    dup_group_id = stable_id("dg", article.article_id)
    exact_duplicate_of = None
    if links:
        (strength, _), other, other_assignment = links[0]
        story_id = other_assignment.story_id
        if strength >= _LINK_STRENGTH[DUP_LINK]:
            dup_group_id = other_assignment.dup_group_id
        if other.content_hash == article.content_hash:
            exact_duplicate_of = other_assignment.exact_duplicate_of or other.article_id
    assignment = ArticleAssignment(
        article_id=article.article_id,
        dup_group_id=dup_group_id,
        story_id=story_id,
        is_canonical=dup_group_id == stable_id("dg", article.article_id),
        exact_duplicate_of=exact_duplicate_of,
    )
    story = _record(directory, article, assignment)
    return Decision(assignment, article, story)


def _record(
    directory: Directory, article: StreamArticle, assignment: ArticleAssignment
) -> tuple[StoryMember, ...]:
    """Enter a decided article into the directory; returns its story's members."""
    member = replace(
        article.member,
        story_id=assignment.story_id,
        dup_group_id=assignment.dup_group_id,
        is_canonical=assignment.is_canonical,
    )
    directory.decided[article.article_id] = (replace(article, member=member), assignment)
    story = directory.stories.setdefault(assignment.story_id, {})
    story[article.article_id] = member
    return tuple(story.values())


def expire_directory(directory: Directory, watermark_micros: int) -> list[str]:
    """Forget decided articles past their horizon; returns their ids.

    A story keeps its expired members in its summary until all of them have
    expired, so that its rows only ever grow: its latest row lists every
    article it ever had.
    """
    expired = [
        article_id
        for article_id, (article, _) in directory.decided.items()
        if article.expires_at <= watermark_micros
    ]
    directory.expired_through = max(directory.expired_through, watermark_micros)
    for article_id in expired:
        directory.later.pop(article_id, None)
        directory.decided.pop(article_id)
    live = {assignment.story_id for _, assignment in directory.decided.values()}
    for story_id in [s for s in directory.stories if s not in live]:
        del directory.stories[story_id]
    return expired


def stream_member(
    article_id: str,
    title: str | None,
    source: str | None,
    language: str,
    published_at: datetime | None,
    text_length: int,
) -> StoryMember:
    """A story member whose story and group are not known yet."""
    return StoryMember(
        story_id="",
        article_id=article_id,
        title=title,
        source=source,
        language=language,
        published_at=published_at,
        dup_group_id="",
        is_canonical=False,
        text_length=text_length,
    )


def candidate_keys(
    band_keys: Iterable[int], fingerprints: Iterable[int], entities: Iterable[int]
) -> list[CandidateKey]:
    """Every distinct state key an article probes; the 64-bit hashes become
    signed, as Beam's integer key coder needs."""
    keys = {(BAND_KEY, _signed(k)) for k in band_keys}
    keys |= {(FINGERPRINT_KEY, _signed(k)) for k in fingerprints}
    keys |= {(ENTITY_KEY, _signed(k)) for k in entities}
    return sorted(keys)


def _signed(key: int) -> int:
    key = int(key)
    return key - (1 << 64) if key >= 1 << 63 else key
