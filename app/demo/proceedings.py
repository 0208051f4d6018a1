"""Demo proceedings: cases carried past the answer, along every path issue 6 adds.

Like app/demo/cases.py, each `Proceeding` below is filed and moved along through the
real services and `workflow.apply()`, on a clock set back to when each step happened:
members declare "no conflict" (or withdraw) through app/coi, the investigator keeps
the investigation file, members vote through `cast_vote`, the administrator issues
each document as it falls due. Nothing assigns `case.status`. Two decisions are left
to the deadline sweep, run once at the end with the clock at the present: their
appeal periods have just ended, so the sweep makes them final (and closes the one
with no sanction). A case is recognised by the facts of its first allegation, so
loading again adds nothing.

The paths, and who serves where (the investigator never sits on a panel of the case;
no hearing-panel member sits on its appeal panel). Members: Charles (the chair), Mina,
Marco, Nadia, Omar, Paula, Quentin.

  path (final state)             parties          investigator  review votes  hearing panel  appeal panel
  dismissed at review            Clara → Wanda    Nadia         Ch, Mi, Om    —              —
  consent agreement (final)      Rory → Wanda     Omar          Ch, Mi, Pa    —              —
  violation, suspension (final)  Wanda → Rory     Marco         Ch, Pa, Qu    Ch, Na, Om     —
  no violation (closed)          Clara → Rory     Quentin       Ch, Ma, Pa    Ma, Na, Pa     —
  appeal modifies (final)        Rory → Clara     Nadia         Ch, Mi, Ma    Mi, Ma, Om     Ch, Pa, Qu
  appeal remands (review)        Wanda → Clara    Paula         Ch, Om, Qu    Mi, Na, Qu     Ch, Ma, Om
  hearing postponed (scheduled)  Rory → Wanda     Quentin       Ch, Mi, Na    Mi, Om→Na, Pa  —

Mina, recused from one of Rory's earlier cases on his objection, withdraws from his
cases; Marco withdraws from Wanda's (his neighbour), as he did before. In the postponed
hearing's case Wanda names counsel (Lena Lawyer), who asks for the postponement; Omar
withdraws after the hearing is set and the chair appoints Nadia in his
place: the system moves the hearing again (the parties' objection window and the notice
period). Members who
take no part in a case have not declared on it: it waits for their declaration.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from werkzeug.datastructures import FileStorage

from app import clock
from app.accounts.services import find_by_email
from app.cases import services
from app.cases.models import Case
from app.cases.uploads import check_and_store
from app.coi import services as coi
from app.demo.cases import (
    CHAIR,
    CLARA,
    MARCO,
    MINA,
    RORY,
    WANDA,
    Charge,
    Step,
    _allegation,
    _pdf,
    load_missing,
)
from app.demo.cases import demo_file as cases_demo_file
from app.documents import services as documents
from app.policy import can
from app.proceedings import services as p
from app.proceedings import workflow
from app.proceedings.documents import DOCUMENT_TYPES
from app.registry.services import find_by_number
from app.representatives import services as representatives

ADMIN = "admin@example.org"
NADIA, OMAR = "member3@example.org", "member4@example.org"
PAULA, QUENTIN = "member5@example.org", "member6@example.org"
COUNSEL = "counsel@example.org"  # Lena Lawyer, Wanda's counsel in the postponed hearing

HEARING_HOUR = time(10, 0)
HEARING_ROOM = "Committee room 2, 14 Harbour Street"

MINA_WITHDRAWS = ("Rory Respondent and I worked in the same team at Northgate Hospital "
                  "until 2022, and he objected to my sitting on another of his cases. I "
                  "withdraw from this one too.")
MARCO_WITHDRAWS = "Wanda Witness is my neighbour and a friend of many years."


@dataclass(frozen=True)
class Proceeding:
    path: str  # what the case shows, in a few words
    days_ago: int  # when the case was filed
    filer: str
    respondent: str  # registry number
    charges: tuple[Charge, ...]
    serving: tuple[str, ...]  # members who declare "no conflict" the day after filing
    steps: tuple[Step, ...]
    relation: str = "client"
    remedy: str = ""
    files: tuple[str, ...] = ()
    swept: bool = False  # the sweep at the end moves it on (the appeal period ended)


def votes(day: float, question: str, *cast: tuple[str, str, str]) -> tuple[Step, ...]:
    """Members' votes on one question, a few hours apart: (member, choice, reasons)."""
    return tuple(Step(day + i * 0.2, "vote", member, text=reasons,
                      data={"question": question, "choice": choice})
                 for i, (member, choice, reasons) in enumerate(cast))


def item(day: float, by: str, kind: str, title: str, text: str = "", **data) -> Step:
    """An entry in the investigation file: a task, an interview record, a note."""
    return Step(day, "item", by, text=text, data={"kind": kind, "title": title, **data})


