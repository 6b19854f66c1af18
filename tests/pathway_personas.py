"""Personas for the questionnaire rules: answers and the expected outcome, with the basis.

Each expectation names the law or source it rests on (see app/content/pathway/rules.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass, field

KT = "kuntouttava-tyotoiminta"
SK = "sosiaalinen-kuntoutus"
D27 = "vammaisten-tyollistymista-tukeva-toiminta"
E27 = "vammaisten-tyotoiminta"
KVT = "kehitysvammaisten-tyotoiminta"


@dataclass(frozen=True)
class Persona:
    name: str
    answers: dict[str, tuple[str, ...]]
    likely: set[str]
    possible: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)


def answers(**values: str | tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {k: v if isinstance(v, tuple) else (v,) for k, v in values.items()}


PERSONAS = [
    # VATES 2013: 36-year-old long-term unemployed man, alcohol use, plans to study.
    # Act 189/2001 §1–2 (long-term unemployed with limits) → KT;
    # substance support → services alongside (THL 2026 ch. 5).
    Persona(
        "vates-long-term-unemployed-man",
        answers(
            age="30-64",
            situation="unemployed-long",
            jobseeker="yes",
            limits="some",
            disability="no",
            goal="studies",
            support="substance",
        ),
        likely={KT, "mielenterveys-ja-paihdepalvelut"},
        possible={SK, "ammatillinen-kuntoutus"},
    ),
    # THL case 2: young adult, interrupted studies, isolated at home → social rehabilitation
    # first (Social Welfare Act 1301/2014 §17); not a registered job seeker → register first,
    # kuntouttava työtoiminta only "possible" until registered (189/2001 §1–2).
    Persona(
        "thl-isolated-young-adult",
        answers(
            age="18-24",
            situation="other",
            jobseeker="no",
            limits="a-lot",
            disability="no",
            goal="everyday-life",
            support="loneliness",
        ),
        likely={SK},
        possible={"tyollisyyspalvelut", "kohtaamispaikat", KT},
    ),
    # THL/Parik case: young person with an intellectual disability from a special vocational school
    # → work activity under Act 675/2023; wants a job → §27 d employment support and job coaching.
    Persona(
        "parik-young-person-intellectual-disability",
        answers(
            age="18-24",
            situation="student",
            jobseeker="no",
            limits="some",
            disability="yes",
            intellectual_disability="yes",
            goal="job",
            support="none",
        ),
        likely={KVT, D27},
        possible={SK, "tyohonvalmennus", "ammatillinen-kuntoutus"},
    ),
    # Over 64, lonely: the work-related services are for working age (189/2001 §1, THL 2026
    # ch. 1) → meeting places; social rehabilitation has no upper age in §17 → "ask".
    Persona(
        "over-64",
        answers(age="65-plus", disability="no", support="loneliness"),
        likely=set(),
        possible={"kohtaamispaikat", SK},
        excluded={KT, D27, E27},
    ),
    # Under 18 without an intellectual disability: adults' services (THL 2026 ch. 1).
    Persona(
        "under-18",
        answers(age="under-18", intellectual_disability="no"),
        likely=set(),
        excluded={KT, D27, E27},
    ),
    # Employed without limits: KT is for the unemployed (Act 189/2001 §1–2).
    Persona(
        "employed-no-limits",
        answers(age="30-64", situation="employed", limits="none", goal="job", support="none"),
        likely=set(),
        excluded={KT},
    ),
    # Employed with limits: occupational health care and the earnings-related pension
    # provider's vocational rehabilitation first, Kela second (tela.fi).
    Persona(
        "employed-with-limits",
        answers(
            age="30-64",
            situation="employed",
            limits="some",
            disability="no",
            goal="job",
            support="none",
        ),
        likely={"ammatillinen-kuntoutus"},
        excluded={KT},
    ),
    # Recently unemployed and able to work → employment services first, not social services
    # (Act 381/2023 employment plan; THL 2026 ch. 2).
    Persona(
        "recently-unemployed-able-to-work",
        answers(
            age="30-64",
            situation="unemployed-short",
            jobseeker="yes",
            limits="none",
            goal="job",
            support="none",
        ),
        likely={"tyollisyyspalvelut"},
        possible={"tyokokeilu"},
    ),
    # Disability pension, wants meaningful days → §27 e work activity (710/1982 §27 e);
    # a pension excludes KT (VS 2021), social rehabilitation fits instead.
    Persona(
        "disability-pension-daily-activity",
        answers(
            age="30-64",
            situation="pension",
            limits="a-lot",
            disability="yes",
            intellectual_disability="no",
            goal="daily-activity",
            support="none",
        ),
        likely={E27, SK},
        excluded={KT},
    ),
    # Rehabilitation subsidy without a disability → social rehabilitation (1301/2014 §17).
    Persona(
        "rehabilitation-subsidy-everyday-life",
        answers(
            age="30-64",
            situation="pension",
            limits="some",
            disability="no",
            goal="everyday-life",
            support="none",
        ),
        likely={SK},
        excluded={KT},
    ),
    # Long-term unemployed, unsure about limits → KT possible (189/2001), SK possible.
    Persona(
        "long-term-unemployed-unsure",
        answers(
            age="30-64",
            situation="unemployed-long",
            jobseeker="yes",
            limits="unsure",
            disability="no",
            goal="unsure",
            support="none",
        ),
        likely=set(),
        possible={KT, SK},
    ),
    # Short unemployment but many limits → KT possible (HE 109/2025 proposal), SK possible.
    Persona(
        "short-unemployment-many-limits",
        answers(
            age="30-64",
            situation="unemployed-short",
            jobseeker="yes",
            limits="a-lot",
            disability="no",
            goal="unsure",
            support="none",
        ),
        likely=set(),
        possible={KT, SK},
    ),
    # Same but not a registered job seeker → registration first (likely); kuntouttava
    # työtoiminta only possible until then (189/2001 §1–2; Kela: registration from 1.2.2026).
    Persona(
        "not-registered-many-limits",
        answers(
            age="30-64",
            situation="unemployed-short",
            jobseeker="no",
            limits="a-lot",
            disability="no",
            goal="unsure",
            support="none",
        ),
        likely={"tyollisyyspalvelut"},
        possible={SK, KT},
    ),
    # Unsure about a disability, wants a job → §27 d possible, job coaching possible.
    Persona(
        "unsure-disability-wants-job",
        answers(
            age="30-64",
            situation="unemployed-long",
            jobseeker="yes",
            limits="some",
            disability="unsure",
            intellectual_disability="no",
            goal="job",
            support="none",
        ),
        likely={KT},
        possible={D27, SK, "tyohonvalmennus", "tyokokeilu", "palkkatuki", "ammatillinen-kuntoutus"},
    ),
    # Unsure about an intellectual disability → work activity possible, never likely.
    Persona(
        "unsure-intellectual-disability",
        answers(
            age="25-29",
            situation="other",
            jobseeker="unsure",
            limits="some",
            disability="yes",
            intellectual_disability="unsure",
            goal="unsure",
            support="none",
        ),
        likely=set(),
        possible={KVT, SK, "tyollisyyspalvelut", "tyokokeilu"},
    ),
    # Mental health support wanted → services alongside (THL 2026 ch. 5).
    Persona(
        "mental-health-support",
        answers(
            age="30-64",
            situation="unemployed-long",
            jobseeker="yes",
            limits="a-lot",
            disability="no",
            goal="everyday-life",
            support="mental-health",
        ),
        likely={KT, SK, "mielenterveys-ja-paihdepalvelut"},
    ),
    # Loneliness while able to work → employment services first for work; meeting places;
    # social rehabilitation only "possible": the need is assessed first (THL 2026 ch. 5.2.2).
    Persona(
        "lonely-able-to-work",
        answers(
            age="30-64",
            situation="unemployed-short",
            jobseeker="yes",
            limits="none",
            goal="unsure",
            support="loneliness",
        ),
        likely={"tyollisyyspalvelut"},
        possible={"kohtaamispaikat", "tyokokeilu", SK},
    ),
    # Student whose health limits studying → Kela vocational rehabilitation possible, SK possible.
    Persona(
        "student-with-limits",
        answers(
            age="18-24",
            situation="student",
            jobseeker="no",
            limits="some",
            disability="no",
            goal="studies",
            support="none",
        ),
        likely=set(),
        possible={SK, "ammatillinen-kuntoutus"},
    ),
    # Student without limits → the employment area's own services.
    Persona(
        "student-no-limits",
        answers(
            age="25-29",
            situation="student",
            jobseeker="no",
            limits="none",
            goal="studies",
            support="none",
        ),
        likely={"tyollisyyspalvelut"},
    ),
    # No limits, wants something to do → low-threshold meeting places (podcast 2023).
    Persona(
        "other-no-limits-daily-activity",
        answers(
            age="30-64",
            situation="other",
            jobseeker="no",
            limits="none",
            goal="daily-activity",
            support="none",
        ),
        likely=set(),
        possible={"kohtaamispaikat", "tyollisyyspalvelut"},
    ),
    # Long-term unemployed able to work → employment services, work trial, pay subsidy; not KT.
    Persona(
        "long-term-unemployed-able-to-work",
        answers(
            age="30-64",
            situation="unemployed-long",
            jobseeker="yes",
            limits="none",
            goal="job",
            support="none",
        ),
        likely={"tyollisyyspalvelut"},
        possible={"tyokokeilu", "palkkatuki"},
    ),
    # Long-term unemployed with a disability who wants a job → KT and §27 d.
    Persona(
        "long-term-unemployed-disabled-wants-job",
        answers(
            age="30-64",
            situation="unemployed-long",
            jobseeker="yes",
            limits="a-lot",
            disability="yes",
            intellectual_disability="no",
            goal="job",
            support="none",
        ),
        likely={KT, D27},
        possible={SK, "tyohonvalmennus", "ammatillinen-kuntoutus"},
    ),
    # Intellectual disability, many limits, meaningful days → work activity and day activity.
    Persona(
        "intellectual-disability-day-activity",
        answers(
            age="30-64",
            situation="pension",
            limits="a-lot",
            disability="yes",
            intellectual_disability="yes",
            goal="daily-activity",
            support="none",
        ),
        likely={KVT, E27, SK},
        possible={"paivatoiminta"},
        excluded={KT},
    ),
    # Young long-term unemployed with some limits wanting a job.
    Persona(
        "young-long-term-unemployed-wants-job",
        answers(
            age="18-24",
            situation="unemployed-long",
            jobseeker="yes",
            limits="some",
            disability="no",
            goal="job",
            support="none",
        ),
        likely={KT},
        possible={SK, "ammatillinen-kuntoutus", "tyokokeilu", "palkkatuki"},
    ),
    # Disability pension but wants a job → §27 d (710/1982 §27 d) and §27 e; KT excluded.
    Persona(
        "pension-disabled-wants-job",
        answers(
            age="30-64",
            situation="pension",
            limits="some",
            disability="yes",
            intellectual_disability="no",
            goal="job",
            support="none",
        ),
        likely={D27, E27},
        possible={SK, "tyohonvalmennus"},
        excluded={KT},
    ),
    # Money worries only, employed → no service, but the money note (see notes_for).
    Persona(
        "employed-money-worries",
        answers(age="30-64", situation="employed", limits="none", goal="unsure", support="money"),
        likely=set(),
        excluded={KT},
    ),
    # --- Cases added for issue 15 (review of 2026-12-05) --------------------------------
    # Partial disability pension, registered jobseeker: the pension does not by itself rule
    # out kuntouttava työtoiminta (TE services; 189/2001 §1) → "possible", never excluded.
    Persona(
        "partial-pension-jobseeker",
        answers(
            age="30-64",
            situation="pension-partial",
            jobseeker="yes",
            limits="some",
            disability="no",
            goal="job",
            support="none",
        ),
        likely=set(),
        possible={KT, SK},
    ),
    # Full disability pension, wants meaningful days: kuntouttava työtoiminta usually not
    # possible (regional practice, "ask"); social rehabilitation and meeting places instead.
    Persona(
        "full-pension-daily-activity",
        answers(
            age="30-64",
            situation="pension",
            limits="some",
            disability="no",
            goal="daily-activity",
            support="none",
        ),
        likely={SK},
        possible={"kohtaamispaikat"},
        excluded={KT},
    ),
    # Employed with a lot of limits and a disability: occupational health and work pension
    # rehabilitation first (tela.fi); no social-services work activity for an employed person.
    Persona(
        "employed-with-many-limits",
        answers(
            age="30-64",
            situation="employed",
            limits="a-lot",
            disability="yes",
            intellectual_disability="no",
            goal="job",
            support="none",
        ),
        likely={"ammatillinen-kuntoutus"},
        possible={"tyohonvalmennus"},
        excluded={KT},
    ),
    # Over 64 with an intellectual disability: day activity (THL 2026 ch. 5.4, Pirkanmaa).
    Persona(
        "over-64-intellectual-disability",
        answers(age="65-plus", disability="yes", intellectual_disability="yes", support="none"),
        likely={"paivatoiminta"},
        possible={"kohtaamispaikat"},
        excluded={KT, D27, E27},
    ),
    # Over 64, unsure about an intellectual disability: day activity only "possible".
    Persona(
        "over-64-unsure-intellectual-disability",
        answers(
            age="65-plus", disability="unsure", intellectual_disability="unsure", support="none"
        ),
        likely=set(),
        possible={"paivatoiminta", "kohtaamispaikat"},
        excluded={KT, D27, E27},
    ),
    # Parent of a 16–17-year-old with an intellectual disability: plan the transition with
    # disability social work before school ends (guide kehitysvammaisten-tyotoiminta#access).
    Persona(
        "parent-of-minor-intellectual-disability",
        answers(age="under-18", intellectual_disability="yes", municipality="091"),
        likely=set(),
        possible={KVT},
        excluded={KT, D27, E27},
    ),
    # Under 25, recently unemployed, able to work: employment services (under-25 note).
    Persona(
        "under-25-recently-unemployed",
        answers(
            age="18-24",
            situation="unemployed-short",
            jobseeker="yes",
            limits="none",
            goal="studies",
            support="none",
        ),
        likely={"tyollisyyspalvelut"},
    ),
    # Åland (Maarianhamina): the same rules; the result page adds Åland's own route.
    Persona(
        "aland-long-term-unemployed",
        answers(
            age="30-64",
            situation="unemployed-long",
            jobseeker="yes",
            limits="some",
            disability="no",
            goal="job",
            support="none",
            municipality="478",
        ),
        likely={KT},
        possible={SK, "ammatillinen-kuntoutus", "tyokokeilu", "palkkatuki"},
    ),
    # Immigrant not registered as a jobseeker, wants a job: register first; integration
    # services in a note (Act 681/2023).
    Persona(
        "immigrant-wants-job",
        answers(
            age="30-64",
            situation="other",
            jobseeker="no",
            limits="some",
            disability="no",
            goal="job",
            support="integration",
        ),
        likely=set(),
        possible={SK, "tyollisyyspalvelut", "tyokokeilu", "ammatillinen-kuntoutus"},
    ),
    # "Don't know" to everything: nothing is "likely" except registering as a jobseeker.
    Persona(
        "dont-know-answers",
        answers(
            age="30-64",
            situation="unemployed-long",
            jobseeker="unsure",
            limits="unsure",
            disability="unsure",
            intellectual_disability="unsure",
            goal="unsure",
            support="none",
        ),
        likely={"tyollisyyspalvelut"},
        possible={KT, SK, KVT},
    ),
    # Substance use and mental health with a full pension: services alongside; the urgent
    # help box is shown on the page (tests/test_pathway_pages.py).
    Persona(
        "pension-substance-and-mental-health",
        answers(
            age="30-64",
            situation="pension",
            limits="a-lot",
            disability="no",
            goal="everyday-life",
            support=("substance", "mental-health"),
        ),
        likely={SK, "mielenterveys-ja-paihdepalvelut"},
        excluded={KT},
    ),
]
