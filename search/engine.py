"""
The one text engine (docs/architecture.md, "Search"): the search in the header and the
action list's free-text filter both find words through it.

It knows tables and columns, never the apps' models: a caller gives a queryset, the
`Text` of its model (the columns searched, as the search migrations index them) and the
person's words (`words_in`), and gets the rows with every word, ranked.

- PostgreSQL: full-text search in the "english" configuration. A row's vector is its
  columns weighted A, B, C in order; every word is a prefix of a stemmed word
  ("safeguard" finds "safeguarding"); rows are ranked by ts_rank and their snippets
  drawn by ts_headline. Each table keeps its rows' vectors in a column of its own,
  under a GIN index, by a trigger (search/migrations/0004): a search reads the index,
  then the stored vectors, and never parses a row's text. Under the row-level policies
  PostgreSQL will not use that index for @@, so a list first asks `found` for the ids,
  read through it past the policies by sscp_search_found (0006), which applies them.
- SQLite (`make run`, no server): FTS5 tables with external content (the app's own
  table), kept by triggers (search/migrations/0001, repaired after every migrate:
  a table that Django rebuilds loses its triggers), the porter stemmer, bm25 with the
  same weights, and snippet().

Words are found in Python before any query: letters and digits, without the stop words
PostgreSQL's "english" configuration leaves out, at most MAX_WORDS of them. What has no
word left ("the and of", "!!!") is an empty search, told to the person, never a query.

Snippets are HTML made here: the text is escaped whole and only our own <mark> tags are
added, round the words the database marked with two control characters.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorExact,
    SearchVectorField,
)
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Expression, FloatField, Q, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, Replace
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CONFIG = "english"
WEIGHTS = ("A", "B", "C", "D")
# bm25's weight of each column on SQLite, as ts_rank's defaults weigh A, B, C and D.
BM25_WEIGHTS = (1.0, 0.4, 0.2, 0.1)
MAX_WORDS = 10
# Longer "words" are pasted codes or noise; PostgreSQL ignores words over 2,047 bytes.
MAX_WORD_LENGTH = 40
# Only the start of a very long input is read for words.
MAX_TYPED = 1000
# A list's search that finds at most this many rows reads them by id (`found`); one that
# finds more walks the list's own order, where a word so common fills a page soon.
FOUND_BY_ID = 1000
START, STOP = "\x02", "\x03"  # marks round matched words, made into <mark> here
SNIPPET_WORDS = 30

# PostgreSQL's "english" stop words (tsearch_data/english.stop): never indexed there,
# so never searched for on either database.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what
    which who whom this that these those am is are was were be been being have has had
    having do does did doing a an the and but if or because as until while of at by for
    with about against between into through during before after above below to from up
    down in out on off over under again further then once here there when where why how
    all any both each few more most other some such no nor not only own same so than too
    very s t can will just don should now
    """.split()  # noqa: SIM905 - as the file lists them
)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Text:
    """A table's text as the search indexes it: its columns, the first weighing most.

    A text may take in the texts of the rows each row belongs to (`within`: the column
    naming that row, and its text), to find a row by their words too. PostgreSQL keeps
    those words with the row's own in a vector of their own (`column`; search migration
    0005); SQLite asks each text's index in turn."""

    table: str
    columns: tuple[str, ...]
    column: str = "search_vector"
    within: tuple[tuple[str, "Text"], ...] = ()

    @property
    def fts_table(self) -> str:
        """The SQLite FTS5 table that indexes it."""
        return f"search_{self.table}"


ACTIONS = Text("actions_action", ("title", "description", "success_measure"))
RECOMMENDATIONS = Text("reviews_recommendation", ("text",))
REVIEWS = Text("reviews_review", ("title", "summary"))
LEARNING_ACTIVITIES = Text("learning_learningactivity", ("title", "description"))
# An action with its recommendation's and its review's words: the action list's filter.
ACTIONS_IN_CONTEXT = Text(
    ACTIONS.table,
    ACTIONS.columns,
    column="context_vector",
    within=(("recommendation_id", RECOMMENDATIONS), ("review_id", REVIEWS)),
)
# The texts indexed on SQLite (search.apps keeps their tables after every migrate).
TEXTS = (ACTIONS, RECOMMENDATIONS, REVIEWS, LEARNING_ACTIVITIES)