PROCEEDINGS = (
    Proceeding(
        path="dismissed at review", days_ago=150, filer=CLARA, respondent="CCM-100003",
        relation="other_certificant", serving=(NADIA, MINA, OMAR),
        charges=(Charge("S19", 70, facts=(
            "Wanda's report to the insurer on our shared client, Mr Lowe, says he can go "
            "back to full-time warehouse work. Two weeks before, his physiotherapist told "
            "us both that he could not lift more than ten kilos. The insurer has now "
            "stopped his benefits on the strength of her report.")),),
        remedy="That the report is corrected and the insurer told.",
        files=("insurer-letter-to-mr-lowe.pdf",),
        steps=(
            Step(1.5, "recuse", MARCO, text=MARCO_WITHDRAWS),
            Step(2, "accept", CHAIR),
            Step(18, "respond", WANDA, files=("functional-assessment-summary.pdf",), text=(
                "My report followed the functional capacity evaluation of the 3rd, which "
                "found Mr Lowe fit for full-time work with a lifting limit of fifteen kilos; "
                "the warehouse confirmed a post within that limit. The physiotherapist's "
                "note Clara mentions is older than the evaluation. A summary is attached.")),
            Step(19, "assign_investigators", CHAIR, data={"members": (NADIA,)}),
            item(20, NADIA, "task", "Ask the insurer for the full report and its date",
                 due_in=14),
            Step(20.1, "request_documents", NADIA, data={"addressee_role": "respondent",
                                                         "days": 14}, text=(
                "Your report to the insurer on Mr Lowe, the functional capacity evaluation "
                "it relies on, and your case notes for the month before the report.")),
            item(24, NADIA, "interview", "Interview: the physiotherapist, Ms Okafor",
                 held=True, shareable=True, text=(
                     "Ms Okafor confirmed that her note of the 20th recorded a ten-kilo "
                     "limit, and that the evaluation two weeks later, which she did not "
                     "carry out, found fifteen kilos. She has no reason to doubt it.")),
            Step(29, "answer_request", WANDA, files=("case-notes-extract.txt",), text=(
                "The report and the evaluation are attached, with my case notes.")),
            Step(30, "task_done", NADIA,
                 data={"title": "Ask the insurer for the full report and its date"}),
            Step(31, "share", NADIA, data={"title": "Interview: the physiotherapist, Ms Okafor"}),
            Step(45, "refer", NADIA, text=(
                "The report to the insurer restates the functional capacity evaluation "
                "accurately and gives its date. The physiotherapist's earlier note was "
                "superseded by the evaluation, as she confirms. The respondent's case notes "
                "show she discussed the result with the client before reporting. I find no "
                "evidence that the report was inaccurate or dishonest (S19).")),
            *votes(46, "outcome",
                   (CHAIR, "dismiss", "The report follows the evaluation."),
                   (MINA, "dismiss", "Agree with the investigator."),
                   (OMAR, "hearing", "The client should be heard on what he was told.")),
            Step(49, "review_dismiss", CHAIR, text=(
                "The committee dismisses the complaint. The investigation found that the "
                "report to the insurer restated the functional capacity evaluation "
                "accurately; the physiotherapist's earlier note had been superseded by it. "
                "Disagreement with an assessment is not a breach of S19."))),
    ),
    Proceeding(
        path="consent agreement", days_ago=120, filer=RORY, respondent="CCM-100003",
        relation="other_certificant", serving=(OMAR, MINA, PAULA),
        charges=(Charge("S16", 40, facts=(
            "Wanda posted on her practice's social media page a \"success story\" about "
            "a client back at work after a spinal injury, with his first name, his "
            "employer and a photograph of him at his workstation. The client is a "
            "neighbour of mine and did not know about the post.")),),
        remedy="That the post is removed and the client's consent is asked for in future.",
        files=("screenshot-of-post.png",),
        steps=(
            Step(1.5, "recuse", MARCO, text=MARCO_WITHDRAWS),
            Step(2, "accept", CHAIR),
            Step(14, "respond", WANDA, text=(
                "I accept that I should not have posted it. The client had told me he was "
                "happy for his story to be shared, but I did not ask for his written "
                "consent, and I did not think about the photograph. I removed the post the "
                "day the notice arrived and have apologised to him.")),
            Step(15, "assign_investigators", CHAIR, data={"members": (OMAR,)}),
            item(17, OMAR, "interview", "Interview: the client, Mr Adeyemi", held=True, text=(
                "Mr Adeyemi said he had agreed to \"a few words\" about his progress, but "
                "not to his name, his employer or a photograph. He has accepted the "
                "respondent's apology and does not wish to take part further.")),
            item(18, OMAR, "note", "The post", text=(
                "The post was public for eleven days and shared 34 times. It has been "
                "removed; no copy remains on the practice's page.")),
            Step(30, "refer", OMAR, text=(
                "The respondent admits the post and its contents. The client agreed to "
                "his progress being mentioned, not to being identified. The post was "
                "removed promptly. A breach of S16 is made out; the respondent has "
                "cooperated fully and shown insight.")),
            *votes(31, "outcome",
                   (CHAIR, "consent", "Admitted; a consent agreement saves a hearing."),
                   (MINA, "consent", ""),
                   (PAULA, "consent", "With a course on confidentiality.")),
            Step(35, "propose_consent", CHAIR, data={
                "violated": ("S16",),
                "sanction": {"kind": "probation", "starts_in": 7, "lasts": 365, "terms": (
                    "Twelve months' probation, with the conditions below."), "conditions": (
                    (30, "Confirm in writing that every client story on the practice's "
                         "pages has the client's written consent"),
                    (120, "Complete an approved course on confidentiality and social media"),
                    (200, "Send the committee a supervisor's report on the practice's "
                          "publications"))}}, text=(
                "The respondent agrees that by posting the client's name, employer and "
                "photograph without his consent she breached S16 (client identity).")),
            Step(40, "sign_consent", WANDA, data={"agree": True}),
            Step(52, "record_compliance", CHAIR, data={"condition": 0}),
        ),
    ),
    Proceeding(
        path="hearing: violation, suspension", days_ago=125, filer=WANDA,
        respondent="CCM-100002", relation="client_family", swept=True,
        serving=(MARCO, PAULA, QUENTIN, NADIA, OMAR),
        charges=(
            Charge("S11", 150, lasted_days=90, facts=(
                "While he was my mother's case manager, Rory borrowed 4,000 from her to "
                "\"tide him over\" and asked her not to mention it to her insurer. She is "
                "82 and relied on him for everything. He has repaid 500.")),
            Charge("S23", 150, lasted_days=90, facts=(
                "Rory told my mother the loan was usual between a client and a case "
                "manager who had become a friend, which is untrue.")),
        ),
        remedy="That the money is repaid and Rory is not allowed to manage vulnerable "
               "clients' cases.",
        files=("bank-transfer-record.pdf",),
        steps=(
            Step(1.5, "recuse", MINA, text=MINA_WITHDRAWS),
            Step(2, "accept", CHAIR),
            Step(22, "respond", RORY, text=(
                "Mrs Doyle offered the money when my car broke down; I did not ask. I have "
                "repaid 500 and will repay the rest. I did not ask her to keep it from her "
                "insurer. I accept that I should have refused.")),
            Step(23, "assign_investigators", CHAIR, data={"members": (MARCO,)}),
            Step(24, "request_documents", MARCO, data={"addressee_role": "respondent",
                                                       "days": 14}, text=(
                "Statements of the account into which the 4,000 was paid and from which "
                "any repayment was made, for the months of the loan.")),
            Step(33, "answer_request", RORY, files=("repayment-statement.pdf",), text=(
                "The statement of my account is attached; the 500 repaid is marked.")),
            item(35, MARCO, "interview", "Interview: Mrs Doyle's daughter, Erin Doyle",
                 held=True, shareable=True, text=(
                     "Ms Doyle said her mother told her Rory had asked her \"not to bother "
                     "the insurer with it\". Her mother found the transfer in her banking "
                     "app confusing and Rory helped her make it.")),
            Step(36, "share", MARCO,
                 data={"title": "Interview: Mrs Doyle's daughter, Erin Doyle"}),
            Step(45, "refer", MARCO, text=(
                "The loan is admitted, and was made while the respondent managed the "
                "client's case; he helped her make the transfer. Whether he asked her to "
                "keep it from the insurer is disputed. Breach of S11 likely; S23 depends "
                "on the evidence of the client's daughter, which is hearsay.")),
            *votes(46, "outcome",
                   (CHAIR, "hearing", "A serious matter, partly disputed."),
                   (PAULA, "hearing", ""),
                   (QUENTIN, "hearing", "The respondent should be heard.")),
            Step(50, "set_hearing", CHAIR, data={"members": (CHAIR, NADIA, OMAR),
                                                 "hearing_day": 82, "place": HEARING_ROOM}),
            Step(82, "hold_hearing", CHAIR, data={
                "attendance": (("Charles Chair", "panel, presiding"),
                               ("Nadia Member", "panel"), ("Omar Member", "panel"),
                               ("Rory Respondent", "respondent"),
                               ("Wanda Witness", "complainant"),
                               ("Erin Doyle", "witness"))}),
            *votes(86, "S11",
                   (CHAIR, "violated", "A loan from a vulnerable client is a relationship "
                                       "that harms her."),
                   (NADIA, "violated", "Admitted."),
                   (OMAR, "violated", "")),
            *votes(87, "S23",
                   (CHAIR, "violated", "I believe Ms Doyle."),
                   (NADIA, "not_violated", "Hearsay only; not proved."),
                   (OMAR, "not_violated", "Not proved to the standard required.")),
            *votes(88, "sanction",
                   (CHAIR, "suspension", ""),
                   (NADIA, "suspension", "The client's vulnerability calls for it."),
                   (OMAR, "probation", "First complaint; repayment under way.")),
            Step(92, "decide", CHAIR, data={"sanction": {
                "starts": "after_appeal", "lasts": 182, "terms": (
                    "Suspension of the certification for six months. The respondent "
                    "shall repay the remaining 3,500 to Mrs Doyle before applying for "
                    "reinstatement.")}}, text=(
                "The panel finds that the respondent, while managing Mrs Doyle's case, "
                "accepted a loan of 4,000 from her, an elderly client who relied on him "
                "(S11, violated). The allegation that he misled her about such loans "
                "rests on hearsay and is not proved (S23, not violated). Given the "
                "client's vulnerability, the panel suspends the certification for six "
                "months.")),
        ),
    ),
    Proceeding(
        path="hearing: no violation", days_ago=118, filer=CLARA, respondent="CCM-100002",
        relation="other_certificant", swept=True, serving=(QUENTIN, MARCO, PAULA, NADIA),
        charges=(Charge("S18", 60, facts=(
            "During a case conference by phone about a client we share, Rory recorded the "
            "call. He did not ask the client or me first; I learned about it when he "
            "quoted the recording in an email a week later.")),),
        remedy="That the recording is deleted.",
        steps=(
            Step(1.5, "recuse", MINA, text=MINA_WITHDRAWS),
            Step(2, "accept", CHAIR),
            Step(20, "respond", RORY, files=("recording-consent-form.pdf",), text=(
                "The client signed a consent to the recording of case conferences when "
                "the file was opened; the form is attached. At the start of the call I "
                "said it was being recorded and nobody objected.")),
            Step(21, "assign_investigators", CHAIR, data={"members": (QUENTIN,)}),
            item(23, QUENTIN, "interview", "Interview: the client, Ms Brandt", held=True,
                 text=("Ms Brandt remembers signing the consent form and says Rory "
                       "announced the recording at the start of the call.")),
            Step(40, "refer", QUENTIN, text=(
                "The client's written consent to the recording predates the call. Whether "
                "the recording was announced to the complainant is disputed: the client "
                "says it was, the complainant says it was not.")),
            *votes(41, "outcome",
                   (CHAIR, "hearing", "The dispute over the announcement needs a hearing."),
                   (MARCO, "hearing", ""),
                   (PAULA, "dismiss", "The client's consent is what S18 requires.")),
            Step(42, "set_hearing", CHAIR, data={"members": (MARCO, NADIA, PAULA),
                                                 "hearing_day": 74, "video_link": (
                                                     "https://video.example.org/ec-hearing")}),
            Step(74, "hold_hearing", CHAIR, data={
                "attendance": (("Marco Member", "panel, presiding"),
                               ("Nadia Member", "panel"), ("Paula Member", "panel"),
                               ("Rory Respondent", "respondent"),
                               ("Clara Certificant", "complainant")),
                "recording_ref": "Hearing recording, archive box 2026/07"}),
            *votes(78, "S18",
                   (MARCO, "not_violated", "The client consented in writing."),
                   (NADIA, "not_violated", ""),
                   (PAULA, "not_violated", "")),
            Step(81, "decide", CHAIR, text=(
                "The client consented in writing to the recording of case conferences, "
                "and the panel accepts that the recording was announced at the start of "
                "the call. No violation of S18 is found.")),
        ),
    ),
    Proceeding(
        path="appeal modifies the sanction", days_ago=170, filer=RORY,
        respondent="CCM-100001", relation="other_certificant",
        serving=(NADIA, MINA, MARCO, OMAR, PAULA, QUENTIN),
        charges=(
            Charge("S7", 200, lasted_days=180, facts=(
                "Clara sent every client she could to Harbourside Physio, which paid her "
                "50 for each referral. She never told the clients or their insurers. I "
                "learned it from a physiotherapist who used to work there.")),
            Charge("S26", 200, lasted_days=180, facts=(
                "The payments from Harbourside Physio were for client referrals, which "
                "the Standards forbid.")),
        ),
        remedy="That the payments stop and the clients are told.",
        steps=(
            Step(2, "accept", CHAIR),
            Step(20, "respond", CLARA, text=(
                "Harbourside paid me a fee for writing progress reports on the clients I "
                "referred, not for the referrals. I accept that I did not tell the clients "
                "about the fee, and I stopped the arrangement when the notice arrived.")),
            Step(21, "assign_investigators", CHAIR, data={"members": (NADIA,)}),
            Step(22, "request_documents", NADIA, data={"addressee_role": "respondent",
                                                       "days": 14}, text=(
                "Your agreement with Harbourside Physio and a statement of every payment "
                "it made to you.")),
            Step(30, "answer_request", CLARA, files=("harbourside-payments.pdf",), text=(
                "The agreement and the statement of payments are attached.")),
            item(31, NADIA, "note", "Harbourside's practice manager", text=(
                "By telephone: no progress reports from the respondent are on Harbourside's "
                "files; the 50 was paid \"per new client\".")),
            Step(45, "refer", NADIA, text=(
                "Harbourside paid the respondent 50 for each new client, 41 payments in "
                "all. No progress reports were found. The clients and their insurers were "
                "not told. S7 and S26 appear to be breached.")),
            *votes(46, "outcome",
                   (CHAIR, "hearing", ""),
                   (MINA, "hearing", "The respondent disputes what the fee was for."),
                   (MARCO, "hearing", "")),
            Step(50, "set_hearing", CHAIR, data={"members": (MINA, MARCO, OMAR),
                                                 "hearing_day": 84, "place": HEARING_ROOM}),
            Step(84, "hold_hearing", CHAIR, data={
                "attendance": (("Mina Member", "panel, presiding"), ("Marco Member", "panel"),
                               ("Omar Member", "panel"), ("Clara Certificant", "respondent"),
                               ("Rory Respondent", "complainant"))}),
            *votes(88, "S7", (MINA, "violated", ""), (MARCO, "violated", ""),
                   (OMAR, "violated", "Never disclosed to the clients.")),
            *votes(89, "S26", (MINA, "violated", "Paid per new client."),
                   (MARCO, "violated", ""), (OMAR, "violated", "")),
            *votes(90, "sanction", (MINA, "suspension", ""),
                   (MARCO, "suspension", "41 payments over six months."),
                   (OMAR, "probation", "She stopped at once and has a clean record.")),
            Step(91, "decide", CHAIR, data={"sanction": {
                "starts": "after_appeal", "lasts": 91, "terms": (
                    "Suspension of the certification for three months.")}}, text=(
                "The panel finds that the respondent accepted 41 payments from Harbourside "
                "Physio for referring clients to it (S26, violated) and told neither the "
                "clients nor their insurers (S7, violated). It suspends the certification "
                "for three months.")),
            Step(105, "appeal", CLARA, files=("letter-from-insurer-on-disclosure.pdf",), text=(
                "I do not appeal the findings. A suspension is out of proportion: it is the "
                "first complaint against me in fifteen years, I ended the arrangement the "
                "day I was notified, and I have repaid every payment to the clients' "
                "insurers, as the attached letter confirms. I ask for probation instead.")),
            Step(107, "set_appeal_panel", CHAIR, data={"members": (CHAIR, PAULA, QUENTIN)}),
            *votes(115, "outcome",
                   (CHAIR, "modify", "The repayment and the clean record weigh in her favour."),
                   (PAULA, "modify", ""),
                   (QUENTIN, "affirm", "Forty-one payments is not a slip.")),
            Step(120, "appeal_modify", CHAIR, data={"sanction": {
                "kind": "probation", "starts_in": 1, "lasts": 365, "terms": (
                    "Twelve months' probation in place of the suspension."), "conditions": (
                    (90, "Complete an approved course on conflicts of interest"),
                    (180, "Send the committee a supervisor's report on the practice's "
                          "referrals"))}}, text=(
                "The appeal panel upholds the findings. Given the respondent's record, her "
                "prompt ending of the arrangement and the repayment to the insurers, it "
                "replaces the three months' suspension with twelve months' probation.")),
        ),
    ),
    Proceeding(
        path="appeal remands to the committee", days_ago=160, filer=WANDA,
        respondent="CCM-100001", relation="client_family",
        serving=(PAULA, OMAR, QUENTIN, MINA, NADIA, MARCO),
        charges=(Charge("S1", 230, lasted_days=60, facts=(
            "Clara, my brother Theo's case manager after his fall at work, pressed him to "
            "accept the insurer's settlement offer within a week and never told him he "
            "could ask for a retraining programme instead. The insurer paid her fees.")),),
        remedy="That Theo's options are explained to him properly by someone else.",
        steps=(
            Step(2, "accept", CHAIR),
            Step(19, "respond", CLARA, text=(
                "I explained retraining to Theo at our second meeting; he did not want "
                "it. The settlement deadline was the insurer's, not mine.")),
            Step(20, "assign_investigators", CHAIR, data={"members": (PAULA,)}),
            item(21, PAULA, "interview", "Interview: Theo Witness", held=True, text=(
                "Mr Witness says retraining was mentioned \"in passing\" and he understood "
                "the settlement was his only choice.")),
            Step(22, "request_documents", PAULA, data={"addressee_role": "respondent",
                                                       "days": 14}, text=(
                "Your notes of each meeting with Mr Witness.")),
            Step(31, "answer_request", CLARA, text=(
                "My notes are in my practice system; the second meeting's note reads "
                "\"retraining discussed, client not interested\".")),
            Step(44, "refer", PAULA, text=(
                "The respondent's note records that retraining was discussed; the client "
                "remembers it only in passing. His former supervisor, who was present at "
                "the second meeting, was not available during the investigation.")),
            *votes(45, "outcome", (CHAIR, "hearing", ""), (OMAR, "hearing", ""),
                   (QUENTIN, "hearing", "The supervisor should be heard.")),
            Step(49, "set_hearing", CHAIR, data={"members": (MINA, NADIA, QUENTIN),
                                                 "hearing_day": 84, "place": HEARING_ROOM}),
            Step(84, "hold_hearing", CHAIR, data={
                "attendance": (("Mina Member", "panel, presiding"), ("Nadia Member", "panel"),
                               ("Quentin Member", "panel"), ("Clara Certificant", "respondent"),
                               ("Wanda Witness", "complainant"))}),
            *votes(88, "S1", (MINA, "not_violated", "The contemporaneous note is clear."),
                   (NADIA, "not_violated", ""),
                   (QUENTIN, "violated", "We should have adjourned for the supervisor.")),
            Step(91, "decide", CHAIR, text=(
                "The respondent's note of the second meeting records that retraining was "
                "discussed. The panel finds no violation of S1.")),
            Step(110, "appeal", WANDA, text=(
                "The panel refused to adjourn so that Theo's former supervisor, who was at "
                "the meeting, could give evidence. He is now available and says retraining "
                "was never explained.")),
            Step(112, "set_appeal_panel", CHAIR, data={"members": (CHAIR, MARCO, OMAR)}),
            *votes(125, "outcome",
                   (CHAIR, "remand", "The supervisor's evidence goes to the heart of it."),
                   (MARCO, "remand", ""),
                   (OMAR, "affirm", "The panel was entitled to go on.")),
            Step(130, "appeal_remand", CHAIR, text=(
                "The hearing panel should have allowed the witness who attended the "
                "meeting in question to be heard. The decision is set aside and the case "
                "is sent back to the committee to decide how to proceed.")),
            Step(140, "vote", CHAIR, text="A new hearing, with the supervisor.",
                 data={"question": "outcome", "choice": "hearing"}),
        ),
    ),
    Proceeding(
        path="hearing scheduled, postponed once", days_ago=75, filer=RORY,
        respondent="CCM-100003", relation="other_certificant",
        serving=(QUENTIN, MINA, NADIA, OMAR, PAULA),
        charges=(Charge("S22", 120, lasted_days=100, facts=(
            "Wanda has employed one of her clients, Mr Ferris, as her office assistant "
            "while she manages his return-to-work case and reports on it to his insurer. "
            "His insurer does not know.")),),
        remedy="That the insurer is told and the case passed to another case manager.",
        steps=(
            Step(1.5, "recuse", MARCO, text=MARCO_WITHDRAWS),
            Step(2, "accept", CHAIR),
            Step(16, "respond", WANDA, text=(
                "Mr Ferris works for me eight hours a week as part of his return-to-work "
                "plan, which his insurer approved. I accept that the plan does not say "
                "the work is for me.")),
            Step(17, "assign_investigators", CHAIR, data={"members": (QUENTIN,)}),
            item(18, QUENTIN, "task", "Obtain the approved return-to-work plan", due_in=10),
            item(24, QUENTIN, "note", "The plan", text=(
                "The insurer's copy of the plan names \"a local office\" as the work "
                "placement; it does not name the respondent.")),
            Step(25, "task_done", QUENTIN,
                 data={"title": "Obtain the approved return-to-work plan"}),
            Step(30, "refer", QUENTIN, text=(
                "The respondent employs her client and reports on his progress to the "
                "insurer, which was not told who the employer is. S22 appears breached.")),
            *votes(31, "outcome", (CHAIR, "hearing", ""), (MINA, "hearing", ""),
                   (NADIA, "consent", "She has largely admitted it.")),
            Step(35, "set_hearing", CHAIR, data={"members": (MINA, OMAR, PAULA),
                                                 "hearing_day": 68, "place": HEARING_ROOM}),
            # Wanda names counsel, who asks for the postponement on her behalf
            Step(45, "name_representative", WANDA,
                 data={"name": "Lena Lawyer", "email": COUNSEL, "kind": "counsel"}),
            Step(50, "request_postponement", COUNSEL, text=(
                "I represent the respondent and am in court on the day of the hearing; I "
                "cannot be replaced at short notice. We ask for a date two or three weeks "
                "later.")),
            Step(53, "decide_postponement", CHAIR, data={"grant": True, "hearing_day": 88},
                 text="Granted once; no further postponement is expected."),
            # Omar withdraws; Nadia replaces him, and the system moves the hearing so that
            # the parties' window to object to her and the notice period can run
            Step(60, "recuse", OMAR, text=(
                "I have just been asked to advise Mr Ferris's insurer on another matter.")),
            Step(61, "replace_panel_member", CHAIR, data={"members": (NADIA,)}),
        ),
    ),
)

