"""The guided interview's pages: server-rendered, one question at a time, the answers carried by the page.

Each step is one POST of the whole answer state (:mod:`.state`) with the button pressed (``action``); the server
answers the next page and forgets the request. So the interview works without JavaScript; the page's own small
script (``static/interview.js``) only keeps the state in the browser's session storage, so a reload or a closed tab
does not lose it, and clears it on "finish". Nothing is fetched from another host, nothing is inline (a strict
Content-Security-Policy, set on every response here), and no cookie is set.

The questions come in the one order every front end shares (``InterviewSession.next_questions``, which is
:func:`refugee_rules.tasks.questions.ranked`), each answer is recorded with ``InterviewSession.answer`` (the
terminal interview's reading and validation), and the outcome, red flags and checklist beside the question are the
report's own view of the assessment (:class:`refugee_rules.views.report.View`), so a ban, a risk or an exclusion
clause carries the report's marks and colours, never those of good news. The report at the end is the HTML report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from refugee_rules.api import assess
from refugee_rules.case.facts import AS_OF, FactSpec, catalogue
from refugee_rules.case.profile import UNKNOWN
from refugee_rules.errors import ProfileError
from refugee_rules.frontends.interview import ABSENT, Change, InterviewSession, value_at
from refugee_rules.frontends.web import answers as inputs
from refugee_rules.frontends.web.state import STATE_FIELD, Answers, read_date, uploaded
from refugee_rules.frontends.web.words import gettext, ngettext
from refugee_rules.law.kinds import KINDS
from refugee_rules.options import LANGUAGES, Options
from refugee_rules.result.assessment import DISCLAIMER, Assessment
from refugee_rules.tasks.questions import STAGES, Question, shown, stage
from refugee_rules.views.i18n import N_, problem_text
from refugee_rules.views.report import Lang, View, plain, render

HERE = Path(__file__).resolve().parent
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer"}
"""Sent with every page of the interview: a page holds case facts, so it is never cached either."""
STATIC_HEADERS = {**HEADERS, "Cache-Control": "max-age=3600"}
"""The script and style sheets hold no case fact: a browser may keep them for an hour."""
STATIC = {"interview.js": "text/javascript; charset=utf-8", "interview.css": "text/css; charset=utf-8"}
STEP_ENGINE = "compiled"
RULES_URL = "/rules"
"""The rules explorer, where a finding's title links (``/rules/finding/{id}``, in the page's language)."""
SECTIONS = (
    ("where", N_("Where the person is from")),
    ("fear", N_("Fear of return")),
    ("story", N_("What happened, why, and by whom")),
    ("stop", N_("Exclusion and cessation")),
    ("here", N_("Where the person is now")),
    ("destinations", N_("Destinations of interest")),
)
"""The interview's sections, in the order the shared ranking asks them (tasks/questions.STAGES, then the regime
groups)."""
_STAGE_SECTION = {"where": "where", "fear": "fear", "what happened": "story", "why": "story", "who": "story",
                  "evidence": "story", "stop-points": "stop"}


def section_of(q: Question, a: Assessment) -> str:
    """The section a question is asked in: its group for the regimes; in the refugee definition the stage of the
    fact it fills, with a fact that only screens a clause (a unit's war crimes) among the stop-points, as the
    ranking asks it."""
    if q.group != "convention":
        return q.group
    kinds = {f.id: f.kind for f in a.findings}
    if q.settles and all(kinds.get(fid) == "clause" for fid in q.settles):
        return "stop"
    i = stage(q.path)
    return _STAGE_SECTION[STAGES[i][0]] if i < len(STAGES) else "story"


# --- the pages' environment ---------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _env(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"], finalize=plain)
    env.install_gettext_callables(gettext(lang), ngettext(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def _page(template: str, lang: str, status: int = 200, **context: Any) -> Any:
    from fastapi.responses import HTMLResponse

    view_context = {"lang": lang, "state_field": STATE_FIELD, "finding_url": lambda fid: finding_url(fid, lang),
                    "disclaimer": Lang(lang).t(DISCLAIMER), "finished": False, "messages": [], "errors": [],
                    "state": "", "view": ""}
    view_context.update(context)
    html = _env(lang).get_template(template).render(**view_context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


# --- the state of one page ------------------------------------------------------------------------------------


@dataclass
class Step:
    """One request of the interview: the answers posted, the page's language, and the service's options."""

    answers: Answers
    lang: str
    base: Options
    messages: list[str] = field(default_factory=list)

    def options(self) -> Options:
        """The service's options, as of the interview's date, in the page's language."""
        return self.base.replace(as_of=self.answers.as_of, lang=self.lang)

    def session(self) -> InterviewSession:
        """An interview session over the answers so far. A step is one fresh evaluation (the server keeps no
        session between two requests, so durable-rules' live session would be built anew each time): on the
        compiled backend, which gives the same findings (tests/test_properties.py, the goldens on both) in about a
        quarter of the time."""
        return InterviewSession(self.answers.profile, options=self.options().replace(engine=STEP_ENGINE))

    @property
    def _(self) -> Callable[[str], str]:
        return gettext(self.lang)


def _errors(e: ProfileError, lang: str) -> list[str]:
    head = f"{e.source}: " if e.source else ""
    return [head + problem_text(p, lang) for p in e.problems]


def _question_for(path: str, open_questions: list[Question], lang: str) -> Question:
    """The question of a fact: as the ranking words it where it is open, else from the fact's own question."""
    found = next((q for q in open_questions if q.path == path), None)
    if found is not None:
        return found
    spec, L = catalogue()[path], Lang(lang)
    return Question(rank=0, path=path, question=L.t(spec.question or spec.description),
                    client_question=L.t(spec.client_question) if spec.client_question else None,
                    state="not_asked", settles=[])


def _so_far(a: Assessment, lang: str, changes: Iterable[Change] = ()) -> dict[str, Any]:
    """The outcome, red flags and checklist beside a question, and what the last answer changed, in the
    report's words and marks."""
    v = View(a, lang)
    book = a.rule_book
    by_id = {f.id: f for f in a.findings}
    changed = []
    for c in changes:
        if c.id == "outcome":
            changed.append({"id": "", "tone": "open", "mark": "", "title": v._("Outcome"), "before": "",
                            "after": v.outcome_label()})
            continue
        f = by_id.get(c.id)
        if f is None or (book is not None and not shown(book, f)) or (c.before is None and c.after == KINDS[c.kind].open):
            continue
        changed.append({"id": f.id, "tone": v.tone(f), "mark": v.mark(f), "title": v.title(f),
                        "before": v.answer_label(c.kind, c.before) if c.before else "-", "after": v.answer(f)})
    checklist = [{"id": f.id, "tone": v.tone(f), "mark": v.mark(f), "title": v.title(f), "answer": v.answer(f),
                  "status": f.answer} for f in v.checklist()]
    screening = [{"tone": tone, "mark": mark, "text": text} for tone, mark, text in v.screening_items()]
    return {"status": a.outcome.status, "label": v.outcome_label(), "summary": v.outcome_summary(),
            "red_flags": v.red_flags_first_page(), "changes": changed, "checklist": checklist,
            "screening": screening, "legend": v.legend_line()}


def question_page(step: Step, path: str | None = None, *, session: InterviewSession | None = None,
                  changes: Iterable[Change] = (), errors: Iterable[str] = (), posted: Any = None,
                  more_records: int = 0) -> Any:
    """The page asking one question: ``path``, or the next open one (the report when none is left)."""
    own = session is None
    session = session or step.session()
    try:
        a = session.assessment()
        open_questions = session.next_questions(n=10_000)
        if path is None:
            if not open_questions:
                step.messages.append(step._(
                    "No more questions to ask. Some answers are \u201cdon't know\u201d: finding them out would settle "
                    "more (the report lists them under the open questions). Here is the report.")
                    if session.still_unknown() else step._("Nothing more can be settled by asking: here is the report."))
                return report_page(step)
            path = open_questions[0].path
        q = _question_for(path, open_questions, step.lang)
        spec = catalogue()[path]
        here = section_of(q, a) if q.rank else _section_of_path(path)
        open_sections = {section_of(x, a) for x in open_questions}
        sections = [{"key": key, "label": step._(label),
                     "state": "current" if key == here else "open" if key in open_sections else "done"}
                    for key, label in SECTIONS]
        current = step.answers.profile
        given = value_at(current, path)
        value = posted if posted is not None else inputs.shown_value(spec, None if given is ABSENT else given,
                                                                        step.lang)
        answered = len(step.answers.order)
        return _page("question.html.j2", step.lang, status=422 if errors else 200, view=f"question:{path}",
                     state=step.answers.encode(), q=q, spec=spec, widget=_widget(spec, value, step.lang, more_records),
                     was_unknown=given == UNKNOWN, errors=list(errors), messages=step.messages,
                     sections=sections, section=step._(dict(SECTIONS)[here]), answered=answered,
                     still_open=len(open_questions), so_far=_so_far(a, step.lang, changes),
                     can_go_back=_previous(step.answers, path) is not None)
    finally:
        if own:
            session.close()


def _section_of_path(path: str) -> str:
    """The section of a question asked again (edited) after it is no longer open: where its fact's stage puts it."""
    i = stage(path)
    if i < len(STAGES):
        return _STAGE_SECTION[STAGES[i][0]]
    return "destinations" if path in ("destinations",) or path.startswith("means.") else "here"


def _widget(spec: FactSpec, value: Any, lang: str, more_records: int) -> dict[str, Any]:
    """What the question's inputs show: their kind, choices, pre-filled values, country names to pick from."""
    kind = spec.kind
    element = spec.element.kind if spec.element is not None else None
    widget: dict[str, Any] = {"kind": kind, "element": element, "value": "" if value is None or isinstance(value, (list, dict)) else str(value),
                              "countries": None, "choices": [], "slots": [], "records": [], "fields": []}
    if kind in ("bool", "enum") or (kind == "list" and spec.values):
        widget["choices"] = inputs.choices(spec, value, lang)
    if kind == "country" or element == "country" or any(s.kind == "country" for s in spec.item_fields.values()):
        widget["countries"] = inputs.country_options(lang)
    if kind == "list" and not spec.values:
        given = value if isinstance(value, list) else []
        widget["slots"] = list(given) + [""] * max(1, inputs.COUNTRY_SLOTS - len(given))
    if kind == "list":
        widget["none"] = value == []
    if kind == "items":
        records = [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
        widget["none"] = value == []
        widget["records"] = records + [{}] * (more_records if records else max(1, more_records))
        widget["fields"] = [_field(name, sub, lang) for name, sub in spec.item_fields.items()]
    return widget


def _field(name: str, sub: FactSpec, lang: str) -> dict[str, Any]:
    L = Lang(lang)
    options: list[tuple[str, str]] = []
    if sub.kind == "enum":
        options = [(v, inputs.label_of(v, lang)) for v in sub.values]
    elif sub.kind == "bool":
        options = [("yes", L.yes_no(True)), ("no", L.yes_no(False))]
    text = sub.question or sub.description
    question = L.t(text) if text else name
    if lang != "en" and (not text or question == text):  # no translated question: the field's translated name
        named = L.field(name)
        question = named[:1].upper() + named[1:]
    return {"name": name, "kind": sub.kind, "question": question, "options": options}


def _previous(answers: Answers, path: str | None) -> str | None:
    """The question before this one: the answer given before it (the last answer, from a new question)."""
    order = answers.order
    i = order.index(path) if path in order else len(order)
    return order[i - 1] if i > 0 else None


def review_page(step: Step, errors: Iterable[str] = ()) -> Any:
    """Every answer in the profile, by section, each with its button to change it."""
    L = Lang(step.lang)
    with step.session() as session:
        a = session.assessment()
        open_questions = session.next_questions(n=10_000)
        rows: dict[str, list[dict[str, Any]]] = {key: [] for key, _label in SECTIONS}
        for path in _answered_paths(step.answers.profile):
            value = value_at(step.answers.profile, path)
            q = _question_for(path, open_questions, step.lang)
            rows[_section_of_path(path)].append({
                "path": path, "question": q.question,
                "value": step._("don't know") if value == UNKNOWN else L.value(path, value)})
        groups = [(step._(label), rows[key]) for key, label in SECTIONS if rows[key]]
        return _page("review.html.j2", step.lang, view="review", state=step.answers.encode(), groups=groups,
                     errors=list(errors), messages=step.messages, still_open=len(open_questions),
                     so_far=_so_far(a, step.lang))


def _answered_paths(profile: dict[str, Any]) -> list[str]:
    return [p for p in catalogue() if p != AS_OF and value_at(profile, p) is not ABSENT]


_BODY = re.compile(r"<body>(.*)</body>", re.S)


def finding_url(finding_id: str, lang: str) -> str:
    """A finding's page in the rules explorer, in the page's language (as the report links it)."""
    from urllib.parse import quote

    return f"{RULES_URL}/finding/{quote(finding_id)}" + ("" if lang == "en" else f"?lang={lang}")


def report_body(a: Assessment, lang: str) -> str:
    """The HTML report's body, each finding's title linked to the rules explorer (its style sheet is served as
    /web/static/report-{lang}.css: the page has no inline style)."""
    found = _BODY.search(render(a, "html", lang=lang, depth="full", rules_url=RULES_URL))
    return found.group(1) if found else ""


def report_page(step: Step) -> Any:
    """The report of the answers, assessed as the service assesses (its engine: what ``refugee-rules assess``
    prints for the downloaded profile)."""
    from markupsafe import Markup

    a = assess(step.answers.profile, options=step.options())
    return _page("report.html.j2", step.lang, view="report", state=step.answers.encode(), messages=step.messages,
                 report=Markup(report_body(a, step.lang)), status_value=a.outcome.status, page_class="report")


def start_page(lang: str, *, errors: Iterable[str] = (), messages: Iterable[str] = (), finished: bool = False,
               status: int = 200) -> Any:
    import datetime as _dt

    return _page("start.html.j2", lang, status=status, errors=list(errors), messages=list(messages),
                 finished=finished, today=_dt.date.today().isoformat(), view="start")


@lru_cache(maxsize=4)
def report_css(lang: str) -> str:
    """The HTML report's style sheet (served from here, so the page needs no inline style), without the page
    margins that carry one case's reference and date."""
    html = render(assess({}, as_of="2024-01-01"), "html", lang=lang)
    found = re.search(r"<style>(.*?)</style>", html, re.S)
    css = found.group(1) if found else ""
    return "\n".join(line for line in css.splitlines() if not re.match(r"\s*@(top|bottom)-left\b", line)) + "\n"


# --- the steps ---------------------------------------------------------------------------------------------


def _lang(value: str) -> str:
    return value if value in LANGUAGES else "en"


def handle(body: bytes, base: Options) -> Any:
    """One POST of the interview (``application/x-www-form-urlencoded``): the page it answers."""
    try:
        form = inputs.FormData(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    except ValueError:
        return start_page("en", errors=["(body): not a form"], status=400)
    lang = _lang(form.get("lang"))
    try:
        answers = Answers.decode(form.get(STATE_FIELD))
    except ProfileError as e:
        return start_page(lang, errors=_errors(e, lang), status=422)
    step = Step(answers, lang, base)
    action = form.get("action", "next")
    at = form.get("at") if form.get("at") in catalogue() and form.get("at") != AS_OF else None
    if action == "start":
        try:
            answers.as_of = read_date(form.get("as_of"), "as_of")
        except ProfileError as e:
            return start_page(lang, errors=_errors(e, lang), status=422)
        return question_page(step)
    if action in ("answer", "unknown") and at is not None:
        return _answer(step, catalogue()[at], form, action == "unknown")
    if action == "more" and at is not None:
        spec = catalogue()[at]
        return question_page(step, at, posted=inputs.posted_value(spec, form), more_records=1)
    if action == "back":
        previous = _previous(answers, at)
        if previous is None:
            step.messages.append(step._("This is the first answer: there is nothing to go back to."))
        return question_page(step, previous or at)
    if action.startswith("edit:") and action[5:] in catalogue():
        return question_page(step, action[5:])
    if action == "review":
        return review_page(step)
    if action == "report":
        return report_page(step)
    if action.startswith("download:"):
        return _download(step, action.split(":", 1)[1])
    if action == "finish":
        return start_page(lang, finished=True, messages=[step._(
            "The answers are cleared from this page and from this browser's session storage.")])
    if action == "show":  # the same page in another language
        view = form.get("view")
        if view == "review":
            return review_page(step)
        if view == "report":
            return report_page(step)
        if view == "start":
            return start_page(lang)
        shown_path = view.split(":", 1)[1] if view.startswith("question:") else None
        return question_page(step, shown_path if shown_path in catalogue() else None)
    return question_page(step)


def _answer(step: Step, spec: FactSpec, form: inputs.FormData, unknown: bool) -> Any:
    session = step.session()
    try:
        try:
            value = UNKNOWN if unknown else inputs.read_answer(spec, form, step.lang)
            changes = session.answer(spec.path, value)
        except ProfileError as e:
            return question_page(step, spec.path, session=session, errors=_errors(e, step.lang),
                                 posted=inputs.posted_value(spec, form))
        step.answers.profile = session.profile().model_dump(mode="json", exclude_none=True)
        if spec.path not in step.answers.order:
            step.answers.order.append(spec.path)
        return question_page(step, session=session, changes=changes)
    finally:
        session.close()


def _download(step: Step, fmt: str) -> Any:
    from fastapi.responses import Response

    try:
        content, media_type, name = step.answers.download(fmt)
    except ProfileError as e:
        return review_page(step, errors=_errors(e, step.lang))
    return Response(content, media_type=media_type,
                    headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})


def upload(data: bytes, filename: str, lang: str, as_of: str, base: Options) -> Any:
    """A profile file uploaded to go on with: its answers, then the next open question."""
    lang = _lang(lang)
    try:
        profile = uploaded(data, filename)
        day = read_date(as_of, "as_of")
    except ProfileError as e:
        return start_page(lang, errors=_errors(e, lang), status=422)
    step = Step(Answers(profile=profile, as_of=day), lang, base)
    count = len(_answered_paths(profile))
    n = ngettext(lang)
    step.messages.append(n("%(count)d answer read from %(file)s.", "%(count)d answers read from %(file)s.", count)
                         % {"count": count, "file": filename or "?"})
    return question_page(step)



def guarded(fn: Callable[..., Any], *args: Any) -> Any:
    """Run one request of the interview: anything unforeseen is a page saying so, with no detail that could carry a
    case fact (nothing is logged: a traceback could quote one)."""
    try:
        return fn(*args)
    except Exception as e:  # never a traceback in a log or on the page
        return start_page("en", errors=[f"internal error ({type(e).__name__}); the answers were not kept on the "
                                        "server: download them before trying again"], status=500)
