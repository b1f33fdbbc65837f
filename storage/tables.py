"""SQLAlchemy tables. Portable types only (SQLite by default, PostgreSQL at scale).

Domain models are never mapped to these rows; storage/repos/ convert.

No `from __future__ import annotations` here: each `Mapped[...]` is an object when its class is
made, so declarative mapping takes it as it is instead of evaluating some 270 annotation strings
(every command that opens the database pays for this module; issue 14, "Reads are fast").
"""
import datetime as dt

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Text,
                        UniqueConstraint, text, util)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


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


class DossierRow(Base):
    __tablename__ = "dossiers"
    # One dossier under way per unit and document number (migration 0013): racing intakes end in one.
    __table_args__ = (PartialIndex("uq_dossiers_open_doc_number", "drafting_unit", "doc_number", unique=True,
                                   where=OPEN_DOSSIER),
                      Index("uq_dossiers_index_number", "index_number", unique=True))
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(String(64), index=True)
    drafting_unit: Mapped[str] = mapped_column(String(128), index=True)
    state: Mapped[str] = mapped_column(String(16))
    current_version: Mapped[int] = mapped_column(Integer)
    disclosure: Mapped[str | None] = mapped_column(String(16))
    # Signed off without a stage in an emergency: flagged until reviewed retrospectively.
    emergency_reason: Mapped[str | None] = mapped_column(Text)
    # 撤回公开: taken off every public output (review.rules.is_public), with who, when and why.
    withheld_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withheld_by: Mapped[str | None] = mapped_column(String(64))
    withheld_reason: Mapped[str | None] = mapped_column(Text)
    # Who set the 公开属性 when the document's marking could not be placed (None: read from it).
    disclosure_by: Mapped[str | None] = mapped_column(String(64))
    # 政府信息公开 catalogue (migration 0018): 索引号, given at publication, and 主题分类.
    index_number: Mapped[str | None] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    row_version: Mapped[int] = mapped_column(Integer, server_default="1")
    # Optimistic locking: every change to a dossier checks nobody changed it since it was read,
    # so a sign-off racing a resubmission (or two reviewers) cannot both win.
    __mapper_args__ = {"version_id_col": row_version}


class VersionRow(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("dossier_id", "number"),
                      UniqueConstraint("dossier_id", "fingerprint"),
                      # The same files twice in one unit are one submission (migration 0013).
                      Index("uq_versions_unit_fingerprint", "drafting_unit", "fingerprint", unique=True))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    drafting_unit: Mapped[str] = mapped_column(String(128))
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_by_unit: Mapped[str] = mapped_column(String(128))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    problems: Mapped[list] = mapped_column(JSON, default=list)
    pipeline: Mapped[dict | None] = mapped_column(JSON)      # snapshot of the configured pipeline
    revision_note: Mapped[dict | None] = mapped_column(JSON)  # 修改说明 answering a return (0015)


