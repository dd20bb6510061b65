"""`kam demo seed`: a realistic oncology KAM workspace, with dates around today so that progress, risk
and digests look like a team in the middle of its year.

A global oncology objective cascades to 2 affiliates and 4 territories; 6 accounts; 4 account plans
with objectives, tactics and tasks across 3 members; a territory plan; an active sprint; templates;
stakeholders; and digest subscriptions for the team channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.enums import Role, Source
from kam_core.errors import KamError
from kam_core.models import Plan, Workspace
from kam_core.models import Task as TaskModel
from kam_core.services import (
    goals,
    objectives,
    plans,
    reference,
    sprints,
    stakeholders,
    subscriptions,
    tactics,
    tasks,
    templates,
    workspaces,
)

TEAM_NAME = "Acme Pharma"
CHANNELS = {"C0KAMTEAM": "kam-team", "C0ONCDACH": "oncology-dach", "C0GENERAL": "general"}


@dataclass(frozen=True)
class DemoPerson:
    user_id: str
    name: str
    email: str
    tz: str
    role: Role


PEOPLE = (
    DemoPerson("U0ALICE", "Alice Adler", "alice.adler@acme-pharma.example", "Europe/Berlin", Role.ADMIN),
    DemoPerson("U0BOB", "Bob Brandt", "bob.brandt@acme-pharma.example", "Europe/Berlin", Role.KAM),
    DemoPerson("U0CAROL", "Carol Castro", "carol.castro@acme-pharma.example", "Europe/Zurich", Role.MANAGER),
    DemoPerson("U0DAN", "Dan Dahl", "dan.dahl@acme-pharma.example", "Europe/Stockholm", Role.VIEWER),
)

# (tactic index within plan, title, assignee, due offset from today, final status)
Task = tuple[str, str, int, str]


def seed_demo(session: Session, *, team_id: str, today: date) -> Workspace:
    """Seed the demo workspace; refuses when the workspace already has plans."""
    workspace = workspaces.ensure_workspace(session, team_id=team_id, name=TEAM_NAME)
    existing = session.scalar(select(func.count(Plan.id)).where(Plan.workspace_id == workspace.id))
    if existing:
        raise KamError(f"workspace {team_id} already has {existing} plans; nothing was seeded")
    people: dict[str, Actor] = {}
    for person in PEOPLE:
        member = workspaces.ensure_member(
            session,
            workspace=workspace,
            slack_user_id=person.user_id,
            name=person.name,
            email=person.email,
            tz=person.tz,
        )
        people[person.user_id] = Actor(member, Source.CLI)
    alice, carol = people["U0ALICE"], people["U0CAROL"]
    if alice.role is not Role.ADMIN:
        raise KamError(f"workspace {team_id} already has members; seed the demo into a fresh workspace")
    for person in PEOPLE[1:]:
        workspaces.grant_role(session=session, actor=alice, slack_user_id=person.user_id, role=person.role)
    _reference_data(session, alice)
    start, end = today - timedelta(days=150), today + timedelta(days=215)
    _goals(session, alice, start, end)
    _templates(session, carol)
    sprint = sprints.create_sprint(
        session=session,
        actor=alice,
        data={
            "name": "Oncology sprint 12",
            "start_date": today - timedelta(days=5),
            "end_date": today + timedelta(days=8),
            "goal": "Advisory board confirmed; Charité dossier submitted",
        },
    )
    sprints.start_sprint(session=session, actor=alice, ref=sprint.ref)
    sprints.create_sprint(
        session=session,
        actor=alice,
        data={
            "name": "Oncology sprint 13",
            "start_date": today + timedelta(days=9),
            "end_date": today + timedelta(days=22),
            "goal": "Formulary committee follow-up",
        },
    )
    _plans(session, people, today, start, end, sprint.ref)
    for channel, kind, scope_type, scope, at in (
        ("C0KAMTEAM", "sprint", "sprint", sprint.ref, "09:00"),
        ("C0ONCDACH", "rollup", "business_objective", "BO-1", "08:30"),
    ):
        subscriptions.subscribe(
            session=session,
            actor=alice,
            data={
                "channel_id": channel,
                "kind": kind,
                "scope_type": scope_type,
                "scope": scope,
                "local_time": at,
                "timezone": "Europe/Berlin",
                "weekdays": [0, 1, 2, 3, 4],
            },
        )
    return workspace


def _reference_data(session: Session, admin: Actor) -> None:
    for name, level, parent, manager in (
        ("Global Oncology", "global", None, None),
        ("DACH", "affiliate", "Global Oncology", "U0CAROL"),
        ("Nordics", "affiliate", "Global Oncology", None),
        ("Berlin", "territory", "DACH", None),
        ("Munich", "territory", "DACH", None),
        ("Stockholm", "territory", "Nordics", None),
        ("Copenhagen", "territory", "Nordics", None),
    ):
        reference.create_territory(
            session=session, actor=admin, name=name, level=level, parent=parent, manager=manager
        )
        session.flush()
    for ext, name, kind, territory in (
        ("CRM-0001", "Charité – Universitätsmedizin Berlin", "University hospital", "Berlin"),
        ("CRM-0002", "Vivantes Klinikum Neukölln", "Hospital", "Berlin"),
        ("CRM-0003", "LMU Klinikum München", "University hospital", "Munich"),
        ("CRM-0004", "TUM Klinikum rechts der Isar", "University hospital", "Munich"),
        ("CRM-0005", "Karolinska University Hospital", "University hospital", "Stockholm"),
        ("CRM-0006", "Rigshospitalet", "University hospital", "Copenhagen"),
    ):
        reference.create_account(
            session=session, actor=admin, name=name, external_id=ext, account_type=kind, territory=territory
        )
    session.flush()
    for ext, name, title, account in (
        ("CON-101", "Dr Anna Weber", "Head of Oncology", "CRM-0001"),
        ("CON-102", "Prof Klaus Richter", "Director of Pharmacy", "CRM-0001"),
        ("CON-103", "Dr Lena Vogel", "Breast Cancer Centre Lead", "CRM-0001"),
        ("CON-301", "Prof Maria Huber", "Chief of Haematology/Oncology", "CRM-0003"),
        ("CON-302", "Dr Felix Bauer", "Formulary Committee Chair", "CRM-0003"),
        ("CON-501", "Dr Erik Lindqvist", "Thoracic Oncology Lead", "CRM-0005"),
        ("CON-601", "Dr Mette Hansen", "Head of Clinical Pharmacology", "CRM-0006"),
    ):
        reference.create_contact(
            session=session, actor=admin, name=name, title=title, account=account, external_id=ext
        )
    for product in ("Oncorex", "Immunavir"):
        reference.create_product(session=session, actor=admin, name=product)
    session.flush()


def _goals(session: Session, admin: Actor, start: date, end: date) -> None:
    def make(
        name: str, level: str, parent: str | None, territory: str | None, target: int, current: int
    ) -> None:
        goals.create_goal(
            session=session,
            actor=admin,
            data={
                "name": name,
                "level": level,
                "parent": parent,
                "territory": territory,
                "period_start": start,
                "period_end": end,
                "measure": {
                    "unit": "currency",
                    "target": target,
                    "current": current,
                    "currency": "EUR",
                    "label": "Oncorex net sales",
                },
            },
        )

    make("Grow Oncorex share in European oncology", "global", None, "Global Oncology", 30_000_000, 0)
    make("DACH: Oncorex to 18% share", "affiliate", "BO-1", "DACH", 18_000_000, 0)
    make("Nordics: Oncorex launch excellence", "affiliate", "BO-1", "Nordics", 12_000_000, 0)
    make("Berlin oncology centres", "territory", "BO-2", "Berlin", 9_000_000, 3_100_000)
    make("Munich oncology centres", "territory", "BO-2", "Munich", 9_000_000, 2_400_000)
    make("Stockholm lung cancer access", "territory", "BO-3", "Stockholm", 7_000_000, 1_900_000)
    make("Copenhagen access", "territory", "BO-3", "Copenhagen", 5_000_000, 1_000_000)


def _templates(session: Session, manager: Actor) -> None:
    templates.create_tactic_template(
        session=session,
        actor=manager,
        data={
            "name": "KOL advisory board",
            "description": "Plan and run a regional advisory board",
            "items": [
                {"title": "Draft advisory board agenda", "offset_days": 0},
                {"title": "Invite KOLs and confirm attendance", "offset_days": 7},
                {"title": "Brief MSL team", "offset_days": 14},
                {"title": "Run the advisory board and share minutes", "offset_days": 30},
            ],
        },
    )
    templates.create_tactic_template(
        session=session,
        actor=manager,
        data={
            "name": "Formulary submission",
            "description": "Get a product onto a hospital formulary",
            "items": [
                {"title": "Collect formulary requirements", "offset_days": 0},
                {"title": "Prepare value dossier", "offset_days": 10},
                {"title": "Present to the drug committee", "offset_days": 30},
            ],
        },
    )
    templates.create_objective_template(
        session=session,
        actor=manager,
        data={
            "name": "Formulary listing",
            "description": "Listed on the hospital formulary",
            "measure_unit": "number",
            "measure_label": "hospitals listed",
            "measure_target": 1,
            "tactics": ["Formulary submission"],
        },
    )


PLANS: list[dict[str, object]] = [
    {
        "account": "CRM-0001",
        "name": "Charité Oncology 2027",
        "owner": "U0BOB",
        "participants": ["U0ALICE"],
        "vision": "Charité treats every eligible patient with Oncorex by the end of 2027.",
        "strengths": "Strong KOL relationships in the Breast Cancer Centre",
        "threats": "Competitor biosimilar tender in Q3",
        "objectives": [
            (
                "Formulary listing for Oncorex",
                "BO-4",
                2,
                ("currency", 2_500_000, 1_100_000, "Oncorex net sales"),
                [
                    (
                        "Hospital formulary dossier",
                        1,
                        [
                            ("Collect formulary requirements from pharmacy", "U0BOB", -40, "completed"),
                            ("Prepare HTA value dossier", "U0BOB", -12, "completed"),
                            ("Health-economic model review with Prof Richter", "U0ALICE", -2, "in_progress"),
                            ("Submit dossier to drug committee", "U0BOB", 0, "not_started"),
                            ("Answer committee questions", "U0BOB", 6, "not_started"),
                        ],
                    ),
                    (
                        "Pharmacy stakeholder mapping",
                        1,
                        [
                            ("Map pharmacy decision makers", "U0ALICE", -30, "completed"),
                            ("Meet Director of Pharmacy", "U0BOB", -3, "blocked"),
                            ("Legacy pricing review", "U0BOB", -20, "skipped"),
                        ],
                    ),
                ],
            ),
            (
                "KOL advisory board",
                "BO-4",
                1,
                None,
                [
                    (
                        "KOL outreach",
                        1,
                        [
                            ("Call Dr Weber about the advisory board", "U0BOB", 0, "not_started"),
                            ("Send MSL deck to Dr Vogel", "U0CAROL", -2, "not_started"),
                            ("Book venue for the advisory board", None, 5, "not_started"),
                            ("Confirm 6 KOL attendees", "U0BOB", 4, "in_progress"),
                            ("Draft advisory board agenda", "U0ALICE", -8, "completed"),
                        ],
                    ),
                ],
            ),
            (
                "Patient pathway optimisation",
                None,
                1,
                None,
                [
                    (
                        "Pathway mapping workshop",
                        1,
                        [
                            ("Interview tumour board coordinator", "U0ALICE", 20, "not_started"),
                            ("Map current referral pathway", "U0BOB", 35, "not_started"),
                        ],
                    ),
                ],
            ),
        ],
    },
    {
        "account": "CRM-0003",
        "name": "LMU Breast Cancer Pathway",
        "owner": "U0CAROL",
        "participants": ["U0BOB"],
        "vision": "Become LMU's partner of choice for HER2+ breast cancer care.",
        "objectives": [
            (
                "Formulary committee approval",
                "BO-5",
                1,
                ("currency", 1_800_000, 900_000, "Oncorex net sales"),
                [
                    (
                        "Formulary submission",
                        1,
                        [
                            ("Collect formulary requirements", "U0CAROL", -60, "completed"),
                            ("Prepare value dossier", "U0CAROL", -45, "completed"),
                            ("Present to the drug committee", "U0CAROL", -10, "completed"),
                            ("Follow up on committee decision", "U0BOB", 3, "not_started"),
                        ],
                    ),
                ],
            ),
            (
                "Nurse education programme",
                "BO-5",
                1,
                None,
                [
                    (
                        "Nurse training sessions",
                        1,
                        [
                            ("Schedule training with ward managers", "U0BOB", -5, "completed"),
                            ("Run session 1", "U0BOB", 10, "not_started"),
                            ("Run session 2", "U0CAROL", 24, "not_started"),
                        ],
                    ),
                ],
            ),
        ],
    },
    {
        "account": "CRM-0005",
        "name": "Karolinska Lung Program",
        "owner": "U0ALICE",
        "participants": [],
        "vision": "Oncorex in the Karolinska first-line NSCLC protocol.",
        "objectives": [
            (
                "First-line protocol inclusion",
                "BO-6",
                1,
                ("currency", 2_000_000, 400_000, "Oncorex net sales"),
                [
                    (
                        "Protocol evidence package",
                        1,
                        [
                            ("Compile Nordic real-world evidence", "U0ALICE", -25, "completed"),
                            ("Medical review with Dr Lindqvist", "U0ALICE", -6, "not_started"),
                            ("Submit protocol proposal", "U0ALICE", 15, "not_started"),
                        ],
                    ),
                ],
            ),
        ],
    },
    {
        "account": "CRM-0006",
        "name": "Rigshospitalet Access",
        "owner": "U0BOB",
        "participants": ["U0ALICE"],
        "visibility": "private",
        "vision": "Confidential pricing negotiation for 2027 tender.",
        "objectives": [
            (
                "Tender readiness",
                "BO-7",
                1,
                None,
                [
                    (
                        "Tender pricing scenarios",
                        1,
                        [
                            ("Model three pricing scenarios", "U0BOB", -15, "completed"),
                            ("Align with market access", "U0ALICE", 8, "not_started"),
                        ],
                    ),
                ],
            ),
        ],
    },
]


def _plans(
    session: Session, people: dict[str, Actor], today: date, start: date, end: date, sprint: str
) -> None:
    for index, spec in enumerate(PLANS):
        owner = people[str(spec["owner"])]
        plan = plans.create_account_plan(
            session=session,
            actor=owner,
            data={
                "account": spec["account"],
                "name": spec["name"],
                "owner": spec["owner"],
                "period_start": start,
                "period_end": end,
                "participants": spec["participants"],
                "vision": spec.get("vision"),
                "strengths": spec.get("strengths"),
                "threats": spec.get("threats"),
                "visibility": spec.get("visibility", "workspace"),
                "products": ["Oncorex"],
            },
        )
        plans.set_plan_status(session=session, actor=owner, ref=plan.ref, status="in_progress")
        for name, goal, weight, measure, tactic_specs in spec["objectives"]:  # type: ignore[attr-defined]
            data: dict[str, object] = {
                "plan": plan.ref,
                "name": name,
                "contributes_to": goal,
                "weight": weight,
                "owner": spec["owner"],
                "due_date": end - timedelta(days=30),
            }
            if measure:
                unit, target, current, label = measure
                data["measure"] = {
                    "unit": unit,
                    "target": target,
                    "current": current,
                    "currency": "EUR",
                    "label": label,
                }
            objective = objectives.add_objective(session=session, actor=owner, data=data)
            for t_index, (t_name, t_weight, task_specs) in enumerate(tactic_specs):
                in_sprint = index in (0, 1) and t_index == 0
                tactic = tactics.add_tactic(
                    session=session,
                    actor=owner,
                    data={
                        "objective": objective.ref,
                        "name": t_name,
                        "weight": t_weight,
                        "sprint": sprint
                        if in_sprint or (index == 0 and name == "KOL advisory board")
                        else None,
                        "owner": spec["owner"],
                    },
                )
                tactics.set_tactic_status(session=session, actor=owner, ref=tactic.ref, status="in_progress")
                _tasks(session, people, owner, tactic.ref, task_specs, today)
    for ref, stakeholder in (
        (
            "AP-1",
            {
                "contact": "CON-101",
                "influence": "high",
                "strength": "medium",
                "covering": "U0BOB",
                "objective": "OBJ-2",
            },
        ),
        (
            "AP-1",
            {
                "contact": "CON-102",
                "influence": "high",
                "strength": "low",
                "covering": "U0ALICE",
                "objective": "OBJ-1",
            },
        ),
        ("AP-1", {"contact": "CON-103", "influence": "medium", "strength": "high", "covering": "U0CAROL"}),
        ("AP-2", {"contact": "CON-302", "influence": "high", "strength": "medium", "covering": "U0CAROL"}),
    ):
        stakeholders.add_stakeholder(
            session=session, actor=people["U0ALICE"], data={"plan": ref, **stakeholder}
        )
    territory_plan = plans.create_territory_plan(
        session=session,
        actor=people["U0BOB"],
        data={
            "territory": "Berlin",
            "name": "Berlin Territory Plan 2027",
            "period_start": start,
            "period_end": end,
            "participants": ["U0ALICE"],
            "vision": "Grow Oncorex across Berlin's oncology centres.",
        },
    )
    objective = objectives.add_objective(
        session=session,
        actor=people["U0BOB"],
        data={
            "plan": territory_plan.ref,
            "name": "Vivantes onboarding",
            "contributes_to": "BO-4",
            "measure": {
                "unit": "currency",
                "target": Decimal(600_000),
                "current": Decimal(150_000),
                "currency": "EUR",
                "label": "Oncorex net sales",
            },
        },
    )
    tactic = tactics.add_tactic(
        session=session,
        actor=people["U0BOB"],
        data={
            "objective": objective.ref,
            "template": "KOL advisory board",
            "start_date": today - timedelta(days=10),
        },
    )
    first = session.scalar(
        select(func.min(TaskModel.number)).where(
            TaskModel.workspace_id == tactic.workspace_id, TaskModel.tactic_id == tactic.id
        )
    )
    tasks.complete_task(session=session, actor=people["U0BOB"], ref=f"TSK-{first}")


def _tasks(
    session: Session, people: dict[str, Actor], owner: Actor, tactic: str, specs: list[Task], today: date
) -> None:
    for title, assignee, due_offset, status in specs:
        change = tasks.add_task(
            session=session,
            actor=owner,
            data={
                "tactic": tactic,
                "title": title,
                "assignee": assignee,
                "due_date": today + timedelta(days=due_offset),
            },
        )
        ref = change.task.ref
        actor = people[assignee] if assignee else owner
        if people.get(assignee or "", owner).role is Role.VIEWER:
            actor = owner
        if status == "completed":
            tasks.complete_task(session=session, actor=actor, ref=ref)
        elif status == "in_progress":
            tasks.start_task(session=session, actor=actor, ref=ref)
        elif status == "blocked":
            tasks.block_task(
                session=session, actor=actor, ref=ref, reason="Waiting for the pharmacy's calendar"
            )
        elif status == "skipped":
            tasks.skip_task(session=session, actor=owner, ref=ref)
