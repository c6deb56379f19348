"""Embedding a guided interview (a web form, a messenger bot): the session API of refugee_rules.interview.

Run it: .venv/bin/python examples/embed_interview.py
A bot would show ``q.client_question`` to the client and pass the reply to ``session.answer``; here the
replies are scripted. Nothing is written or sent anywhere.
"""

from refugee_rules import ProfileError
from refugee_rules import InterviewSession

REPLIES = {  # what this (illustrative) client says, by fact path; anything else: "I don't know"
    "location.country": "GE",
    "documents.travel_passport.held": "yes",
    "fear.fears_return": "yes",
    "fear.harm_likely": "yes",
    "fear.agents": "state",
    "fear.reasons_attributed": "political_opinion",
    "political_activity.anti_war_statements": "yes",
    "country_evidence.ru_prosecution_for_anti_war_speech": "accepted",
}

with InterviewSession({"nationalities": ["RU"]}, as_of="2024-03-01", lang="en") as session:
    try:
        session.answer("travel.entry_date", "2024-02-30")  # every answer is validated at once
    except ProfileError as e:
        print("rejected:", e.problems[0])
    turns = 0
    while asked := session.next_questions(n=1):  # empty when nothing more can be settled by asking
        q = asked[0]
        turns += 1
        reply = REPLIES.get(q.path, "don't know")  # "don't know" is recorded as unknown and never asked again
        changes = session.answer(q.path, reply)
        if reply != "don't know":
            print(f"{turns}. {q.client_question or q.question} -> {reply}; findings changed: {len(changes)}")
    print(f"questions asked: {turns}")
    a = session.assessment()
    print("outcome:", a.outcome.status)
    print("well-founded fear:", a.answer("well_founded_fear"))
    print("nexus (political opinion):", a.answer("nexus_political_opinion"))
