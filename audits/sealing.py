"""
Tamper evidence: every audit record is sealed into a SHA-256 hash chain.

Sealing (in the transaction that writes the history row or access event):

1. Take the chain lock — on PostgreSQL a transaction-level advisory lock, held
   until commit; SQLite runs one writing transaction at a time anyway. So seals
   are made one after another in commit order, however many writers there are.
2. Read the source record back from the database and hash its canonical content:
   every column, plus, for a history row, its many-to-many links.
3. seal = SHA-256(previous seal, source, record id, content hash, the audit
   record's own words). Insert the AuditRecord; the lock is released at commit.

Verifying walks the chain in order and recomputes every seal from the records
as they are now. An edited history row no longer matches its content hash; a
deleted one is missing; a removed or edited seal breaks the chain; a history row
inserted behind the application's back has no seal at all.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.apps import apps
from django.db import connection, transaction

from audits.bulk import copy_in
from audits.history import TrackedHistory
from audits.models import AccessEvent, AuditRecord
from audits.records import (
    Facts,
    PreloadedLookups,
    facts_for_event,
    facts_for_history,
    link_accessors,
)

GENESIS = "0" * 64
# An arbitrary, fixed key for pg_advisory_xact_lock: "the audit chain".
CHAIN_LOCK_KEY = 7_301_935_211
VERIFY_CHUNK = 2000


def history_models() -> list[type]:
    """The history model of every tracked model (not the tables of their links), in the
    order the apps register them."""
    tracked = set(TrackedHistory.recorders)
    return [
        model
        for model in apps.get_models()
        if getattr(model, "instance_type", None) in tracked and model._meta.pk.name == "history_id"
    ]


def source_label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _plain(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date | Decimal | UUID):
        return str(value)
    return value


def _columns(obj) -> dict:
    return {f.attname: _plain(getattr(obj, f.attname)) for f in obj._meta.concrete_fields}


def canonical_content(obj) -> str:
    """A stable text of everything stored for `obj` (a history row or an access event)."""
    data = _columns(obj)
    for name, accessor in link_accessors(type(obj)).items():
        links = sorted(getattr(obj, accessor).all(), key=lambda link: link.pk)
        data[f"m2m:{name}"] = [_columns(link) for link in links]
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _words(record: AuditRecord) -> str:
    """The audit record's own content, which the seal covers too."""
    return json.dumps(
        {
            "at": _plain(record.at),
            "user": record.user_id,
            "record_type": record.record_type,
            "object_id": record.object_id,
            "change": record.change,
            "description": record.description,
            "changes": record.changes,
            "reason": record.reason,
            "agency": record.agency_id,
            "review": record.review_id,
            "recommendation": record.recommendation_id,
            "action": record.action_id,
            # Records sealed before partnerships carry none, and their seals stand.
            **({"partnership": record.partnership_id} if record.partnership_id else {}),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def compute_seal(previous: str, record: AuditRecord) -> str:
    text = "\n".join(
        [previous, record.source, str(record.record_id), record.content_hash, _words(record)]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _take_chain_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def _unsealed_record(source_obj, *, at, user_id, facts: Facts) -> AuditRecord:
    """The audit record of `source_obj` as stored, without its seal yet."""
    return AuditRecord(
        source=source_label(type(source_obj)),
        record_id=source_obj.pk,
        at=at,
        user_id=user_id,
        record_type=facts.record_type,
        object_id=facts.object_id,
        change=facts.change,
        description=facts.description[:300],
        changes=facts.changes,
        reason=facts.reason,
        agency_id=facts.agency_id,
        review_id=facts.review_id,
        recommendation_id=facts.recommendation_id,
        action_id=facts.action_id,
        partnership_id=facts.partnership_id,
        content_hash=hashlib.sha256(canonical_content(source_obj).encode()).hexdigest(),
    )


def _chain_head() -> str:
    """The last seal of the whole chain. On PostgreSQL through audit_chain_head(), which
    runs as the table's owner: a request under row-level security sees only some records."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT audit_chain_head()")
            return cursor.fetchone()[0] or GENESIS
    return AuditRecord.objects.order_by("-seq").values_list("seal", flat=True).first() or GENESIS


def _append(source_obj, *, at, user_id, facts: Facts) -> AuditRecord:
    with transaction.atomic():
        _take_chain_lock()
        stored = type(source_obj)._default_manager.get(pk=source_obj.pk)
        record = _unsealed_record(stored, at=at, user_id=user_id, facts=facts)
        record.seal = compute_seal(_chain_head(), record)
        record.save()
        return record


def seal_history_row(history_row) -> AuditRecord:
    """Write and seal the audit record of a history row just created."""
    return _append(
        history_row,
        at=history_row.history_date,
        user_id=history_row.history_user_id,
        facts=facts_for_history(history_row),
    )


def seal_access_event(event: AccessEvent) -> AuditRecord:
    return _append(event, at=event.at, user_id=event.user_id, facts=facts_for_event(event))


def seal_written_in_bulk(*, chunk_size: int = 2000) -> int:
    """Seal every history row that has no audit record yet; return how many.

    For rows inserted in bulk, without the signals that seal them one by one: today
    only the load generator (devtools) writes such rows. It stays here, not there,
    because it must make the very seals the chain makes, under the chain's own lock;
    a second implementation of the chain outside the kernel could drift from this one
    unnoticed. Each history model's rows are sealed in record and history order,
    described from look-ups loaded once (PreloadedLookups). Runs under the chain
    lock, so it can share the chain with live writers.
    """
    lookups = PreloadedLookups()
    sealed = 0
    with transaction.atomic():
        _take_chain_lock()
        previous = _chain_head()
        for history_model in history_models():
            done = AuditRecord.objects.filter(source=source_label(history_model))
            rows = (
                history_model.objects.exclude(pk__in=done.values("record_id"))
                .order_by("id", "history_id")
                .prefetch_related(*link_accessors(history_model).values())
                .iterator(chunk_size=chunk_size)
            )
            for chunk in _chunks(rows, chunk_size):
                records = []
                for row in chunk:
                    record = _unsealed_record(
                        row,
                        at=row.history_date,
                        user_id=row.history_user_id,
                        facts=facts_for_history(row, lookups),
                    )
                    record.seal = previous = compute_seal(previous, record)
                    records.append(record)
                sealed += copy_in(records)
    return sealed


# Verification -----------------------------------------------------------------


@dataclass
class Verification:
    verified: int = 0
    problem: str = ""
    head: str = GENESIS

    @property
    def intact(self) -> bool:
        return not self.problem


def _sources() -> dict[str, type]:
    return {source_label(model): model for model in [*history_models(), AccessEvent]}


def verify(*, anchor: tuple[int, str] | None = None) -> Verification:
    """Recompute the whole chain; stop at the first record that does not hold."""
    result = Verification()
    sources = _sources()
    previous = GENESIS
    anchor_seen = anchor is None
    records = AuditRecord.objects.order_by("seq").iterator(chunk_size=VERIFY_CHUNK)
    for chunk in _chunks(records, VERIFY_CHUNK):
        originals = _load_sources(chunk, sources)
        for record in chunk:
            problem = _check(record, previous, originals, sources)
            if problem:
                result.problem = problem
                return result
            if anchor and record.seq == anchor[0]:
                if record.seal != anchor[1]:
                    result.problem = f"record #{record.seq} does not carry the anchored seal"
                    return result
                anchor_seen = True
            previous = record.seal
            result.verified += 1
    result.head = previous
    if not anchor_seen:
        result.problem = f"the anchored record #{anchor[0]} is missing from the chain"
        return result
    result.problem = _first_unsealed(sources)
    return result


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _load_sources(chunk, sources) -> dict[tuple[str, int], object]:
    wanted: dict[str, list[int]] = {}
    for record in chunk:
        wanted.setdefault(record.source, []).append(record.record_id)
    found = {}
    for source, ids in wanted.items():
        model = sources.get(source)
        if model is None:
            continue
        queryset = model._default_manager.filter(pk__in=ids)
        queryset = queryset.prefetch_related(*link_accessors(model).values())
        for obj in queryset:
            found[(source, obj.pk)] = obj
    return found


def _check(record: AuditRecord, previous: str, originals, sources) -> str:
    name = f"record #{record.seq} ({record.source} {record.record_id}, {record.description})"
    if compute_seal(previous, record) != record.seal:
        return (
            f"{name}: its seal does not follow from the record before it "
            "(a seal was removed, or this record was edited)"
        )
    source = originals.get((record.source, record.record_id))
    if source is None:
        return f"{name}: the {record.source} row it seals has been deleted"
    if hashlib.sha256(canonical_content(source).encode()).hexdigest() != record.content_hash:
        return f"{name}: the {record.source} row it seals has been changed"
    return ""


def _first_unsealed(sources) -> str:
    for label, model in sources.items():
        sealed = AuditRecord.objects.filter(source=label).values("record_id")
        unsealed = model._default_manager.exclude(pk__in=sealed).order_by("pk").first()
        if unsealed is not None:
            return (
                f"{label} {unsealed.pk} has no seal: it was inserted behind the application's back"
            )
    return ""
