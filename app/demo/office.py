"""Demo data for the office: a repeat complainant whom the intake flags point out.

Rory Respondent has complained about Petra Practitioner before (dismissed, in
app/demo/cases.py). Here he complains about her twice more over the same plan for the
same client: the second complaint is dismissed for insufficient facts, the third waits
at intake, where the chair sees the flags (same parties, a respondent with other recent
cases, a complainant dismissed as unfounded twice).
"""
from __future__ import annotations

from app.demo.cases import CHAIR, RORY, Charge, DemoCase, Step, _file, load_missing

REPEAT_CASES = (
    DemoCase(
        days_ago=25, filer=RORY, respondent="CCM-100006", relation="other_certificant",
        charges=(Charge("S13", 70, facts=(
            "Petra is still keeping our shared client in part-time work in his old job "
            "instead of retraining him. I think this plan is wrong for him and she will not "
            "change it.")),),
        remedy="That another case manager takes over.",
        steps=(Step(4, "dismiss", CHAIR, data={"reason": "insufficient_facts"}, text=(
            "The complaint repeats the disagreement already considered and adds no fact "
            "suggesting a breach of the Standards.")),)),
    DemoCase(
        days_ago=3, filer=RORY, respondent="CCM-100006", relation="other_certificant",
        charges=(Charge("S13", 65, facts=(
            "Petra keeps our shared client in part-time work in his old job instead of "
            "retraining him, and will not change the plan although I told her it is wrong.")),),
        remedy="That the plan is reviewed and Petra is warned."),
)


def load_demo_office() -> int:
    """File the repeat complainant's cases that are missing; return how many were added."""
    return load_missing(REPEAT_CASES, _file)