class FileRow(Base):
    __tablename__ = "version_files"
    __table_args__ = (UniqueConstraint("version_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    meta: Mapped[dict | None] = mapped_column(JSON)


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("opinion_number", name="uq_decisions_opinion_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(32))
    verdict: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(128))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    role: Mapped[str | None] = mapped_column(String(32))
    reasons: Mapped[list | None] = mapped_column(JSON)        # [{anchor, paragraph, document, text}]
    opinion_number: Mapped[str | None] = mapped_column(String(64))
    opinion_sha256: Mapped[str | None] = mapped_column(String(64))


class EventRow(Base):
    """The audit chain: append-only, each row hashing the previous one."""
    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dossier_id: Mapped[str | None] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class GazetteItemRow(Base):
    __tablename__ = "gazette_items"
    __table_args__ = (UniqueConstraint("dossier_id", "fingerprint"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(String(64))
    organ: Mapped[str | None] = mapped_column(String(128))
    signed_date: Mapped[dt.date | None] = mapped_column(Date)
    policy_page: Mapped[str] = mapped_column(Text)
    interpretation_page: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))          # queued, in_issue
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PageRow(Base):
    """A rendered web-release page: stored as an object and written under the home's site folder."""
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("path"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))             # policy, interpretation
    path: Mapped[str] = mapped_column(Text)                   # relative to the site root
    sha256: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class RegisterEntryRow(Base):
    __tablename__ = "register_entries"
    __table_args__ = (UniqueConstraint("registration_number"), UniqueConstraint("dossier_id"),
                      UniqueConstraint("year", "serial"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registration_number: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"))
    document_number: Mapped[str | None] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(Text)
    organ: Mapped[str | None] = mapped_column(String(128))
    drafting_unit: Mapped[str] = mapped_column(String(128))
    signed_date: Mapped[dt.date | None] = mapped_column(Date)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    interpretation_page: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))          # pending, in_force, amended, repealed, expired
    opinion_number: Mapped[str | None] = mapped_column(String(64))      # 合法性审核意见书
    filed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))   # 备案
    filing_number: Mapped[str | None] = mapped_column(String(64))
    # 施行日期 and 有效期至 are fixed at publication (publishing/register_rules.py), or, for a normative
    # document naming no date, when its gazette issue is released: NULL until then (待定, status
    # pending). Migration 0010 wrote the publication day into rows from before 0004.
    effective_date: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reported_on: Mapped[dt.date | None] = mapped_column(Date)           # 报备日期 (migration 0018)
    reported_to: Mapped[str | None] = mapped_column(String(128))        # 报备机关


class RegisterLinkRow(Base):
    """One document amending or repealing another: `by_entry` acts on `entry`. A repeal may name no
    document (by_entry None, a reason instead). Both entries read the link: amends / amended_by."""
    __tablename__ = "register_links"
    __table_args__ = (PrimaryKeyConstraint("id", name="pk_register_links"),
                      UniqueConstraint("kind", "entry_id", "by_entry_id", name="uq_register_links_kind_entry_by"),
                      Index("ix_register_links_entry_id", "entry_id"),
                      Index("ix_register_links_by_entry_id", "by_entry_id"))
    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))               # amend, repeal
    entry_id: Mapped[int] = mapped_column(ForeignKey("register_entries.id", name="fk_register_links_entry_id"))
    by_entry_id: Mapped[int | None] = mapped_column(ForeignKey("register_entries.id",
                                                               name="fk_register_links_by_entry_id"))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ConsultationRow(Base):
    """Public comment on a major decision (重大行政决策预公开)."""
    __tablename__ = "consultations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    opens: Mapped[dt.date] = mapped_column(Date)
    closes: Mapped[dt.date] = mapped_column(Date)
    shortened_reason: Mapped[str | None] = mapped_column(Text)
    notice_path: Mapped[str | None] = mapped_column(Text)
    notice_sha256: Mapped[str | None] = mapped_column(String(64))
    summary_sha256: Mapped[str | None] = mapped_column(String(64))
    summary_path: Mapped[str | None] = mapped_column(Text)
    summary_published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CommentRow(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    author: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    adopted: Mapped[str | None] = mapped_column(String(16))     # 采纳, 部分采纳, 未采纳
    response: Mapped[str | None] = mapped_column(Text)
    # Online comments (网络征集, migration 0018): source 'online' waits in moderation
    # (pending / accepted / rejected) until the drafting office accepts it; 'imported' needs none.
    source: Mapped[str] = mapped_column(String(16), server_default="imported", default="imported")
    moderation: Mapped[str | None] = mapped_column(String(16))
    contact: Mapped[str | None] = mapped_column(Text)
    client: Mapped[str | None] = mapped_column(String(64))          # a hash of the client, for throttling
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ReminderRow(Base):
    """A deadline found due or overdue by the scheduled check; recorded once per state."""
    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("kind", "dossier_id", "due", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))          # legality_review, consultation, filing
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), index=True)
    due: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))        # due_soon, due_today, overdue
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class GazetteIssueRow(Base):
    """An issue of the government gazette (政府公报): 2019年第8期（总第120期）. Every issue since
    the first stays here (DESIGN.md rule 7); a released issue is never changed again."""
    __tablename__ = "gazette_issues"
    __table_args__ = (PrimaryKeyConstraint("id", name="pk_gazette_issues"),
                      UniqueConstraint("year", "number", name="uq_gazette_issues_year_number"),
                      UniqueConstraint("total", name="uq_gazette_issues_total"))
    id: Mapped[str] = mapped_column(String(16))                 # "2019-8": year-number, readable
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)                # 期号 within the year
    total: Mapped[int] = mapped_column(Integer)                 # 总期号, running since the first issue
    status: Mapped[str] = mapped_column(String(16))             # draft, released
    planned_date: Mapped[dt.date | None] = mapped_column(Date)  # 计划出版日期, checked at add time
    release_date: Mapped[dt.date | None] = mapped_column(Date)  # 出版日期 printed on the cover
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    released_by: Mapped[str | None] = mapped_column(String(64))
    print_name: Mapped[str | None] = mapped_column(Text)        # the print edition's file name
    print_sha256: Mapped[str | None] = mapped_column(String(64))
    web_sha256: Mapped[str | None] = mapped_column(String(64))  # of the electronic edition's manifest
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))   # every add and the release
    row_version: Mapped[int] = mapped_column(Integer, server_default="1")
    # An add racing the release must not slip an item into an issue already printed.
    __mapper_args__ = {"version_id_col": row_version}