@dataclass(frozen=True)
class Words:
    """The words of a search as typed, and those searched for."""

    typed: str
    terms: tuple[str, ...]
    cut_short: bool = False  # more than MAX_WORDS words were typed
    # A search for rows with any of the words, each whole (search.engine.similar), rather
    # than every word, each a prefix.
    any_word: bool = False

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def typed_something(self) -> bool:
        """Something was typed, even if it had no word to search for."""
        return bool(self.typed.strip())

    def one_by_one(self) -> list["Words"]:
        """Each word as a search of its own: to find each in any of several texts."""
        return [Words(term, (term,)) for term in self.terms]


def words_in(typed: str) -> Words:
    """The words to search for in what a person typed: lower case letters and digits,
    no stop words, each once, at most MAX_WORDS of them."""
    typed = typed or ""
    terms: list[str] = []
    for word in _WORD.findall(typed[:MAX_TYPED].lower()):
        if word not in STOP_WORDS and len(word) <= MAX_WORD_LENGTH and word not in terms:
            terms.append(word)
    return Words(typed, tuple(terms[:MAX_WORDS]), cut_short=len(terms) > MAX_WORDS)


def has_words(typed: str) -> None:
    """A list's free-text filter asks for words: what has none to search for is refused,
    in words that say why (the search page answers it with an empty search instead)."""
    if typed and typed.strip() and not words_in(typed):
        raise ValidationError(
            "Enter words to search for, such as ‘neglect’ or ‘supervision’: common words such "
            "as ‘the’ and ‘of’, and symbols, are left out of a search",
            code="no_words",
        )


# Finding rows like a text (recurring learning) ----------------------------------------

SIMILAR_WORDS = 40  # of a text, the words a row like it is looked for by
SIMILAR_CANDIDATES = 200  # rows sharing a word, re-ranked in Python (PostgreSQL)
# Of the rows sharing a word, at most this many (as the index finds them) are ranked by
# ts_rank on PostgreSQL, which reads each one's text: 20,000 took 0.7 s.
SIMILAR_SCANNED = 2000
# A row is offered only if it scores at least this share of the best row's score and
# shares two words or more: what shares one common word with a text is not like it.
SIMILAR_ENOUGH = 0.7
SIMILAR_MIN_SHARED = 2


def similar(queryset, text: Text, typed: str, *, limit: int = 3) -> list:
    """The rows of `queryset` most like `typed`, best first, at most `limit`: those sharing
    its words, a rarer word counting for more (inverse document frequency), and only those
    close enough to the best (SIMILAR_ENOUGH).

    On SQLite, FTS5's bm25 ranks by just that. PostgreSQL's ts_rank does not weigh a word
    by its rarity, so the rows sharing any word (by the GIN index, the best
    SIMILAR_CANDIDATES by ts_rank) are scored here, from their lexemes: one query.
    """
    words = Words(typed or "", words_in_all(typed), any_word=True)
    if not words:
        return []
    if _vendor(queryset) != "postgresql":
        return _similar_by_bm25(queryset, text, words, limit)
    return _similar_by_idf(queryset, text, words, limit)


def words_in_all(typed: str) -> tuple[str, ...]:
    """The words of a longer text: as words_in, up to SIMILAR_WORDS of them."""
    terms: list[str] = []
    for word in _WORD.findall((typed or "")[: MAX_TYPED * 5].lower()):
        if word not in STOP_WORDS and 1 < len(word) <= MAX_WORD_LENGTH and word not in terms:
            terms.append(word)
    return tuple(terms[:SIMILAR_WORDS])


def _similar_by_bm25(queryset, text, words, limit):
    rank = _fts_value(text, words, f"-bm25({{fts}}, {_bm25_weights(text)})", FloatField())
    found = list(
        queryset.filter(condition(text, words, using=queryset.db))
        .annotate(similarity=rank)
        .order_by("-similarity", "pk")[:limit]
    )
    best = found[0].similarity if found else 0
    return [row for row in found if row.similarity >= best * SIMILAR_ENOUGH]


