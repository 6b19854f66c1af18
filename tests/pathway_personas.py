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
    # first (Social Welfare Act 1301/2014 §17); not a registered job seeker → register.
    Persona(
        "thl-isolated-young-adult",
        answers(
            age="18-29",
            situation="other",
            jobseeker="no",
            limits="a-lot",
            disability="no",
            goal="everyday-life",
            support="loneliness",
        ),
        likely={SK},
        possible={"tyollisyyspalvelut", "kohtaamispaikat"},
    ),
    # THL/Parik case: young person with an intellectual disability from a special vocational school
    # → work activity under Act 675/2023; wants a job → §27 d employment support and job coaching.
    Persona(
        "parik-young-person-intellectual-disability",
        answers(
            age="18-29",
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
    # Over 64: the services are for working age (THL 2026 ch. 1, 4.1) → primary services.
    Persona("over-64", answers(age="65-plus"), likely=set(), excluded={KT, SK, D27, E27}),
    # Under 18: adults' services (THL 2026 ch. 1).
    Persona("under-18", answers(age="under-18"), likely=set(), excluded={KT, D27, E27}),
    # Employed without limits: KT is for the unemployed (Act 189/2001 §1–2).
    Persona(
        "employed-no-limits",
        answers(age="30-64", situation="employed", limits="none", goal="job", support="none"),
        likely=set(),
        excluded={KT},
    ),
    # Employed with limits: vocational rehabilitation (VS 2021 health check → Kela rehabilitation).
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
    # Same but not a registered job seeker → register first (VS 2021).
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
        likely=set(),
        possible={SK, "tyollisyyspalvelut"},
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
    # Unsure about an intellectual disability → work activity under 675/2023 possible.
    Persona(
        "unsure-intellectual-disability",
        answers(
            age="18-29",
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
    # Loneliness while able to work → social rehabilitation (prevents exclusion, §17),
    # meeting places, and employment services first for work.
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
        likely={SK, "tyollisyyspalvelut"},
        possible={"kohtaamispaikat", "tyokokeilu"},
    ),
    # Student whose health limits studying → Kela vocational rehabilitation possible, SK possible.
    Persona(
        "student-with-limits",
        answers(
            age="18-29",
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
            age="18-29",
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
            age="18-29",
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
]