class GazetteIssueItemRow(Base):
    """A queued gazette item placed in an issue. The unique item_id keeps an item in one issue only."""
    __tablename__ = "gazette_issue_items"
    __table_args__ = (PrimaryKeyConstraint("id", name="pk_gazette_issue_items"),
                      UniqueConstraint("item_id", name="uq_gazette_issue_items_item_id"),
                      Index("ix_gazette_issue_items_issue_id", "issue_id"))
    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    issue_id: Mapped[str] = mapped_column(ForeignKey("gazette_issues.id", name="fk_gazette_issue_items_issue_id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("gazette_items.id", name="fk_gazette_issue_items_item_id"))
    section: Mapped[str] = mapped_column(String(32))            # as decided when added (shown before release)
    position: Mapped[int | None] = mapped_column(Integer)       # order in the issue; editors reorder (0018)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class GazetteImportRow(Base):
    """Marks a released gazette issue as imported history (an issue printed before Lockstep):
    where it came from, the original file's fingerprint (kept in the object store) and who imported it."""
    __tablename__ = "gazette_imports"
    __table_args__ = (PrimaryKeyConstraint("issue_id", name="pk_gazette_imports"),)
    issue_id: Mapped[str] = mapped_column(ForeignKey("gazette_issues.id", name="fk_gazette_imports_issue_id"))
    source: Mapped[str] = mapped_column(String(16))             # issue_docx, item_docx (with a CSV index)
    source_name: Mapped[str] = mapped_column(Text)              # the issue docx, or the CSV index
    source_sha256: Mapped[str] = mapped_column(String(64))
    issue_date: Mapped[dt.date | None] = mapped_column(Date)    # as printed on the cover, where found
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class GazetteImportedItemRow(Base):
    """An item of an imported issue: no dossier behind it, its original docx in the object store."""
    __tablename__ = "gazette_imported_items"
    __table_args__ = (PrimaryKeyConstraint("id", name="pk_gazette_imported_items"),
                      UniqueConstraint("issue_id", "position", name="uq_gazette_imported_items_issue_position"))
    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    issue_id: Mapped[str] = mapped_column(ForeignKey("gazette_issues.id",
                                                     name="fk_gazette_imported_items_issue_id"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(String(64))
    organ: Mapped[str | None] = mapped_column(String(128))
    signed_date: Mapped[dt.date | None] = mapped_column(Date)
    source_name: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))


class DerivedObjectRow(Base):
    """Something made once from a stored original and kept in the object store: a docx's HTML
    (made by mammoth) or its text (read by python-docx) at publication, reused at every later
    release. `maker` names what made it: a newer maker's output is made afresh, not mixed in."""
    __tablename__ = "derived_objects"
    __table_args__ = (PrimaryKeyConstraint("source_sha256", "kind", "maker", name="pk_derived_objects"),)
    source_sha256: Mapped[str] = mapped_column(String(64))     # the original (a docx) in the object store
    kind: Mapped[str] = mapped_column(String(16))              # html, text
    maker: Mapped[str] = mapped_column(String(64))             # e.g. "mammoth 1.13.0"
    object_sha256: Mapped[str] = mapped_column(String(64))     # the derived object in the object store
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class GazetteCorrectionRow(Base):
    """A 更正启事 placed in a (later, draft) issue, correcting a released one (publishing/corrections.py).
    The corrected item is kept as that issue printed it: the released issue itself never changes."""
    __tablename__ = "gazette_corrections"
    __table_args__ = (PrimaryKeyConstraint("id", name="pk_gazette_corrections"),
                      Index("ix_gazette_corrections_issue_id", "issue_id"),
                      Index("ix_gazette_corrections_corrects_issue_id", "corrects_issue_id"))
    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    issue_id: Mapped[str] = mapped_column(ForeignKey("gazette_issues.id", name="fk_gazette_corrections_issue_id"))
    corrects_issue_id: Mapped[str] = mapped_column(ForeignKey("gazette_issues.id",
                                                              name="fk_gazette_corrections_corrects_issue_id"))
    # gazette_items.id, or gazette_imported_items.id for an imported issue: no foreign key for either.
    corrects_item: Mapped[int | None] = mapped_column(Integer)
    corrects_dossier: Mapped[str | None] = mapped_column(String(32))
    corrects_title: Mapped[str | None] = mapped_column(Text)
    corrects_number: Mapped[str | None] = mapped_column(String(64))
    corrects_position: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CounterRow(Base):
    """Locking counters (storage/counters.py): dossier ids, opinion and registration numbers."""
    __tablename__ = "counters"
    __table_args__ = (PrimaryKeyConstraint("sequence", "year", name="pk_counters"),)
    sequence: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(Integer)


class JobRow(Base):
    """The outbox (storage/jobs.py): machine work a decision starts, written in the decision's
    transaction and claimed by any worker; `kind` is 'publish' (a signed-off dossier version), and
    the same rows carry any later kind (a gazette release). One row per (kind, dossier, fingerprint)."""
    __tablename__ = "jobs"
    __table_args__ = (PrimaryKeyConstraint("id", name="pk_jobs"),
                      UniqueConstraint("kind", "dossier_id", "fingerprint", name="uq_jobs_kind_dossier_fingerprint"),
                      Index("ix_jobs_status_kind", "status", "kind"))
    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    dossier_id: Mapped[str] = mapped_column(String(32))        # the subject; a gazette release names its issue
    fingerprint: Mapped[str] = mapped_column(String(64))       # the version the decision was about
    status: Mapped[str] = mapped_column(String(16))            # review/lifecycles.py JOB
    claimed_by: Mapped[str | None] = mapped_column(String(200))   # host:pid:random
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[dict | None] = mapped_column(JSON)      # a coded problem
    actor: Mapped[str | None] = mapped_column(String(64))      # who made the decision that started it
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[dict | None] = mapped_column(JSON)          # the work's answer (0018)
    not_before: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))   # scheduled work