def _similar_by_idf(queryset, text, words, limit):
    """One query: the rows sharing any word, the best SIMILAR_CANDIDATES by ts_rank, each
    with its lexemes and the text's own; a word's rarity is counted among them."""
    query = _tsquery(words)
    as_text = TextField()
    sharing = queryset.filter(SearchVectorExact(vector(text), query)).order_by().values("pk")
    candidates = list(
        queryset.filter(pk__in=sharing[:SIMILAR_SCANNED])
        .annotate(
            similar_rank=SearchRank(vector(text), query),
            lexemes=Cast(vector(text), as_text),
            own_lexemes=Cast(SearchVector(Value(words.typed), config=CONFIG), as_text),
        )
        .order_by("-similar_rank", "pk")[:SIMILAR_CANDIDATES]
    )
    if not candidates:
        return []
    own = _lexemes([candidates[0].own_lexemes])
    rows = {row.pk: _lexemes([row.lexemes]) & own for row in candidates}
    frequency = Counter(lexeme for shared in rows.values() for lexeme in shared)
    weight = {lexeme: math.log(1 + len(candidates) / n) for lexeme, n in frequency.items()}
    scores = {
        row.pk: sum(weight[lexeme] for lexeme in rows[row.pk])
        / math.sqrt(len(_lexemes([row.lexemes])))
        for row in candidates
        if len(rows[row.pk]) >= SIMILAR_MIN_SHARED
    }
    ranked_rows = sorted(
        (row for row in candidates if row.pk in scores), key=lambda row: (-scores[row.pk], row.pk)
    )[:limit]
    if not ranked_rows:
        return []
    best = scores[ranked_rows[0].pk]
    return [row for row in ranked_rows if scores[row.pk] >= best * SIMILAR_ENOUGH]


_LEXEME = re.compile(r"'((?:[^']|'')+)'")


def _lexemes(vectors) -> frozenset[str]:
    """The lexemes of tsvectors as PostgreSQL writes them: 'bruis':3A 'babi':5."""
    return frozenset(
        lexeme.replace("''", "'") for value in vectors for lexeme in _LEXEME.findall(value or "")
    )


def matches(queryset, text: Text, words: Words):
    """The rows of `queryset` with every one of `words` in `text`."""
    if not words:
        return queryset.none()
    return queryset.filter(condition(text, words, using=queryset.db))


def condition(text: Text, words: Words, *, using: str = DEFAULT_DB_ALIAS):
    """A row of `text`'s table has every one of `words`, as a filter that combines with
    `Q` objects. Never give it no words: `matches` answers those without a query."""
    if connections[using].vendor == "postgresql":
        return SearchVectorExact(vector(text), _estimated_tsquery(words))
    if not text.within:
        return Q(pk__in=_fts_rowids(text, words))
    # Each word in the row's own text or in one it belongs to, not all in the same one.
    every_word = Q()
    for word in words.one_by_one():
        in_any = Q(pk__in=_fts_rowids(text, word))
        for column, other in text.within:
            in_any |= Q(**{f"{column}__in": _fts_rowids(other, word)})
        every_word &= in_any
    return every_word


def found(searches, most: int, *, using: str = DEFAULT_DB_ALIAS) -> list:
    """For each (text, words) of `searches`, the ids of the text's rows with every one of
    the words that the connection may read, if there are at most `most`; else None, and
    nothing is gained over `condition`. One query for them all.

    On PostgreSQL, found through the GIN index past the row-level policies, which apply
    themselves (search migrations 0006, 0007): under a policy PostgreSQL checks it row by row
    before @@, reading every row of the partnership to find a word in few. A list whose
    search finds few rows reads them by id; one that finds many walks its own order.
    On SQLite, which has no policies, always None."""
    searches = list(searches)
    asked = searches and all(words for _text, words in searches)
    if not asked or connections[using].vendor != "postgresql":
        return [None] * len(searches)
    call = "sscp_search_found(%s::regclass, %s, to_tsquery(%s::regconfig, %s), %s)"
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join([call] * len(searches))}",
            [
                value
                for text, words in searches
                for value in (text.table, text.column, CONFIG, _raw_estimated(words), most)
            ],
        )
        answers = cursor.fetchone()
    return [None if ids is None else sorted(ids) for ids in answers]


