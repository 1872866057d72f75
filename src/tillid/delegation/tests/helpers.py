from tillid.delegation import services
from tillid.delegation.access import Subject


def dose(
    person,
    by,
    *,
    step=None,
    task="Planlægge weekendvagter",
    ratings=(3, 3, 3),
    risk=(1, 1),
    **extra,
):
    c, i, r = ratings
    consequence, reversibility = risk
    from tillid.delegation.ladder import suggest_step

    suggested = suggest_step(
        competence=c, intention=i, resources=r, consequence=consequence, reversibility=reversibility
    ).step
    return services.record_dosing(
        subject=Subject(person=person),
        task=task,
        competence=c,
        intention=i,
        resources=r,
        consequence=consequence,
        reversibility=reversibility,
        chosen_step=step or suggested,
        reason=extra.pop("reason", "" if step in (None, suggested) else "Et bevidst valg"),
        decided_by=by,
        **extra,
    )


def breach(dosing, by, **extra):
    import datetime as dt

    return services.record_breach(
        dosing=dosing,
        happened_on=extra.pop("happened_on", dt.date(2026, 1, 15)),
        what_happened=extra.pop("what_happened", "Vagtplanen blev ikke meldt ud i tide"),
        causes=extra.pop("causes", {"cause_resources": True}),
        bad_faith_suspected=extra.pop("bad_faith_suspected", False),
        recorded_by=by,
    )