class DeliberationRow(Base):
    """The 集体审议 record of a dossier version: meeting, session number, date, minutes (0018)."""
    __tablename__ = "deliberations"
    __table_args__ = (PrimaryKeyConstraint("id", name="pk_deliberations"),
                      UniqueConstraint("dossier_id", "version", name="uq_deliberations_dossier_version"),
                      Index("ix_deliberations_held_on", "held_on"))
    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id", name="fk_deliberations_dossier_id"))
    version: Mapped[int] = mapped_column(Integer)
    meeting: Mapped[str] = mapped_column(Text)
    session_number: Mapped[int | None] = mapped_column(Integer)
    held_on: Mapped[dt.date] = mapped_column(Date)
    minutes_name: Mapped[str | None] = mapped_column(Text)
    minutes_sha256: Mapped[str | None] = mapped_column(String(64))
    minutes_text: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# ---------------------------------------------------------------- notifications (issue 14)

class NotificationRow(Base):
    """One message to the person who acts next (services/home/notifications.py): written in the
    transaction of the decision that makes them the next actor (or by the scheduled check for a
    deadline), shown in their desk inbox, and mailed by a sender that claims it afterwards (an
    outbox, as jobs). `key` makes each notice once: a rerun adds nothing."""
    __tablename__ = "notifications"
    __table_args__ = (PrimaryKeyConstraint("id", name="pk_notifications"),
                      UniqueConstraint("key", name="uq_notifications_key"),
                      Index("ix_notifications_person_read", "person", "read_at"),
                      Index("ix_notifications_mail_status", "mail_status"))
    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300))
    person: Mapped[str] = mapped_column(String(64))             # the recipient's login name
    kind: Mapped[str] = mapped_column(String(32))               # queue, sign, returned, due_soon, overdue
    dossier_id: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))        # the desk page it is about
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    address: Mapped[str | None] = mapped_column(String(320))     # e-mail at the time; NULL: inbox only
    mail_status: Mapped[str] = mapped_column(String(16))         # review/lifecycles.py MAIL
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)               # why not sent (yet), in Chinese
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


