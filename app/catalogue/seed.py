"""The 2009 code: standards S1–S28 and rules R1–R6, summarised in our own words."""
from __future__ import annotations

from datetime import date

VERSION_2009 = {
    "name": "2009",
    "effective_date": date(2009, 1, 1),
    "notes": "Code of Professional Conduct for Case Managers, revised January 2009.",
}

RULES = [
    ("R1", "Falsified application", "Obtaining or trying to obtain certification or renewal "
     "with false or misleading information."),
    ("R2", "Felony conviction", "Being convicted of, or pleading guilty or no contest to, a felony."),
    ("R3", "Breach of the underlying profession's ethics code", "Violating the code of ethics "
     "of the profession in which the certificant holds their primary credential."),
    ("R4", "Loss of primary professional credential", "Having the licence or credential the "
     "certification rests on revoked, suspended or surrendered."),
    ("R5", "Breach of the Standards", "Violating one or more of the Standards for Professional "
     "Conduct."),
    ("R6", "Breach of examination and certification rules", "Violating the rules for the "
     "examination or for maintaining certification, such as misusing exam content."),
]

STANDARDS = [
    ("S1", "The advocate", "Act for the client: assess needs fully, offer the service options "
     "and connect the client with resources."),
    ("S2", "Representation of practice", "Work only within one's competence and never "
     "misstate one's role or abilities to clients."),
    ("S3", "Competence", "Do not mishandle or neglect a case, sway its outcome unduly, or "
     "show a pattern of negligence."),
    ("S4", "Representation of qualifications", "Do not let the credential suggest more "
     "expertise than it shows, and correct others who overstate it."),
    ("S5", "Legal and benefit system requirements", "Follow the law and the rules of the "
     "payment systems that cover clients."),
    ("S6", "Use of the CCM designation", "Use the designation only while certified, and never "
     "in a business name, trademark or logo."),
    ("S7", "Conflict of interest", "Disclose every conflict to all affected parties and "
     "withdraw from the case if any of them objects."),
    ("S8", "Reporting misconduct", "Report a known violation by another certificant promptly, "
     "and never file or encourage a complaint that is malicious or baseless."),
    ("S9", "Compliance with proceedings", "Cooperate with investigations, take part in "
     "proceedings and follow the ethics committee's directives."),
    ("S10", "Description of services", "Give clients what they need to decide: the services, "
     "benefits, risks, alternatives, the right to refuse and, where relevant, cost."),
    ("S11", "Relationships with clients", "Enter no relationship with a client that would "
     "compromise professional objectivity."),
    ("S12", "Termination of services", "Give written notice to all relevant parties before "
     "ending case management services."),
    ("S13", "Objectivity", "Stay objective and do not impose personal values on clients."),
    ("S14", "Legal compliance", "Know and follow the laws on consent, confidentiality and "
     "release of information that apply to one's practice."),
    ("S15", "Disclosure", "Tell clients from the start that information may be shared; share "
     "only what is needed, except to prevent harm or crime."),
    ("S16", "Client identity", "Keep the client's identity confidential, above all in "
     "research, training or marketing, unless released in writing."),
    ("S17", "Records", "Keep client records, in any medium, in a way that protects "
     "confidentiality."),
    ("S18", "Electronic recording", "Record communications with a client only with the "
     "client's written permission."),
    ("S19", "Reports", "Report the results of one's work to third parties accurately, honestly "
     "and without bias."),
    ("S20", "Records: maintenance, storage and disposal", "Keep records as long as the law "
     "or future service requires, then destroy them confidentially."),
    ("S21", "Testimony", "Testify impartially and only within one's field of expertise."),
    ("S22", "Dual relationships", "Disclose a payer or other dual relationship (employer, "
     "friend, relative, research subject) to those entitled to know."),
    ("S23", "Unprofessional behaviour", "No crimes, dishonesty or fraud, discrimination "
     "against clients, or sexual intimacy with a client."),
    ("S24", "Fees", "Tell payers the fee structure in advance, give accurate records on "
     "request, and make no fee deal that harms care."),
    ("S25", "Advertising", "Advertise truthfully, with no misleading claims, and use former "
     "clients' statements only with a signed release."),
    ("S26", "Solicitation", "Do not pay for client referrals; modest hospitality and small "
     "gifts are allowed."),
    ("S27", "Research: legal compliance", "Plan, conduct and report research ethically and "
     "within the law on human subjects."),
    ("S28", "Research: subject privacy", "Protect research subjects' identities unless they "
     "authorise disclosure or the law requires it."),
]