# Where the files sent with an action are filed (as the case page does).
FILE_CONTEXT = {"respond": "response", "answer_request": "documents", "appeal": "appeal"}
# The document the administrator issues once an action is taken (when it applies).
ISSUED_AFTER = {
    "accept": ("notice_of_complaint",),
    "set_hearing": ("notice_of_hearing",),
    "decide_postponement": ("notice_of_hearing",),
    "replace_panel_member": ("notice_of_hearing",),
    "review_dismiss": ("decision_and_order",),
    "decide": ("decision_and_order",),
    "sign_consent": ("decision_and_order", "public_notice"),
    "appeal_modify": ("appeal_decision", "public_notice"),
    "appeal_remand": ("appeal_decision",),
}
REISSUED = {
    "decide_postponement": "The hearing was postponed; this notice gives the new date and place.",
    "replace_panel_member": "A panel member was replaced and the hearing moved; this notice "
                            "gives the new date.",
    "appeal_remand": "The appeal panel sent the case back; this replaces the earlier document.",
    "*": "The proceeding has moved on; this replaces the earlier document.",
}
# Steps taken through a service rather than the workflow, with the permission the
# page that offers them checks.
SERVICE_STEPS = {"item": "case.investigate", "task_done": "case.investigate",
                 "share": "case.investigate", "vote": "case.vote",
                 "name_representative": "representative.name"}


