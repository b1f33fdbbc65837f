"""The tables, as SQLAlchemy Core: one home for the schema. Portable types only (SQLite by default,
PostgreSQL at scale); Alembic's migrations (storage/migrations/) build it and
tests/storage/test_migrations.py checks they agree.

Only `sqlalchemy` Core here, never `sqlalchemy.orm`: a read unit (storage/unit.py `Reader`) queries
these tables directly and hands out read-only rows, so `gate`, `status` and `register list` never pay
for importing and mapping the ORM (issue 14, "Reads are fast"). Writes go through the ORM classes
mapped onto these same tables in storage/tables.py.

Domain models are never mapped to these rows; storage/repos/ convert.
"""
from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, MetaData,
                        PrimaryKeyConstraint, String, Table, Text, UniqueConstraint, false, text, util)

metadata = MetaData()

OPEN_DOSSIER = "doc_number IS NOT NULL AND state NOT IN ('published', 'registered')"


class PartialIndex(Index):
    """An index over the rows `where` holds, on SQLite and on PostgreSQL. Written as
    `postgresql_where=` the clause would load the PostgreSQL dialect when this module is imported,
    a good part of a cold read on an SQLite home (issue 14: "Reads are fast"); here PostgreSQL's
    options are filled in when something asks for them (its DDL, autogenerate, a copy of the table),
    and by then PostgreSQL is in use. tests/storage/test_partial_index.py checks both."""

    def __init__(self, name: str, *columns, where: str, **kw) -> None:
        self.where = where
        super().__init__(name, *columns, sqlite_where=text(where), **kw)

    @util.memoized_property
    def dialect_options(self) -> util.PopulateDict:
        return _Options(self)


class _Options(util.PopulateDict):
    """Dialect name -> options of a PartialIndex; a walk over them (a copy, a cache key) sees
    PostgreSQL's too."""

    def __init__(self, index: PartialIndex) -> None:
        super().__init__(self._options)
        self.index = index

    def _options(self, dialect: str):
        options = type(self.index)._kw_reg_for_dialect_cls(dialect)
        if dialect == "postgresql":
            options["where"] = text(self.index.where)
        return options

    def _all(self) -> None:
        if "postgresql" not in self:
            self["postgresql"]

    def __iter__(self):
        self._all()
        return super().__iter__()

    def __len__(self) -> int:
        self._all()
        return super().__len__()

    def keys(self):
        self._all()
        return super().keys()

    def items(self):
        self._all()
        return super().items()

    def values(self):
        self._all()
        return super().values()


