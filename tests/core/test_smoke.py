from kam_core.rollup import rollup_plans
from tests.factories import TODAY, World


def test_plan_rollup_follows_the_rules(world: World) -> None:
    plan = world.plan()
    first = world.objective(plan, weight=3)
    second = world.objective(plan)
    t1 = world.tactic(first)
    world.tasks(t1, "completed", "completed", "skipped", "not_started")  # 2 of 3 counted = 66.7%
    t2 = world.tactic(second)
    world.tasks(t2, "completed", "blocked")  # 50%
    rollup = rollup_plans(world.session, world.workspace.id, [plan.id], TODAY)
    assert round(rollup[t1.ref].percent, 4) == round(200 / 3, 4)
    assert rollup[t2.ref].percent == 50.0
    # plan = (66.67 * 3 + 50 * 1) / 4 = 62.5
    assert round(rollup[plan.ref].percent, 4) == 62.5
