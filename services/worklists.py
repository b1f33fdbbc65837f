"""Who may see and act on what: a person's review queue, their unit's dossiers, what awaits a
signer. Read by the desk's pages and its JSON API alike."""
from __future__ import annotations

from review.config import Person, same_unit
from review.model import STATE_NAMES
from services.context import Services

OPEN_STATES = ("submitted", "in_review")
SIGNED_STATES = ("signed_off", "published", "registered")


def reviews(config, who: Person) -> bool:
    """The person holds a role some pipeline stage needs."""
    roles = {r for pl in config.pipelines for s in pl.stages for r in s.roles}
    return bool(roles & set(who.roles))


def rights(svc: Services, who: Person, dossier_id: str) -> tuple[bool, list[str]]:
    """(may see the dossier, the stages the person may act on now)."""
    from review.gate import active_stages
    from services.review import load, pipeline_for
    with svc.session() as s:
        row, view = load(s, dossier_id)
        stages = active_stages(pipeline_for(svc.config, view.current), view.current)
        submitter = who.name in view.submitters
    own_unit = same_unit(who.unit, row.drafting_unit)
    on_stage = [st for st in stages if set(st.roles) & set(who.roles) and (not st.same_unit or own_unit)]
    see = (own_unit or bool(on_stage) or "signer" in who.roles
           or (row.state in SIGNED_STATES and {"gazette_editor", "registrar"} & set(who.roles)))
    act = [st.id for st in on_stage] if not submitter and row.state in OPEN_STATES else []
    return see, act


def waiting_for(svc: Services, who: Person) -> list[dict]:
    """Dossiers waiting on a stage this person may approve: the stage is in the gate's blocking
    list with a role the person holds (and the unit, for a same-unit stage), and the person did
    not submit the dossier."""
    from review.gate import active_stages, approved_stages, prerequisites
    from services.deadlines import legality_due
    from services.review import answer_in, load, pipeline_for, today
    from storage.repository import Dossiers
    out = []
    on = today(svc)
    with svc.session() as s:
        for row in Dossiers(s).list(500):
            if row.state not in OPEN_STATES:
                continue
            _, view = load(s, row.id)
            if who.name in view.submitters:
                continue
            answer = answer_in(s, svc, view)
            stages = active_stages(pipeline_for(svc.config, view.current), view.current)
            specs = {st.id: st for st in stages}
            done = approved_stages(view.current, Dossiers(s).decisions(row.id), stages)
            for b in answer.blocking:
                spec = specs.get(b.stage or "")
                if b.code != "stage_not_approved" or spec is None or not set(b.roles or ()) & set(who.roles):
                    continue
                if spec.same_unit and not same_unit(who.unit, row.drafting_unit):
                    continue
                before = [specs[p].name for p in prerequisites(spec, stages) if p not in done and p in specs]
                # Only the legality review has a time limit in law (config clocks.legality_review).
                due = legality_due(s, svc, row, on) if spec.id == "legality" else None
                out.append({"due": due.due if due else None, "due_status": due.status if due else None,
                            "due_note": due.note if due else None,
                            "due_text": f"{due.due:%Y-%m-%d}（{due.status_name}，{due.period}）" if due else None,"dossier": row.id, "title": row.title, "doc_number": row.doc_number,
                            "drafting_unit": row.drafting_unit, "version": answer.version,
                            "stage": spec.id, "stage_name": spec.name, "waiting_on": before,
                            "state_name": STATE_NAMES.get(row.state, row.state)})
    return out


def desk_lists(svc: Services, who: Person) -> tuple[list[dict], list[dict]]:
    """The person's own unit's dossiers, and for a signer the open dossiers with their gate."""
    from services.review import answer_in, load
    from storage.repository import Dossiers
    mine, to_sign = [], []
    with svc.session() as s:
        for row in Dossiers(s).list(200):
            item = {"dossier": row.id, "title": row.title, "doc_number": row.doc_number,
                    "state_name": STATE_NAMES.get(row.state, row.state), "drafting_unit": row.drafting_unit}
            if same_unit(who.unit, row.drafting_unit):
                mine.append(item)
            if "signer" in who.roles and row.state in OPEN_STATES:
                _, view = load(s, row.id)
                to_sign.append({**item, "ready": answer_in(s, svc, view).ready})
    return mine, to_sign
