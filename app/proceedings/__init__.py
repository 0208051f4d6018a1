"""After the answer: investigation, committee review, hearings, decisions, sanctions, appeals."""