def load_demo_proceedings() -> int:
    """File the demo proceedings that are missing; return how many were added."""
    return load_missing(PROCEEDINGS, _carry)


def _carry(spec: Proceeding, start: datetime) -> Case:
    clock.freeze(start)
    filer = find_by_email(spec.filer)
    case = services.start_draft(filer)
    services.save_draft(
        case, filer, respondent=find_by_number(spec.respondent), relation=spec.relation,
        remedy=spec.remedy, attest_not_confidential=True, attest_good_faith=True,
        allegations=[_allegation(charge) for charge in spec.charges])
    _attach(case, spec.files, "complaint", filer)
    workflow.apply(case, "submit", filer)
    clock.freeze(start + timedelta(hours=1))
    coi.declare(case, find_by_email(CHAIR), "none")
    for n, email in enumerate(spec.serving):
        clock.freeze(start + timedelta(days=1, hours=n))
        coi.declare(case, find_by_email(email), "none")
    for step in spec.steps:
        when = start + timedelta(days=step.day)
        if step.action == "hold_hearing":  # recorded the afternoon of the hearing
            when = p.current_hearing(case).starts_at + timedelta(hours=3)
        clock.freeze(when)
        _take(case, step, start)
    return case


def _take(case: Case, step: Step, start: datetime) -> None:
    actor = find_by_email(step.by)
    if step.action == "recuse":
        coi.recuse_self(case, actor, step.text)
        return
    if step.action in SERVICE_STEPS:
        if not can(actor, SERVICE_STEPS[step.action], case):
            raise RuntimeError(f"demo: {step.by} may not {step.action} on {case.number}")
        _service_step(case, step, actor)
        return
    _attach(case, step.files, FILE_CONTEXT.get(step.action, ""), actor)
    workflow.apply(case, step.action, actor, **_data(case, step, start))
    kinds = ISSUED_AFTER.get(step.action, ())
    if kinds:
        clock.freeze(clock.now() + timedelta(hours=3))
        admin = find_by_email(ADMIN)
        for kind in kinds:
            if DOCUMENT_TYPES[kind].applies(case):
                # one of a kind in force per case: a later one replaces the earlier
                earlier = documents.in_force(case, kind)
                documents.issue(case, DOCUMENT_TYPES[kind], admin, supersedes=earlier,
                                reason=REISSUED.get(step.action, REISSUED["*"]) if earlier else "")