def ranked(queryset, text: Text, words: Words, name: str = "rank"):
    """The rows of `queryset` with every one of `words` in `text`, with their rank as
    `name`: higher is better, a word in the first column counting most."""
    found = matches(queryset, text, words)
    if not words:
        return found
    if _vendor(queryset) == "postgresql":
        rank = SearchRank(vector(text), _tsquery(words))
    else:
        rank = _fts_value(text, words, f"-bm25({{fts}}, {_bm25_weights(text)})", FloatField())
    return found.annotate(**{name: rank})


def with_snippet(queryset, text: Text, words: Words, columns=None, name: str = "snippet"):
    """Each row with `name`: a short passage of its `columns` (by default all but the
    first) with the words found marked, as safe HTML. For the rows shown, not a list."""
    columns = tuple(columns or text.columns[1:] or text.columns)
    if not words:
        return queryset.annotate(**{name: Value("", output_field=Highlighted())})
    if _vendor(queryset) == "postgresql":
        return queryset.annotate(**{name: _headline(columns, words)})
    return queryset.annotate(**{name: _fts_snippet(text, words, columns)})


def vector(text: Text) -> "Stored":
    """A row's search vector, as its table keeps it on PostgreSQL (search/migrations/0004,
    0005): its columns weighted A, B, C in order, under a GIN index."""
    return Stored(column=text.column)


class Stored(Expression):
    """A vector column of the queryset's own table. The models do not name it (SQLite has
    none, and no page reads it), so it is found here as the table's alias in the query,
    whatever that alias becomes inside a subquery."""

    output_field = SearchVectorField()

    def __init__(self, alias: str | None = None, column: str = "search_vector"):
        super().__init__()
        self.alias, self.column = alias, column

    def resolve_expression(self, query=None, *args, **kwargs):
        return Stored(query.get_initial_alias(), self.column)

    def relabeled_clone(self, change_map):
        return Stored(change_map.get(self.alias, self.alias), self.column)

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name_unless_alias(self.alias)}.{self.column}", []

    def get_group_by_cols(self):
        return [self]


def highlighted(raw: str | None) -> SafeString:
    """Text the database marked (START … STOP round each word found) as HTML: all of it
    escaped, then each marked word in <mark>. Marks left unpaired are dropped."""
    text = escape(raw or "")
    text = re.sub(f"{START}([^{START}{STOP}]*){STOP}", r"<mark>\1</mark>", text)
    return mark_safe(text.replace(START, "").replace(STOP, ""))  # noqa: S308 - escaped above


class Highlighted(TextField):
    """An annotation read as a snippet: safe HTML with the words found in <mark>."""

    def from_db_value(self, value, expression, connection):
        if connection.vendor == "postgresql":
            value = _unescaped(value or "")
        return highlighted(value)


# PostgreSQL --------------------------------------------------------------------


def _tsquery(words: Words) -> SearchQuery:
    # Terms are letters and digits only (words_in), so quoting each is all they need.
    if words.any_word:
        raw = " | ".join(f"'{term}'" for term in words.terms)
        return SearchQuery(raw, search_type="raw", config=CONFIG)
    raw = " & ".join(f"'{term}':*" for term in words.terms)
    return SearchQuery(raw, search_type="raw", config=CONFIG)


def _estimated_tsquery(words: Words) -> SearchQuery:
    """The rows of `_tsquery`, asked for so that PostgreSQL can estimate how many: each word
    as itself or as a prefix. It estimates a whole word from its statistics, but a prefix
    alone at 2% whenever they hold under 100 common words (tsquery_opr_selec), and then
    gathers every row with a word that most rows have through the GIN index rather than
    walking the list's order (docs/performance.md). For finding rows, not ranking them."""
    if words.any_word:
        return _tsquery(words)
    return SearchQuery(_raw_estimated(words), search_type="raw", config=CONFIG)


def _raw_estimated(words: Words) -> str:
    return " & ".join(f"('{term}' | '{term}':*)" for term in words.terms)


def _headline(columns, words: Words) -> SearchHeadline:
    """ts_headline over the columns, escaped first: its parser drops whatever looks like
    an HTML tag (`<script>`), and the person should see the text as it was written.
    The escaping is undone when the value is read (Highlighted), then done again whole."""
    parts = []
    for column in columns:
        if parts:
            parts.append(Value(" … "))
        parts.append(_escaped_in_sql(Coalesce(column, Value(""), output_field=TextField())))
    body = parts[0] if len(parts) == 1 else Concat(*parts, output_field=TextField())
    headline = SearchHeadline(
        body,
        _tsquery(words),
        config=CONFIG,
        start_sel=START,
        stop_sel=STOP,
        max_words=SNIPPET_WORDS,
        min_words=SNIPPET_WORDS // 2,
    )
    headline.output_field = Highlighted()
    return headline


