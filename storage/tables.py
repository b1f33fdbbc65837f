"""The ORM's classes, mapped onto the tables of storage/schema.py (the one home of the schema).

A write unit (storage/unit.py) hands these out: a service may change a row's fields, `add` a new row
or `delete` one, and the commit writes them. A read unit never imports this module (nor
`sqlalchemy.orm`): its repositories query storage/schema.py's tables and hand out read-only rows
with the same attribute names.
"""
from sqlalchemy.orm import DeclarativeBase

from storage import schema


class Base(DeclarativeBase):
    metadata = schema.metadata


class DossierRow(Base):
    __table__ = schema.dossiers
    # Optimistic locking: every change to a dossier checks nobody changed it since it was read,
    # so a sign-off racing a resubmission (or two reviewers) cannot both win.
    __mapper_args__ = {"version_id_col": schema.dossiers.c.row_version}

class VersionRow(Base):
    __table__ = schema.versions

class FileRow(Base):
    __table__ = schema.version_files

class DecisionRow(Base):
    __table__ = schema.decisions

class EventRow(Base):
    """The audit chain: append-only, each row hashing the previous one."""
    __table__ = schema.events

class GazetteItemRow(Base):
    __table__ = schema.gazette_items

class PageRow(Base):
    """A rendered web-release page: stored as an object and written under the home's site folder."""
    __table__ = schema.pages

class RegisterEntryRow(Base):
    __table__ = schema.register_entries

class RegisterLinkRow(Base):
    """One document amending or repealing another: `by_entry` acts on `entry`. A repeal may name no
    document (by_entry None, a reason instead). Both entries read the link: amends / amended_by."""
    __table__ = schema.register_links

class ConsultationRow(Base):
    """Public comment on a major decision (重大行政决策预公开)."""
    __table__ = schema.consultations

class CommentRow(Base):
    __table__ = schema.comments

class ReminderRow(Base):
    """A deadline found due or overdue by the scheduled check; recorded once per state."""
    __table__ = schema.reminders

class GazetteIssueRow(Base):
    """An issue of the government gazette (政府公报): 2019年第8期（总第120期）. Every issue since
    the first stays here (DESIGN.md rule 7); a released issue is never changed again."""
    __table__ = schema.gazette_issues
    # An add racing the release must not slip an item into an issue already printed.
    __mapper_args__ = {"version_id_col": schema.gazette_issues.c.row_version}

class GazetteIssueItemRow(Base):
    """A queued gazette item placed in an issue. The unique item_id keeps an item in one issue only."""
    __table__ = schema.gazette_issue_items

class GazetteImportRow(Base):
    """Marks a released gazette issue as imported history (an issue printed before Lockstep):
    where it came from, the original file's fingerprint (kept in the object store) and who imported it."""
    __table__ = schema.gazette_imports

class GazetteImportedItemRow(Base):
    """An item of an imported issue: no dossier behind it, its original docx in the object store."""
    __table__ = schema.gazette_imported_items

class DerivedObjectRow(Base):
    """Something made once from a stored original and kept in the object store: a docx's HTML
    (made by mammoth) or its text (read by python-docx) at publication, reused at every later
    release. `maker` names what made it: a newer maker's output is made afresh, not mixed in."""
    __table__ = schema.derived_objects

class GazetteCorrectionRow(Base):
    """A 更正启事 placed in a (later, draft) issue, correcting a released one (publishing/corrections.py).
    The corrected item is kept as that issue printed it: the released issue itself never changes."""
    __table__ = schema.gazette_corrections

class CounterRow(Base):
    """Locking counters (storage/counters.py): dossier ids, opinion and registration numbers."""
    __table__ = schema.counters

class JobRow(Base):
    """The outbox (storage/jobs.py): machine work a decision starts, written in the decision's
    transaction and claimed by any worker; `kind` is 'publish' (a signed-off dossier version), and
    the same rows carry any later kind (a gazette release). One row per (kind, dossier, fingerprint)."""
    __table__ = schema.jobs

class DeliberationRow(Base):
    """The 集体审议 record of a dossier version: meeting, session number, date, minutes (0018)."""
    __table__ = schema.deliberations

class NotificationRow(Base):
    """One message to the person who acts next (services/home/notifications.py): written in the
    transaction of the decision that makes them the next actor (or by the scheduled check for a
    deadline), shown in their desk inbox, and mailed by a sender that claims it afterwards (an
    outbox, as jobs). `key` makes each notice once: a rerun adds nothing."""
    __table__ = schema.notifications

class AccountRow(Base):
    """A person: lockstep.toml seeds these rows; after that the database is the record."""
    __table__ = schema.people

class CredentialRow(Base):
    """A person's desk password: scrypt (salted, per person); never the password itself."""
    __table__ = schema.credentials

class ApiTokenRow(Base):
    """An API token's SHA-256 (the token is shown once); one per person."""
    __table__ = schema.api_tokens

class DeskSessionRow(Base):
    """A desk session by the SHA-256 of its cookie token (the token is never kept). Times are
    seconds since the epoch, from the desk's clock."""
    __table__ = schema.desk_sessions

class LoginFailureRow(Base):
    """One failed sign-in under one throttle key (desk/auth.py throttle_keys), at a time in seconds."""
    __table__ = schema.login_failures

class ConfigVersionRow(Base):
    """The configuration as recorded: lockstep.toml's content without its machine-local [storage],
    by content hash. The newest row is the configuration every process uses."""
    __table__ = schema.config_versions

class ConfigSourceRow(Base):
    """What each home's lockstep.toml (host:path) held when last read: the file seeds the
    database only when it changes."""
    __table__ = schema.config_sources


def mapped_class(table):
    """The mapped class of a table of storage/schema.py (storage/rows.py: a write unit's rows)."""
    return _BY_TABLE[table.name]


_BY_TABLE = {cls.__table__.name: cls for cls in Base.__subclasses__()}