def _service_step(case: Case, step: Step, actor) -> None:
    data = step.data
    if step.action == "name_representative":
        representatives.name(case, actor, name=data["name"], email=data["email"],
                             kind=data["kind"])
        return
    if step.action == "item":
        p.add_item(case, actor, data["kind"], data["title"], text=step.text,
                   due_on=clock.today() + timedelta(days=data["due_in"])
                   if "due_in" in data else None,
                   held_at=clock.now() - timedelta(hours=4) if data.get("held") else None,
                   shareable=bool(data.get("shareable")))
        return
    if step.action == "vote":
        question = data["question"]
        if question not in ("outcome", "sanction"):  # an allegation, by its code
            question = f"allegation:{_allegation_id(case, question)}"
        p.cast_vote(case, actor, p.STAGE_OF[case.status], question, data["choice"], step.text)
        return
    [entry] = [i for i in p.items(case) if i.title == data["title"]]
    if step.action == "task_done":
        p.complete_task(entry, actor)
    else:
        p.share_item(case, entry, actor)


def _data(case: Case, step: Step, start: datetime) -> dict:
    """What the action's form would hand to `workflow.apply()`, from the step's data."""
    given = dict(step.data)
    data: dict = {}
    if step.text:
        data["text"] = step.text
    if "members" in given:
        data["member_ids"] = [find_by_email(email).id for email in given.pop("members")]
    if "hearing_day" in given:
        day = clock.next_weekday(start.date() + timedelta(days=given.pop("hearing_day")))
        data["starts_at"] = datetime.combine(day, HEARING_HOUR, tzinfo=UTC)
    if step.action == "set_hearing":
        data["allegation_ids"] = [a.id for a in case.allegations if not a.proposed]
    if "violated" in given:
        data["violated_ids"] = [_allegation_id(case, code) for code in given.pop("violated")]
    if "sanction" in given:
        data["sanction"] = _sanction(given.pop("sanction"))
    if "attendance" in given:
        data["attendance"] = [{"name": name, "role": role}
                              for name, role in given.pop("attendance")]
        data.setdefault("minutes", _minutes(case, data["attendance"]))
    if step.action == "request_documents":
        data.update(addressee_name=case.respondent_display,
                    addressee_email=services.service_address(case))
    if step.action == "record_compliance":
        [sanction] = p.open_sanctions(case)
        data["sanction_id"] = sanction.id
    data.update(given)
    return data


