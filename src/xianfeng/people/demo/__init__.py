"""The demo county 青山县: a fictional, deterministic county for `seed_demo`, tests and
benchmarks.

Planning is plain Python driven by a fixed seed (`plan_county`), so the same arguments give
the same county; writing (`seed_county`) is a handful of bulk INSERTs in one transaction.
The org tree does not depend on the member count, and dates are drawn so that `today` only
shifts them, never changes which names, codes or ID numbers come out. The personas and the
tables names are drawn from live in `names`, the planning in `plan`, the writing in `seed`.
"""

from __future__ import annotations

from xianfeng.people.demo.names import (
    AREA_CODE,
    BATCH,
    COUNTY,
    DEFAULT_MEMBERS,
    EDUCATIONS,
    ETHNICITIES,
    ETHNICITY_WEIGHTS,
    MOBILE_PLACES,
    MOBILE_WEIGHTS,
    ORGAN_JUDGE,
    PASSWORD,
    PERSONA_MEMBERS,
    PERSONAS,
    POSITION_ROLES,
    ROOT,
    SEED,
    SURNAME_WEIGHTS,
    SURNAMES,
    TOWN_1,
    VILLAGE_SECRETARY,
    VILLAGE_SITE,
    Persona,
    persona_table,
)
from xianfeng.people.demo.plan import (
    BranchPlan,
    CountyPlan,
    PersonPlan,
    SeedReport,
    plan_county,
    plan_orgs,
)
from xianfeng.people.demo.seed import (
    county_digest,
    seed_county,
)

__all__ = [
    "AREA_CODE",
    "BATCH",
    "COUNTY",
    "DEFAULT_MEMBERS",
    "EDUCATIONS",
    "ETHNICITIES",
    "ETHNICITY_WEIGHTS",
    "MOBILE_PLACES",
    "MOBILE_WEIGHTS",
    "ORGAN_JUDGE",
    "PASSWORD",
    "PERSONAS",
    "PERSONA_MEMBERS",
    "POSITION_ROLES",
    "ROOT",
    "SEED",
    "SURNAMES",
    "SURNAME_WEIGHTS",
    "TOWN_1",
    "VILLAGE_SECRETARY",
    "VILLAGE_SITE",
    "BranchPlan",
    "CountyPlan",
    "PersonPlan",
    "Persona",
    "SeedReport",
    "county_digest",
    "persona_table",
    "plan_county",
    "plan_orgs",
    "seed_county",
]
