"""Who may see and act on what: a person's review queue, their unit's dossiers, what awaits a
signer. Read by the desk's pages and its JSON API alike."""
from __future__ import annotations

from pydantic import BaseModel

from documents.problems import Problem, Refused, problem
from review import rules
from review.config import Person
from review.model import STATE_NAMES
from review.units import same_unit
from services.home.context import Services

OPEN_STATES = ("submitted", "in_review")
SIGNED_STATES = ("signed_off", "published", "registered")


def reviews(config, who: Person) -> bool:
    """The person holds a role some pipeline stage needs (the desk offers the review queue)."""
    return rules.reviews_anything(who, config.pipelines)


class Access(BaseModel, frozen=True):
    """What one person may do with one dossier, as the rulebook answers it: per action, None
    (allowed) or the guard's refusal. An action not asked about is refused (fail closed)."""
    dossier: str
    act: list[str] = []            # the stages the person may decide on now
    refusals: dict[str, Problem | None] = {}

    def why_not(self, action: str) -> Problem | None:
        if action not in self.refusals:
            return problem("not_permitted", f"未定义的操作 {action}")
        return self.refusals[action]

    def may(self, action: str) -> bool:
        return self.why_not(action) is None

    # The actions pages offer, by name (templates read these).
    download = property(lambda self: self.may("download"))
    submit_version = property(lambda self: self.may("submit_version"))
    sign_off = property(lambda self: self.may("sign_off"))
    set_disclosure = property(lambda self: self.may("set_disclosure"))
    withhold = property(lambda self: self.may("withhold"))


def access(svc: Services, who: Person, dossier_id: str) -> Access:
    """Refused with `not_found`, exactly as for a missing dossier, when the person may not see it."""
    from review.gate import active_stages
    from services.review.actions import load, pipeline_for
    with svc.unit() as uow:
        row, view = load(uow, dossier_id)
        pipeline = pipeline_for(svc.config, view.current)
        stages = active_stages(pipeline, view.current)
    # Seen by whoever acts on a stage this version must pass (the guard asks: publicity only at 高 risk).
    if refusal := rules.may_see(who, dossier_id, row.drafting_unit, row.state, pipeline, view.current):
        raise Refused(refusal)
    withheld = row.withheld_at is not None
    act = [st.id for st in stages
           if row.state in OPEN_STATES and rules.may_decide(who, view.submitters, row.drafting_unit, st) is None]
    public = rules.is_public(row.disclosure, withheld)
    sign = rules.may_sign_off(who, view.submitters) or (
        None if row.state in OPEN_STATES else problem("invalid_state", "卷宗不在待签发状态"))
    return Access(dossier=dossier_id, act=act, refusals={
        "download": rules.may_download(who, dossier_id, row.drafting_unit, row.state, pipeline, view.current,
                                       public),
        "submit_version": rules.may_submit_version(who, row.drafting_unit, row.state),
        "sign_off": sign,
        "set_disclosure": rules.may_set_disclosure(who, row.drafting_unit, row.state),
        "withhold": rules.may_withhold(who, row.state, withheld),
    })


def rights(svc: Services, who: Person, dossier_id: str) -> tuple[bool, list[str]]:
    """(may see the dossier, the stages the person may act on now); a missing dossier and one the
    person may not see both answer (False, [])."""
    try:
        return True, access(svc, who, dossier_id).act
    except Refused as r:
        if r.problem.code != "not_found":
            raise
        return False, []


def waiting_for(svc: Services, who: Person) -> list[dict]:
    """Dossiers waiting on a stage this person may approve: the stage is in the gate's blocking
    list with a role the person holds (and the unit, for a same-unit stage), and the person did
    not submit the dossier."""
    from review.gate import active_stages, approved_stages, prerequisites
    from services.review.deadlines import legality_due
    from services.review.actions import answer_of, load_many, pipeline_for
    out = []
    with svc.reading() as uow:
        many = load_many(uow, svc, uow.dossiers.in_states(OPEN_STATES))   # every open one, read at once
        on = many.today
        for row in many.rows:                                # the oldest first: a queue never drops one
            view = many.views[row.id]
            if who.name in view.submitters:
                continue
            stages = active_stages(pipeline_for(svc.config, view.current), view.current)
            if all(rules.may_decide(who, view.submitters, row.drafting_unit, st) is not None for st in stages):
                continue        # no stage here this person may decide (another unit's unit check): no gate to work out
            answer = answer_of(uow, svc, row, many)
            specs = {st.id: st for st in stages}
            done = approved_stages(view.current, many.decisions[row.id], stages)
            for b in answer.blocking:
                spec = specs.get(b.stage or "")
                if b.code != "stage_not_approved" or spec is None or not set(b.roles or ()) & set(who.roles):
                    continue
                if rules.may_decide(who, view.submitters, row.drafting_unit, spec) is not None:
                    continue
                before = [specs[p].name for p in prerequisites(spec, stages) if p not in done and p in specs]
                # Only the legality review has a time limit in law (config clocks.legality_review).
                due = legality_due(uow, svc, row, on, many) if spec.id == "legality" else None
                out.append({"due": due.due if due else None, "due_status": due.status if due else None,
                            "due_note": due.note if due else None,
                            "due_text": f"{due.due:%Y-%m-%d}（{due.status_name}，{due.period}）" if due else None,"dossier": row.id, "title": row.title, "doc_number": row.doc_number,
                            "drafting_unit": row.drafting_unit, "version": answer.version,
                            "stage": spec.id, "stage_name": spec.name, "waiting_on": before,
                            "state_name": STATE_NAMES.get(row.state, row.state)})
    return out


# The newest of a unit's own dossiers the desk's home page lists (the rest: by number or search).
MINE_SHOWN = 200


def _item(row) -> dict:
    return {"dossier": row.id, "title": row.title, "doc_number": row.doc_number,
            "state_name": STATE_NAMES.get(row.state, row.state), "drafting_unit": row.drafting_unit}


def desk_lists(svc: Services, who: Person) -> tuple[list[dict], list[dict]]:
    """The person's own unit's newest dossiers (MINE_SHOWN), and for a signer every open dossier whose
    gate is open (待签发; one still short of something is the reviewers' or the office's, not the
    signer's), however many dossiers other units have: neither list is cut from all dossiers."""
    from services.review.actions import answer_of, load_many
    to_sign = []
    signer = rules.may_sign_off(who, ()) is None        # the guard, before any dossier is read
    with svc.reading() as uow:
        units = [u for u in uow.dossiers.unit_names() if same_unit(who.unit, u)]
        mine = [_item(row) for row in uow.dossiers.of_units(units, MINE_SHOWN)]
        if signer:
            many = load_many(uow, svc, uow.dossiers.in_states(OPEN_STATES))
            for row in many.rows:
                if (rules.may_sign_off(who, many.views[row.id].submitters) is None
                        and answer_of(uow, svc, row, many).ready):     # 待签发: only dossiers whose gate is open
                    to_sign.append({**_item(row), "ready": True})
    return mine, to_sign