def _sanction(spec: dict) -> dict:
    """A sanction from relative dates: `starts_in` days from today, or the day after the
    appeal period (`starts: after_appeal`); `lasts` days; conditions due in N days."""
    today = clock.today()
    if spec.get("starts") == "after_appeal":
        starts = clock.due_after(p.appeal_days()) + timedelta(days=1)
    else:
        starts = today + timedelta(days=spec.get("starts_in", 0))
    conditions = [{"due_on": (today + timedelta(days=days)).isoformat(), "text": text}
                  for days, text in spec.get("conditions", ())]
    return p.sanction_from_form(spec.get("kind", ""), spec.get("terms", ""), starts,
                                starts + timedelta(days=spec["lasts"]) if "lasts" in spec
                                else None, spec.get("bar_years"), conditions)


def _minutes(case: Case, attendance: list[dict]) -> str:
    heard = ", ".join(a.item.code for a in p.heard_allegations(case))
    witnesses = [a["name"] for a in attendance if a["role"] == "witness"]
    return (f"The presiding member read the allegations ({heard}). The complainant and "
            "the respondent made their statements and answered the panel's questions"
            + (f"; the panel heard {', '.join(witnesses)} as a witness" if witnesses else "")
            + ". The panel closed the hearing to deliberate.")


def _allegation_id(case: Case, code: str) -> int:
    return next(a.id for a in case.allegations if a.item.code == code and not a.proposed)