# ---------------------------------------------------------------- accounts (issue 13: stateless desks)
# People, passwords, tokens, sessions and the sign-in throttle live in the database, so any desk
# process answers any request (storage/repos/accounts.py; migration 0016).

class AccountRow(Base):
    """A person: lockstep.toml seeds these rows; after that the database is the record."""
    __tablename__ = "people"
    __table_args__ = (PrimaryKeyConstraint("name", name="pk_people"),)
    name: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(128))
    roles: Mapped[list] = mapped_column(JSON)
    display: Mapped[str | None] = mapped_column(String(128))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_by: Mapped[str | None] = mapped_column(String(64))    # who; "lockstep.toml" when the file dropped them
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CredentialRow(Base):
    """A person's desk password: scrypt (salted, per person); never the password itself."""
    __tablename__ = "credentials"
    __table_args__ = (PrimaryKeyConstraint("name", name="pk_credentials"),)
    name: Mapped[str] = mapped_column(String(64))
    scrypt: Mapped[dict] = mapped_column(JSON)          # {"n", "r", "p"}
    salt: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(128))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApiTokenRow(Base):
    """An API token's SHA-256 (the token is shown once); one per person."""
    __tablename__ = "api_tokens"
    __table_args__ = (PrimaryKeyConstraint("digest", name="pk_api_tokens"), Index("ix_api_tokens_name", "name"))
    digest: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DeskSessionRow(Base):
    """A desk session by the SHA-256 of its cookie token (the token is never kept). Times are
    seconds since the epoch, from the desk's clock."""
    __tablename__ = "desk_sessions"
    __table_args__ = (PrimaryKeyConstraint("digest", name="pk_desk_sessions"),
                      Index("ix_desk_sessions_name", "name"), Index("ix_desk_sessions_expires", "expires"))
    digest: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    csrf: Mapped[str] = mapped_column(String(64))
    created: Mapped[float] = mapped_column(Float)
    seen: Mapped[float] = mapped_column(Float)
    expires: Mapped[float] = mapped_column(Float)       # min(created + absolute, seen + idle)


class LoginFailureRow(Base):
    """One failed sign-in under one throttle key (desk/auth.py throttle_keys), at a time in seconds."""
    __tablename__ = "login_failures"
    __table_args__ = (PrimaryKeyConstraint("id", name="pk_login_failures"),
                      Index("ix_login_failures_key_at", "key", "at"))
    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[float] = mapped_column(Float)


class ConfigVersionRow(Base):
    """The configuration as recorded: lockstep.toml's content without its machine-local [storage],
    by content hash. The newest row is the configuration every process uses."""
    __tablename__ = "config_versions"
    __table_args__ = (PrimaryKeyConstraint("seq", name="pk_config_versions"),
                      Index("ix_config_versions_sha256", "sha256"))
    seq: Mapped[int] = mapped_column(Integer, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(600))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ConfigSourceRow(Base):
    """What each home's lockstep.toml (host:path) held when last read: the file seeds the
    database only when it changes."""
    __tablename__ = "config_sources"
    __table_args__ = (PrimaryKeyConstraint("source", name="pk_config_sources"),)
    source: Mapped[str] = mapped_column(String(600))
    sha256: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