dossiers = Table(
    "dossiers", metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("title", Text, nullable=False),
    Column("doc_number", String(64), index=True, nullable=True),
    Column("drafting_unit", String(128), index=True, nullable=False),
    Column("state", String(16), nullable=False),
    Column("current_version", Integer, nullable=False),
    Column("disclosure", String(16), nullable=True),  # Signed off without a stage in an emergency: flagged until reviewed retrospectively.
    Column("emergency_reason", Text, nullable=True),  # 撤回公开: taken off every public output (review.rules.is_public), with who, when and why.
    Column("withheld_at", DateTime(timezone=True), nullable=True),
    Column("withheld_by", String(64), nullable=True),
    Column("withheld_reason", Text, nullable=True),  # Who set the 公开属性 when the document's marking could not be placed (None: read from it).
    Column("disclosure_by", String(64), nullable=True),  # 政府信息公开 catalogue (migration 0018): 索引号, given at publication, and 主题分类.
    Column("index_number", String(64), nullable=True),
    Column("topic", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("row_version", Integer, server_default="1", nullable=False),
    PartialIndex("uq_dossiers_open_doc_number", "drafting_unit", "doc_number", unique=True,
        where=OPEN_DOSSIER),
    Index("uq_dossiers_index_number", "index_number", unique=True),
)


versions = Table(
    "versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_id", ForeignKey("dossiers.id"), index=True, nullable=False),
    Column("number", Integer, nullable=False),
    Column("fingerprint", String(64), index=True, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("drafting_unit", String(128), nullable=False),
    Column("submitted_by", String(64), nullable=False),
    Column("submitted_by_unit", String(128), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("problems", JSON, default=list, nullable=False),
    Column("pipeline", JSON, nullable=True),  # snapshot of the configured pipeline
    Column("revision_note", JSON, nullable=True),  # 修改说明 answering a return (0015)
    UniqueConstraint("dossier_id", "number"),
    UniqueConstraint("dossier_id", "fingerprint"),  # The same files twice in one unit are one submission (migration 0013).
    Index("uq_versions_unit_fingerprint", "drafting_unit", "fingerprint", unique=True),
)


version_files = Table(
    "version_files", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", ForeignKey("versions.id"), index=True, nullable=False),
    Column("name", Text, nullable=False),
    Column("role", String(32), nullable=False),
    Column("sha256", String(64), index=True, nullable=False),
    Column("size", Integer, nullable=False),
    Column("meta", JSON, nullable=True),
    UniqueConstraint("version_id", "name"),
)


decisions = Table(
    "decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_id", ForeignKey("dossiers.id"), index=True, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("verdict", String(8), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("unit", String(128), nullable=False),
    Column("comment", Text, default="", nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("role", String(32), nullable=True),
    Column("reasons", JSON, nullable=True),  # [{anchor, paragraph, document, text}]
    Column("opinion_number", String(64), nullable=True),
    Column("opinion_sha256", String(64), nullable=True),
    UniqueConstraint("opinion_number", name="uq_decisions_opinion_number"),
)


# The audit chain: append-only, each row hashing the previous one.
events = Table(
    "events", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("dossier_id", String(32), index=True, nullable=True),
    Column("name", String(64), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), unique=True, nullable=False),
)


gazette_items = Table(
    "gazette_items", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_id", ForeignKey("dossiers.id"), index=True, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("doc_number", String(64), nullable=True),
    Column("organ", String(128), nullable=True),
    Column("signed_date", Date, nullable=True),
    Column("policy_page", Text, nullable=False),
    Column("interpretation_page", Text, nullable=False),
    Column("status", String(16), nullable=False),  # queued, in_issue
    Column("queued_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("dossier_id", "fingerprint"),
)


# A rendered web-release page: stored as an object and written under the home's site folder.
pages = Table(
    "pages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_id", ForeignKey("dossiers.id"), index=True, nullable=False),
    Column("kind", String(32), nullable=False),  # policy, interpretation
    Column("path", Text, nullable=False),  # relative to the site root
    Column("sha256", String(64), nullable=False),
    Column("released_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("path"),
)


register_entries = Table(
    "register_entries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("registration_number", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("serial", Integer, nullable=False),
    Column("dossier_id", ForeignKey("dossiers.id"), nullable=False),
    Column("document_number", String(64), index=True, nullable=True),
    Column("title", Text, nullable=False),
    Column("organ", String(128), nullable=True),
    Column("drafting_unit", String(128), nullable=False),
    Column("signed_date", Date, nullable=True),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("interpretation_page", Text, nullable=True),
    Column("status", String(16), nullable=False),  # pending, in_force, amended, repealed, expired
    Column("opinion_number", String(64), nullable=True),  # 合法性审核意见书
    Column("filed_at", DateTime(timezone=True), nullable=True),  # 备案
    Column("filing_number", String(64), nullable=True),  # 施行日期 and 有效期至 are fixed at publication (publishing/register_rules.py), or, for a normative
    # document naming no date, when its gazette issue is released: NULL until then (待定, status
    # pending). Migration 0010 wrote the publication day into rows from before 0004.
    Column("effective_date", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    Column("status_changed_at", DateTime(timezone=True), nullable=True),
    Column("reported_on", Date, nullable=True),  # 报备日期 (migration 0018)
    Column("reported_to", String(128), nullable=True),  # 报备机关
    # A normative document is not in force before a released gazette issue carries it (DESIGN.md rule 7,
    # migration 0019): set at publication, cleared by that issue's release (services/register/life.py).
    Column("awaits_gazette", Boolean, server_default=false(), default=False, nullable=False),
    UniqueConstraint("registration_number"), UniqueConstraint("dossier_id"),
    UniqueConstraint("year", "serial"),
)


# One document amending or repealing another: `by_entry` acts on `entry`. A repeal may name no
# document (by_entry None, a reason instead). Both entries read the link: amends / amended_by.
register_links = Table(
    "register_links", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("kind", String(16), nullable=False),  # amend, repeal
    Column("entry_id", ForeignKey("register_entries.id", name="fk_register_links_entry_id"), nullable=False),
    Column("by_entry_id", ForeignKey("register_entries.id", name="fk_register_links_by_entry_id"), nullable=True),
    Column("reason", Text, nullable=True),
    Column("actor", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("id", name="pk_register_links"),
    UniqueConstraint("kind", "entry_id", "by_entry_id", name="uq_register_links_kind_entry_by"),
    Index("ix_register_links_entry_id", "entry_id"),
    Index("ix_register_links_by_entry_id", "by_entry_id"),
)


# Public comment on a major decision (重大行政决策预公开).
consultations = Table(
    "consultations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_id", ForeignKey("dossiers.id"), unique=True, nullable=False),
    Column("opens", Date, nullable=False),
    Column("closes", Date, nullable=False),
    Column("shortened_reason", Text, nullable=True),
    Column("notice_path", Text, nullable=True),
    Column("notice_sha256", String(64), nullable=True),
    Column("summary_sha256", String(64), nullable=True),
    Column("summary_path", Text, nullable=True),
    Column("summary_published_at", DateTime(timezone=True), nullable=True),
    Column("opened_by", String(64), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
)


comments = Table(
    "comments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("consultation_id", ForeignKey("consultations.id"), index=True, nullable=False),
    Column("author", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("received_on", Date, nullable=True),
    Column("adopted", String(16), nullable=True),  # 采纳, 部分采纳, 未采纳
    Column("response", Text, nullable=True),  # Online comments (网络征集, migration 0018): source 'online' waits in moderation
    # (pending / accepted / rejected) until the drafting office accepts it; 'imported' needs none.
    Column("source", String(16), server_default="imported", default="imported", nullable=False),
    Column("moderation", String(16), nullable=True),
    Column("contact", Text, nullable=True),
    Column("client", String(64), nullable=True),  # a hash of the client, for throttling
    Column("submitted_at", DateTime(timezone=True), nullable=True),
)


# A deadline found due or overdue by the scheduled check; recorded once per state.
reminders = Table(
    "reminders", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),  # legality_review, consultation, filing
    Column("dossier_id", ForeignKey("dossiers.id"), index=True, nullable=False),
    Column("due", Date, nullable=False),
    Column("status", String(16), nullable=False),  # due_soon, due_today, overdue
    Column("estimated", Boolean, default=False, nullable=False),
    Column("message", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kind", "dossier_id", "due", "status"),
)


# An issue of the government gazette (政府公报): 2019年第8期（总第120期）. Every issue since
# the first stays here (DESIGN.md rule 7); a released issue is never changed again.
gazette_issues = Table(
    "gazette_issues", metadata,
    Column("id", String(16), nullable=False),  # "2019-8": year-number, readable
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False),  # 期号 within the year
    Column("total", Integer, nullable=False),  # 总期号, running since the first issue
    Column("status", String(16), nullable=False),  # draft, released
    Column("planned_date", Date, nullable=True),  # 计划出版日期, checked at add time
    Column("release_date", Date, nullable=True),  # 出版日期 printed on the cover
    Column("released_at", DateTime(timezone=True), nullable=True),
    Column("released_by", String(64), nullable=True),
    Column("print_name", Text, nullable=True),  # the print edition's file name
    Column("print_sha256", String(64), nullable=True),
    Column("web_sha256", String(64), nullable=True),  # of the electronic edition's manifest
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),  # every add and the release
    Column("row_version", Integer, server_default="1", nullable=False),
    PrimaryKeyConstraint("id", name="pk_gazette_issues"),
    UniqueConstraint("year", "number", name="uq_gazette_issues_year_number"),
    UniqueConstraint("total", name="uq_gazette_issues_total"),
)


# A queued gazette item placed in an issue. The unique item_id keeps an item in one issue only.
gazette_issue_items = Table(
    "gazette_issue_items", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("issue_id", ForeignKey("gazette_issues.id", name="fk_gazette_issue_items_issue_id"), nullable=False),
    Column("item_id", ForeignKey("gazette_items.id", name="fk_gazette_issue_items_item_id"), nullable=False),
    Column("section", String(32), nullable=False),  # as decided when added (shown before release)
    Column("position", Integer, nullable=True),  # order in the issue; editors reorder (0018)
    Column("added_by", String(64), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("id", name="pk_gazette_issue_items"),
    UniqueConstraint("item_id", name="uq_gazette_issue_items_item_id"),
    Index("ix_gazette_issue_items_issue_id", "issue_id"),
)


# Marks a released gazette issue as imported history (an issue printed before Lockstep):
# where it came from, the original file's fingerprint (kept in the object store) and who imported it.
gazette_imports = Table(
    "gazette_imports", metadata,
    Column("issue_id", ForeignKey("gazette_issues.id", name="fk_gazette_imports_issue_id"), nullable=False),
    Column("source", String(16), nullable=False),  # issue_docx, item_docx (with a CSV index)
    Column("source_name", Text, nullable=False),  # the issue docx, or the CSV index
    Column("source_sha256", String(64), nullable=False),
    Column("issue_date", Date, nullable=True),  # as printed on the cover, where found
    Column("imported_by", String(64), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("issue_id", name="pk_gazette_imports"),
)


# An item of an imported issue: no dossier behind it, its original docx in the object store.
gazette_imported_items = Table(
    "gazette_imported_items", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("issue_id", ForeignKey("gazette_issues.id", name="fk_gazette_imported_items_issue_id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("doc_number", String(64), nullable=True),
    Column("organ", String(128), nullable=True),
    Column("signed_date", Date, nullable=True),
    Column("source_name", Text, nullable=False),
    Column("source_sha256", String(64), nullable=False),
    PrimaryKeyConstraint("id", name="pk_gazette_imported_items"),
    UniqueConstraint("issue_id", "position", name="uq_gazette_imported_items_issue_position"),
)


# Something made once from a stored original and kept in the object store: a docx's HTML
# (made by mammoth) or its text (read by python-docx) at publication, reused at every later
# release. `maker` names what made it: a newer maker's output is made afresh, not mixed in.
derived_objects = Table(
    "derived_objects", metadata,
    Column("source_sha256", String(64), nullable=False),  # the original (a docx) in the object store
    Column("kind", String(16), nullable=False),  # html, text
    Column("maker", String(64), nullable=False),  # e.g. "mammoth 1.13.0"
    Column("object_sha256", String(64), nullable=False),  # the derived object in the object store
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("source_sha256", "kind", "maker", name="pk_derived_objects"),
)


# A 更正启事 placed in a (later, draft) issue, correcting a released one (publishing/corrections.py).
# The corrected item is kept as that issue printed it: the released issue itself never changes.
gazette_corrections = Table(
    "gazette_corrections", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("issue_id", ForeignKey("gazette_issues.id", name="fk_gazette_corrections_issue_id"), nullable=False),
    Column("corrects_issue_id", ForeignKey("gazette_issues.id", name="fk_gazette_corrections_corrects_issue_id"), nullable=False),  # gazette_items.id, or gazette_imported_items.id for an imported issue: no foreign key for either.
    Column("corrects_item", Integer, nullable=True),
    Column("corrects_dossier", String(32), nullable=True),
    Column("corrects_title", Text, nullable=True),
    Column("corrects_number", String(64), nullable=True),
    Column("corrects_position", Integer, nullable=True),
    Column("text", Text, nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("id", name="pk_gazette_corrections"),
    Index("ix_gazette_corrections_issue_id", "issue_id"),
    Index("ix_gazette_corrections_corrects_issue_id", "corrects_issue_id"),
)


# Locking counters (storage/counters.py): dossier ids, opinion and registration numbers.
counters = Table(
    "counters", metadata,
    Column("sequence", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("value", Integer, nullable=False),
    PrimaryKeyConstraint("sequence", "year", name="pk_counters"),
)


# The outbox (storage/jobs.py): machine work a decision starts, written in the decision's
# transaction and claimed by any worker; `kind` is 'publish' (a signed-off dossier version), and
# the same rows carry any later kind (a gazette release). One row per (kind, dossier, fingerprint).
jobs = Table(
    "jobs", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("dossier_id", String(32), nullable=False),  # the subject; a gazette release names its issue
    Column("fingerprint", String(64), nullable=False),  # the version the decision was about
    Column("status", String(16), nullable=False),  # review/lifecycles.py JOB
    Column("claimed_by", String(200), nullable=True),  # host:pid:random
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, default=0, nullable=False),
    Column("last_error", JSON, nullable=True),  # a coded problem
    Column("actor", String(64), nullable=True),  # who made the decision that started it
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True), nullable=True),
    Column("result", JSON, nullable=True),  # the work's answer (0018)
    Column("not_before", DateTime(timezone=True), nullable=True),  # scheduled work
    PrimaryKeyConstraint("id", name="pk_jobs"),
    UniqueConstraint("kind", "dossier_id", "fingerprint", name="uq_jobs_kind_dossier_fingerprint"),
    Index("ix_jobs_status_kind", "status", "kind"),
)


# The 集体审议 record of a dossier version: meeting, session number, date, minutes (0018).
deliberations = Table(
    "deliberations", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("dossier_id", ForeignKey("dossiers.id", name="fk_deliberations_dossier_id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("meeting", Text, nullable=False),
    Column("session_number", Integer, nullable=True),
    Column("held_on", Date, nullable=False),
    Column("minutes_name", Text, nullable=True),
    Column("minutes_sha256", String(64), nullable=True),
    Column("minutes_text", Text, nullable=True),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("id", name="pk_deliberations"),
    UniqueConstraint("dossier_id", "version", name="uq_deliberations_dossier_version"),
    Index("ix_deliberations_held_on", "held_on"),
)


# ---------------------------------------------------------------- notifications (issue 14)

# One message to the person who acts next (services/home/notifications.py): written in the
# transaction of the decision that makes them the next actor (or by the scheduled check for a
# deadline), shown in their desk inbox, and mailed by a sender that claims it afterwards (an
# outbox, as jobs). `key` makes each notice once: a rerun adds nothing.
notifications = Table(
    "notifications", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("key", String(300), nullable=False),
    Column("person", String(64), nullable=False),  # the recipient's login name
    Column("kind", String(32), nullable=False),  # queue, sign, returned, due_soon, overdue
    Column("dossier_id", String(32), nullable=True),
    Column("stage", String(64), nullable=True),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(300), nullable=True),  # the desk page it is about
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=True),
    Column("address", String(320), nullable=True),  # e-mail at the time; NULL: inbox only
    Column("mail_status", String(16), nullable=False),  # review/lifecycles.py MAIL
    Column("claimed_by", String(200), nullable=True),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, default=0, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("note", Text, nullable=True),  # why not sent (yet), in Chinese
    Column("sent_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("id", name="pk_notifications"),
    UniqueConstraint("key", name="uq_notifications_key"),
    Index("ix_notifications_person_read", "person", "read_at"),
    Index("ix_notifications_mail_status", "mail_status"),
)


# ---------------------------------------------------------------- accounts (issue 13: stateless desks)
# People, passwords, tokens, sessions and the sign-in throttle live in the database, so any desk
# process answers any request (storage/repos/accounts.py; migration 0016).

# A person: lockstep.toml seeds these rows; after that the database is the record.
people = Table(
    "people", metadata,
    Column("name", String(64), nullable=False),
    Column("unit", String(128), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("display", String(128), nullable=True),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    Column("disabled_by", String(64), nullable=True),  # who; "lockstep.toml" when the file dropped them
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("name", name="pk_people"),
)


# A person's desk password: scrypt (salted, per person); never the password itself.
credentials = Table(
    "credentials", metadata,
    Column("name", String(64), nullable=False),
    Column("scrypt", JSON, nullable=False),  # {"n", "r", "p"}
    Column("salt", String(64), nullable=False),
    Column("hash", String(128), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("name", name="pk_credentials"),
)


# An API token's SHA-256 (the token is shown once); one per person.
api_tokens = Table(
    "api_tokens", metadata,
    Column("digest", String(64), nullable=False),
    Column("name", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("digest", name="pk_api_tokens"), Index("ix_api_tokens_name", "name"),
)


# A desk session by the SHA-256 of its cookie token (the token is never kept). Times are
# seconds since the epoch, from the desk's clock.
desk_sessions = Table(
    "desk_sessions", metadata,
    Column("digest", String(64), nullable=False),
    Column("name", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created", Float, nullable=False),
    Column("seen", Float, nullable=False),
    Column("expires", Float, nullable=False),  # min(created + absolute, seen + idle)
    PrimaryKeyConstraint("digest", name="pk_desk_sessions"),
    Index("ix_desk_sessions_name", "name"), Index("ix_desk_sessions_expires", "expires"),
)


# One failed sign-in under one throttle key (desk/auth.py throttle_keys), at a time in seconds.
login_failures = Table(
    "login_failures", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("key", String(400), nullable=False),
    Column("at", Float, nullable=False),
    PrimaryKeyConstraint("id", name="pk_login_failures"),
    Index("ix_login_failures_key_at", "key", "at"),
)


# The configuration as recorded: lockstep.toml's content without its machine-local [storage],
# by content hash. The newest row is the configuration every process uses.
config_versions = Table(
    "config_versions", metadata,
    Column("seq", Integer, autoincrement=True, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", JSON, nullable=False),
    Column("source", String(600), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("seq", name="pk_config_versions"),
    Index("ix_config_versions_sha256", "sha256"),
)


# What each home's lockstep.toml (host:path) held when last read: the file seeds the
# database only when it changes.
config_sources = Table(
    "config_sources", metadata,
    Column("source", String(600), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("source", name="pk_config_sources"),
)