def _attach(case: Case, names: tuple[str, ...], context: str, actor) -> None:
    stored = [check_and_store(FileStorage(io.BytesIO(demo_file(name)), filename=name))
              for name in names]
    if stored:
        services.attach_evidence(case, stored, context, actor)


# --- the evidence files, made here -----------------------------------------------------

FILE_TEXT = {
    "insurer-letter-to-mr-lowe.pdf": [
        "Northgate Insurance - income benefits",
        "",
        "Dear Mr Lowe,",
        "On the strength of your case manager's report of the 17th, which finds you fit "
        "for full-time work, your income benefit ends on the last day of this month.",
    ],
    "functional-assessment-summary.pdf": [
        "Functional capacity evaluation - summary",
        "",
        "Client: Mr D. Lowe. Evaluated over two sessions by an occupational therapist.",
        "Result: fit for full-time work; lifting limited to 15 kg; no ladders.",
    ],
    "case-notes-extract.txt": [
        "Case notes, Mr D. Lowe (extract)",
        "",
        "Day 1: evaluation results received; 15 kg limit.",
        "Day 2: discussed the results with Mr Lowe by phone; he agreed to a trial at the "
        "warehouse within the limit.",
        "Day 4: report sent to the insurer.",
    ],
    "bank-transfer-record.pdf": [
        "Transfer record",
        "",
        "From: Mrs M. Doyle   To: R. Respondent   Amount: 4,000.00",
        "Reference: \"loan - car\"",
    ],
    "repayment-statement.pdf": [
        "Current account statement (extract) - R. Respondent",
        "",
        "Credit 4,000.00  from M. Doyle  ref. loan - car",
        "Debit    500.00  to M. Doyle    ref. repayment 1",
    ],
    "recording-consent-form.pdf": [
        "Consent to the recording of case conferences",
        "",
        "I agree that case conferences about my return to work may be recorded by my "
        "case manager, for his notes only. Signed: A. Brandt.",
    ],
    "harbourside-payments.pdf": [
        "Harbourside Physio - payments to C. Certificant",
        "",
        "41 payments of 50.00, one for each new client, over six months.",
        "Agreement: \"a fee of 50 per new client referred\".",
    ],
    "letter-from-insurer-on-disclosure.pdf": [
        "Northgate Insurance - claims department",
        "",
        "We confirm that Ms Certificant has repaid 2,050.00, the sum of the referral "
        "fees she received for clients whose care we paid for.",
    ],
}


def demo_file(name: str) -> bytes:
    """The content of a demo evidence file: a real PDF, PNG or text file."""
    if name not in FILE_TEXT:
        return cases_demo_file(name)
    lines = FILE_TEXT[name]
    return _pdf(lines) if name.endswith(".pdf") else ("\n".join(lines) + "\n").encode()