def _escaped_in_sql(expression):
    for character, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        expression = Replace(expression, Value(character), Value(entity), output_field=TextField())
    return expression


def _unescaped(text: str) -> str:
    # Exactly the inverse of _escaped_in_sql, so the data's own "&lt;" stays as written.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# SQLite ------------------------------------------------------------------------


def _fts_match(text: Text, words: Words) -> str:
    """An FTS5 query: every word as a prefix, within the text's columns."""
    columns = " ".join(text.columns)
    if words.any_word:
        return (
            f"{{{columns}}} : ({' OR '.join(f'{chr(34)}{term}{chr(34)}' for term in words.terms)})"
        )
    terms = " ".join(f'"{term}"*' for term in words.terms)
    return f"{{{columns}}} : ({terms})"


# The SQL below names only our own tables and columns (Text); the words are bound.


def _fts_rowids(text: Text, words: Words) -> RawSQL:
    fts = text.fts_table
    sql = f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s"  # noqa: S608
    return RawSQL(sql, [_fts_match(text, words)])  # noqa: S611


def _fts_value(text: Text, words: Words, function: str, output_field) -> RawSQL:
    """A value of FTS5's auxiliary functions for each row, from its row in the index."""
    fts = text.fts_table
    sql = (
        f"(SELECT {function.format(fts=fts)} FROM {fts} "  # noqa: S608
        f'WHERE {fts} MATCH %s AND {fts}.rowid = "{text.table}"."id")'
    )
    return RawSQL(sql, [_fts_match(text, words)], output_field=output_field)  # noqa: S611


def _bm25_weights(text: Text) -> str:
    return ", ".join(str(weight) for weight in BM25_WEIGHTS[: len(text.columns)])


def _fts_snippet(text: Text, words: Words, columns) -> RawSQL:
    """The passage of the first of `columns` with a word found; else the first's start."""
    indexes = [text.columns.index(column) for column in columns]
    marked = [
        f"CASE WHEN instr(highlight({{fts}}, {i}, char(2), char(3)), char(2)) "
        f"THEN snippet({{fts}}, {i}, char(2), char(3), '…', {SNIPPET_WORDS}) END"
        for i in indexes
    ]
    fallback = f"snippet({{fts}}, {indexes[0]}, char(2), char(3), '…', {SNIPPET_WORDS})"
    function = f"coalesce({', '.join([*marked, fallback])})"
    return _fts_value(text, words, function, Highlighted())


def sqlite_index(connection, text: Text, *, rebuild: bool = False) -> None:
    """Make (if missing) the FTS5 table of `text` and the triggers that keep it, and
    fill it from its table if asked or if a trigger was missing."""
    fts, table, columns = text.fts_table, text.table, ", ".join(text.columns)
    old = ", ".join(f"old.{c}" for c in text.columns)
    new = ", ".join(f"new.{c}" for c in text.columns)
    delete = f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', old.id, {old});"  # noqa: S608
    insert = f"INSERT INTO {fts}(rowid, {columns}) VALUES (new.id, {new});"  # noqa: S608
    triggers = {
        f"{fts}_insert": f"AFTER INSERT ON {table} BEGIN {insert} END",
        f"{fts}_delete": f"AFTER DELETE ON {table} BEGIN {delete} END",
        f"{fts}_update": f"AFTER UPDATE ON {table} BEGIN {delete} {insert} END",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE %s",
            [f"{fts}%"],
        )
        present = {name for (name,) in cursor.fetchall()}
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({columns}, "
            f"content='{table}', content_rowid='id', "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        for name, body in triggers.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        if rebuild or not set(triggers) <= present:
            cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608


def sqlite_unindex(connection, text: Text) -> None:
    fts = text.fts_table
    with connection.cursor() as cursor:
        for suffix in ("insert", "delete", "update"):
            cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        cursor.execute(f"DROP TABLE IF EXISTS {fts}")


def _vendor(queryset) -> str:
    return connections[queryset.db].vendor
