"""The case profile: what a legal aid worker can tell us about one person.

Every field is optional because an interview is never complete. Three states matter and are kept apart:

* the field is absent — the question was *not asked*;
* the field holds ``"unknown"`` — it was asked and the client *does not know* (Oracle Policy
  Automation calls this *uncertain*);
* the field holds a value.

Neither of the first two is ever read as false: a rule over such a fact stays undetermined.

The shape follows how a caseworker's file is organised (identity, documents, journey, military
service, activity, cases, fears, exclusion and cessation facts, means), and every field carries a
description and the question that settles it; both flow into the JSON Schema and the reports.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal, Union

import pycountry
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

UNKNOWN = "unknown"
Unknown = Literal["unknown"]
"""The explicit marker for "asked, and the client does not know"."""

COUNTRY_CODES = frozenset(c.alpha_2 for c in pycountry.countries)


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) and value.strip().lower() != UNKNOWN else value


def _check_country(code: str) -> str:
    if code not in COUNTRY_CODES:
        raise PydanticCustomError("country_code", "expected an ISO 3166-1 alpha-2 country code such as RU, GE or KZ, "
                                  "got {got}", {"got": repr(code)})
    return code


CountryCode = Annotated[str, BeforeValidator(_upper), AfterValidator(_check_country)]

# Short type aliases for "a value, or the explicit unknown marker".
Tri = Union[bool, Unknown]
Day = Union[_dt.date, Unknown]
Country = Union[CountryCode, Unknown]


def fact(description: str, question: str, client_question: str | None = None) -> Any:
    """A profile field: absent by default, documented, and carrying the question that settles it."""
    extra: dict[str, Any] = {"question": question}
    if client_question:
        extra["client_question"] = client_question
    return Field(default=None, description=description, json_schema_extra=extra)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # built on first use, not on import


# --- documents ------------------------------------------------------------------------------

VisaType = Literal["tourist", "business", "work", "study", "family", "humanitarian", "transit", "other"]
VisaZone = Literal["schengen", "national"]
PermitBasis = Literal[
    "employment", "study", "marriage", "family", "real_estate", "passive_income", "remote_work",
    "talent", "investment", "humanitarian", "asylum", "other",
]


class TravelPassport(_Section):
    """The Russian 'foreign' (travel) passport, distinct from the internal passport."""

    held: Tri | None = fact(
        "Whether the person holds a travel (foreign) passport of their country of nationality.",
        "Does the person hold a travel (foreign) passport?",
        "Do you have a passport for travel abroad (zagranpasport)?",
    )
    issuing_country: Country | None = fact(
        "Country that issued the travel passport (ISO 3166-1 alpha-2).",
        "Which country issued the travel passport?",
    )
    valid_until: Day | None = fact(
        "Expiry date of the travel passport.", "When does the travel passport expire?",
        "Until when is your passport valid?",
    )
    confiscated: Tri | None = fact(
        "Whether the travel passport has been confiscated or withheld by the authorities.",
        "Has the travel passport been confiscated or withheld?",
    )


class Visa(_Section):
    """One visa held, as a caseworker would copy it from the passport page."""

    type: VisaType | Unknown | None = fact("Kind of visa.", "What kind of visa is it?")
    zone: VisaZone | Unknown | None = fact(
        "Schengen (uniform) visa or a national visa.", "Is it a Schengen visa or a national visa?"
    )
    issuing_state: Country | None = fact("State that issued the visa.", "Which state issued the visa?")
    issued_by_other_schengen_state: Tri | None = fact(
        "Whether the visa was issued by a Schengen state other than the one the person is in or is heading for, "
        "where the worker knows that but not which state (leave issuing_state out then).",
        "Was the visa issued by another Schengen state (even if you do not know which one)?",
        "Was your visa issued by a different Schengen country from the one you are going to?",
    )
    valid_from: Day | None = fact("First day of validity.", "From when is the visa valid?")
    valid_until: Day | None = fact("Last day of validity.", "Until when is the visa valid?")


class ResidencePermit(_Section):
    """A residence permit held in a country other than the country of nationality."""

    country: Country | None = fact("Country that granted the permit.", "Which country granted the permit?")
    basis: PermitBasis | Unknown | None = fact(
        "Legal basis the permit was granted on.", "On what basis was the residence permit granted?"
    )
    valid_until: Day | None = fact("Expiry date of the permit.", "When does the residence permit expire?")


class Documents(_Section):
    internal_passport: Tri | None = fact(
        "Whether the person holds their internal (domestic) identity passport.",
        "Does the person hold an internal passport?",
        "Do you have your internal (domestic) passport with you?",
    )
    travel_passport: TravelPassport | None = Field(default=None, description="The travel (foreign) passport.")
    visas: list[Visa] | Unknown | None = fact(
        "Visas currently or recently held. An empty list means: none.",
        "Which visas does the person hold (type, zone, issuing state, validity)?",
        "Do you have any visas? Which ones?",
    )
    residence_permits: list[ResidencePermit] | Unknown | None = fact(
        "Residence permits held outside the country of nationality. An empty list means: none.",
        "Does the person hold any residence permit abroad, where and on what basis?",
    )


# --- where the person is, and the journey ---------------------------------------------------------


class Location(_Section):
    country: Country | None = fact(
        "Country where the person is now (ISO 3166-1 alpha-2).",
        "In which country is the person now?",
        "Which country are you in now?",
    )
    since: Day | None = fact("Date the person arrived where they are now.", "Since when has the person been there?")


class Travel(_Section):
    departure_date: Day | None = fact(
        "Date the person left their country of nationality (or of former habitual residence).",
        "When did the person leave their country?",
        "When did you leave your country?",
    )
    entry_date: Day | None = fact(
        "Date the person entered the country where they are now.",
        "When did the person enter the country where they are now?",
    )
    left_after_feared_events: Tri | None = fact(
        "Whether the events giving rise to the fear happened after the person left (a claim sur place).",
        "Did the events that cause the fear happen after the person had left the country?",
    )


# --- military service -------------------------------------------------------------------------------

ObjectionGround = Literal["religious", "moral", "political", "ethical", "other"]


class ConscientiousObjection(_Section):
    held: Tri | None = fact(
        "Whether the person objects to military service for reasons of conscience.",
        "Does the person object to military service for reasons of conscience?",
        "Do you refuse to serve because of your beliefs or conscience?",
    )
    grounds: list[ObjectionGround] | Unknown | None = fact(
        "The grounds of the objection.", "On what grounds does the person object?"
    )
    genuine_conviction: Tri | None = fact(
        "Whether the objection rests on genuine political, religious or moral convictions, as assessed "
        "by the caseworker from the account (UNHCR Handbook ¶170).",
        "Does the account show that the objection rests on genuine convictions?",
    )


class Military(_Section):
    liable: Tri | None = fact(
        "Whether the person is liable to military service or mobilisation (e.g. a reservist of call-up age).",
        "Is the person liable to military service or mobilisation?",
        "Are you liable for military service or on the reserve list?",
    )
    summoned: Tri | None = fact(
        "Whether the person has received a call-up or mobilisation summons (paper or electronic).",
        "Has the person received a summons?",
        "Have you received a summons from the military enlistment office?",
    )
    summons_date: Day | None = fact("Date the summons was received.", "When was the summons received?")
    mobilised: Tri | None = fact(
        "Whether the person was mobilised (called up and enrolled).", "Was the person mobilised?"
    )
    serving: Tri | None = fact("Whether the person is currently serving.", "Is the person currently serving?")
    deserted: Tri | None = fact(
        "Whether the person deserted (left a unit without authorisation).", "Did the person desert?",
        "Did you leave your unit without permission?",
    )
    evaded: Tri | None = fact(
        "Whether the person evaded call-up or mobilisation (left or hid to avoid it).",
        "Did the person evade call-up or mobilisation?",
    )
    conscientious_objection: ConscientiousObjection | None = Field(
        default=None, description="Objection to service for reasons of conscience."
    )
    refusal_procedure_available: Tri | None = fact(
        "Whether a procedure to refuse service (alternative civilian service) was actually available to the person.",
        "Was a procedure to refuse service or do alternative civilian service available to the person?",
    )
    refusal_procedure_used: Tri | None = fact(
        "Whether the person used such a procedure.", "Did the person use the refusal procedure?"
    )
    unit_involved_in_violations: Tri | None = fact(
        "Whether the person's unit was or would be involved in acts contrary to international law "
        "(war crimes, crimes against humanity).",
        "Was the person's unit (or would it be) involved in acts contrary to international humanitarian law?",
    )
    only_dislike_or_fear_of_combat: Tri | None = fact(
        "Whether the person's only reason is dislike of military service or fear of combat (UNHCR Handbook ¶168).",
        "Is dislike of military service or fear of combat the person's only reason?",
    )
    punishment_disproportionate_on_ground: Tri | None = fact(
        "Whether the punishment for evasion or desertion would be disproportionately severe on account of "
        "race, religion, nationality, social group or political opinion (UNHCR Handbook ¶169).",
        "Would the person be punished more severely for evasion or desertion because of their ethnicity, "
        "religion, opinion or group?",
    )
    alternative_service_punitive: Tri | None = fact(
        "Whether the alternative (civilian) service on offer is punitive in kind or disproportionately long "
        "(UNHCR Guidelines No. 10, conscientious objection).",
        "Is the alternative civilian service on offer punitive or disproportionately long?",
    )
    conditions_of_service_abusive: Tri | None = fact(
        "Whether the conditions of military service the person faces amount to torture, cruel or inhuman "
        "treatment, forced labour or similar serious harm (UNHCR Guidelines No. 10).",
        "Would the conditions of service themselves expose the person to torture, cruel treatment or forced labour?",
    )
    forced_recruitment_non_state: Tri | None = fact(
        "Whether the person faces forced recruitment by a non-state armed group (UNHCR Guidelines No. 10).",
        "Does a non-state armed group try to recruit the person by force?",
    )
    objects_to_conduct_of_war: Tri | None = fact(
        "Whether the person states that they do not wish to be associated with the military action because of how "
        "it is conducted (acts contrary to the basic rules of human conduct), not only because they disagree with "
        "its political justification or dislike combat (UNHCR Handbook ¶171).",
        "Does the person state an objection to taking part in the war because of how it is conducted "
        "(e.g. attacks on civilians, killing of prisoners)?",
        "Why do you not want to take part in this war? Is it because of what the army does there?",
    )
    recruitment_targeted_person_on_ground: Tri | None = fact(
        "Whether the person himself or herself was singled out for call-up, mobilisation or harsher treatment on "
        "account of race, religion, nationality (ethnicity), social group or political opinion: persecution on a "
        "Convention ground beyond the punishment (UNHCR Handbook ¶169). A statistic about the group is evidence of "
        "risk, not this fact.",
        "Was the person personally singled out for call-up or treated more harshly because of their ethnicity, "
        "religion, opinion or group?",
    )
    recruited_as_child: Tri | None = fact(
        "Whether the person was or would be recruited while under 18 (UNHCR Guidelines No. 10).",
        "Was (or would) the person be recruited while under 18?",
    )


# --- activity, cases, identity ------------------------------------------------------------------------


class PoliticalActivity(_Section):
    protests: Tri | None = fact("Took part in protests.", "Did the person take part in protests?",
                                "Did you take part in protests?")
    petitions: Tri | None = fact("Signed or distributed petitions.", "Did the person sign or distribute petitions?")
    publications: Tri | None = fact("Published critical texts or posts.", "Did the person publish critical texts or posts?")
    journalism: Tri | None = fact("Works or worked as a journalist.", "Is the person a journalist?")
    organising: Tri | None = fact("Organised political or civic activity.", "Did the person organise political or civic activity?")
    anti_war_statements: Tri | None = fact(
        "Made public statements against the war.", "Did the person speak publicly against the war?",
        "Did you speak publicly against the war?",
    )
    public_profile: Tri | None = fact(
        "Whether the person is publicly known (a deputy, artist, journalist, public figure).",
        "Is the person publicly known?",
    )


CaseKind = Literal["criminal", "administrative"]
CaseStage = Literal[
    "threatened", "pre_investigation_check", "witness_summons", "administrative_protocol",
    "investigation", "charged", "trial", "convicted", "closed",
]
"""Where a case stands. Before an investigation is opened: ``pre_investigation_check`` (a check of a report
of a crime), ``witness_summons`` (summoned to be questioned as a witness), ``administrative_protocol`` (a
protocol of an administrative offence drawn up)."""

PenaltyConduct = Literal[
    "draft_evasion", "desertion", "refusal_to_fight", "voluntary_surrender", "unauthorised_leaving_of_unit",
    "anti_war_speech", "discrediting_army", "false_information_about_army", "foreign_agent_law",
    "undesirable_organisation", "extremism", "other",
]


class PenaltyFaced(_Section):
    """A penalty the person faces under the law of the country of nationality, whether or not a case is open."""

    conduct: PenaltyConduct | Unknown | None = fact(
        "What the penalty is for.", "For what conduct does the person face a penalty?"
    )
    article: str | None = Field(default=None, max_length=100,
                                description="Article of the code, e.g. '328 Criminal Code' or '337 Criminal Code'.",
                                json_schema_extra={"question": "Under which article of which code?"})
    maximum_years: Annotated[float, Field(ge=0, le=100)] | Unknown | None = fact(
        "Maximum penalty in years of imprisonment under that article.", "What is the maximum penalty in years?"
    )
    case_opened: Tri | None = fact(
        "Whether a case (criminal or administrative) has been opened against the person for it.",
        "Has a case been opened against the person for it?",
        "Has a case been opened against you for this?",
    )


DesignationKind = Literal["foreign_agent", "undesirable_organisation", "extremist_list", "terrorist_list"]


class Designation(_Section):
    """A designation by the authorities of the country of nationality (registers kept by the Ministry of Justice
    or the financial monitoring service), of the person or of an organisation they belong to or work with."""

    kind: DesignationKind | Unknown | None = fact(
        "Kind of designation: 'foreign agent', an 'undesirable' organisation, the list of extremists and terrorists, "
        "or a terrorist list.",
        "Which designation is it (foreign agent, 'undesirable' organisation, extremist or terrorist list)?",
    )
    of_person: Tri | None = fact(
        "Whether the person is designated personally (true), or an organisation they belong to or work with (false).",
        "Is the person designated personally? (No: only an organisation they belong to or work with is.)",
    )
    date: Day | None = fact("Date of the designation.", "When was the designation made?",
                            "When were you (or the organisation) designated?")


VisitPurpose = Literal["family_illness_or_death", "family", "property_or_documents", "work", "holiday", "other"]


class ReturnVisit(_Section):
    """A visit back to the country of nationality (or former habitual residence) after leaving."""

    from_date: Day | None = fact("First day of the visit.", "When did the visit start?", "When did you go back?")
    until: Day | None = fact("Last day of the visit.", "When did the visit end?", "When did you leave again?")
    purpose: VisitPurpose | Unknown | None = fact(
        "Why the person went back.", "Why did the person go back?", "Why did you go back?"
    )
    harmed: Tri | None = fact(
        "Whether the person was harmed, detained, questioned or threatened during the visit.",
        "Was the person harmed, detained, questioned or threatened during the visit?",
        "Did anything happen to you during the visit (detention, questioning, threats)?",
    )
    left_again: Tri | None = fact(
        "Whether the person left the country again after the visit.", "Did the person leave the country again?"
    )


class LegalCase(_Section):
    """A criminal or administrative case against the person in the country of nationality."""

    kind: CaseKind | Unknown | None = fact("Criminal or administrative.", "Is the case criminal or administrative?")
    charge: str | None = Field(default=None, max_length=500, description="The charge as stated (free text).",
                               json_schema_extra={"question": "What is the person charged with?"})
    article: str | None = Field(default=None, max_length=100, description="Article of the code, e.g. '207.3 Criminal Code'.",
                                json_schema_extra={"question": "Under which article?"})
    stage: CaseStage | Unknown | None = fact("Stage the case has reached.", "What stage has the case reached?")
    max_penalty_years: Annotated[float, Field(ge=0, le=100)] | Unknown | None = fact(
        "Maximum penalty in years of imprisonment.", "What is the maximum penalty in years?"
    )
    wanted_listing: Tri | None = fact("Whether the person is on a wanted list.", "Is the person on a wanted list?")
    based_on_protected_conduct: Tri | None = fact(
        "Whether the charge punishes conduct such as speech, protest, religion or sexual orientation.",
        "Does the charge punish speech, protest, belief or identity?",
    )
    penalty_disproportionate: Tri | None = fact(
        "Whether the penalty faced is disproportionately severe for the conduct charged (UNHCR Handbook ¶¶56-60).",
        "Is the penalty the person faces disproportionately severe for what they are charged with?",
    )
    applied_discriminatorily: Tri | None = fact(
        "Whether the law is applied to the person in a discriminatory way (e.g. selectively against "
        "opponents or a minority) (UNHCR Handbook ¶¶56-60).",
        "Is the law being applied to the person selectively or in a discriminatory way?",
    )
    pretextual: Tri | None = fact(
        "Whether the charge is a pretext: an ordinary-law charge used to punish the person for a "
        "Convention reason (opinion, identity, belief).",
        "Is the charge a pretext for punishing the person's opinion, identity or belief?",
    )


class Identity(_Section):
    """Sensitive: collect only with consent, and only where relevant to the claim."""

    religion: str | Unknown | None = Field(default=None, max_length=200, description="Religion or belief, if relevant.",
                                           json_schema_extra={"question": "What is the person's religion or belief, if relevant?"})
    ethnicity: str | Unknown | None = Field(default=None, max_length=200, description="Ethnic group, if relevant (e.g. Buryat).",
                                            json_schema_extra={"question": "What is the person's ethnic group, if relevant?"})
    ethnic_minority: Tri | None = fact(
        "Whether the person belongs to an ethnic minority in the country of nationality.",
        "Does the person belong to an ethnic minority in the country of nationality?",
    )
    lgbtq: Tri | None = fact(
        "Whether the person is lesbian, gay, bisexual, transgender, queer or intersex, or is perceived to be.",
        "Is the person LGBTQ+ or perceived to be?",
    )


# --- fear, harm, protection --------------------------------------------------------------------------------

Harm = Literal[
    "prosecution", "imprisonment", "torture", "ill_treatment", "killing", "forced_conscription",
    "combat_deployment", "detention", "violence", "discrimination", "property_confiscation", "other",
]
Agent = Literal["state", "non_state", "unknown_agent"]
Ground = Literal["race", "religion", "nationality", "particular_social_group", "political_opinion"]


class Fear(_Section):
    fears_return: Tri | None = fact(
        "Whether the person states that they fear returning (the subjective element).",
        "Does the person fear returning to their country?",
        "Are you afraid of what would happen to you if you went back?",
    )
    feared_harms: list[Harm] | Unknown | None = fact(
        "The harms the person fears on return.", "What harm does the person fear on return?",
        "What do you fear would happen to you?",
    )
    agents: list[Agent] | Unknown | None = fact(
        "Who the person fears harm from.", "Who does the person fear harm from?"
    )
    past_persecution: Tri | None = fact(
        "Whether the person has already suffered persecution or threats of it.",
        "Has the person already suffered persecution or threats?",
    )
    reasons_attributed: list[Ground] | Unknown | None = fact(
        "The Convention grounds the feared harm is for, as the caseworker reads the account (held or imputed).",
        "For which reasons would the person be harmed: race, religion, nationality, social group, political opinion?",
    )
    state_protection_available: Tri | None = fact(
        "Whether the authorities of the country of nationality could and would protect the person.",
        "Could the authorities of the country protect the person?",
    )
    cumulative_measures_serious: Tri | None = fact(
        "The caseworker's assessment that the measures the person suffered or fears, taken together (fines, "
        "detentions, searches, dismissal, threats, discrimination), amount to persecution on cumulative grounds, "
        "though none does alone (UNHCR Handbook ¶¶53-55).",
        "Taken together, do the measures against the person amount to persecution, though none does alone?",
    )
    harm_likely: Tri | None = fact(
        "The caseworker's assessment that the feared harm is reasonably likely on return, "
        "from the person's profile and country information (the objective element).",
        "Is the feared harm reasonably likely on return, given the person's profile and country information?",
    )


class OtherNationality(_Section):
    """A nationality other than the one the claim is made against (Art 1A(2), second paragraph)."""

    country: Country | None = fact("The other country of nationality.", "Which other nationality does the person hold?")
    protection_available: Tri | None = fact(
        "Whether the protection of that country is actually available to the person.",
        "Can the person actually obtain that country's protection?",
    )
    well_founded_fear_there: Tri | None = fact(
        "Whether the person has a well-founded fear in that country too.",
        "Does the person also fear persecution in that country?",
    )


# --- exclusion and cessation ---------------------------------------------------------------------------


class Exclusion(_Section):
    """Facts relevant to Article 1F. Their presence triggers referral to counsel, not a verdict."""

    war_crimes_or_crimes_against_humanity: Tri | None = fact(
        "Serious reasons to consider the person committed a crime against peace, a war crime or a crime against humanity.",
        "Is there information that the person took part in war crimes or crimes against humanity?",
    )
    serious_non_political_crime: Tri | None = fact(
        "Serious reasons to consider the person committed a serious non-political crime outside the country of refuge before admission.",
        "Is there information that the person committed a serious non-political crime before arriving?",
    )
    acts_contrary_to_un_purposes: Tri | None = fact(
        "Serious reasons to consider the person is guilty of acts contrary to the purposes and principles of the United Nations.",
        "Is there information that the person committed acts contrary to the purposes and principles of the UN?",
    )
    receives_un_agency_assistance: Tri | None = fact(
        "Whether the person receives protection or assistance from a UN organ other than UNHCR (Art 1D).",
        "Does the person receive assistance from a UN agency other than UNHCR (e.g. UNRWA)?",
    )
    resident_with_national_rights_in: Country | None = fact(
        "A country whose authorities recognise the person as having the rights and obligations of its nationals (Art 1E).",
        "Is the person recognised in another country as having the rights of its nationals?",
    )
    national_rights_recognised: Tri | None = fact(
        "Whether the authorities of the country where the person has taken residence recognise them as having "
        "the rights and obligations attached to its nationality (Art 1E).",
        "Do the authorities of the country where the person lives recognise them as having the rights and "
        "obligations of its nationals?",
    )
    unit_service_serious_reasons: Tri | None = fact(
        "Counsel's conclusion, for a person who served in a unit involved in war crimes or crimes against "
        "humanity, on whether there are serious reasons for considering that they are individually responsible "
        "(true) or not (false) (Art 1F(a)). Service in such a unit raises the question; it does not answer it.",
        "Having weighed the person's own role in the unit, has counsel found serious reasons for considering that "
        "they are individually responsible for the unit's crimes?",
    )
    basis_only_persecutor_label: Tri | None = fact(
        "Whether the only information pointing to an Article 1F ground is the persecuting state's own charge or "
        "label (e.g. 'terrorism', 'extremism'), which is not by itself a serious reason for considering.",
        "Is the persecuting state's own accusation (e.g. 'terrorism', 'extremism') the only information behind "
        "the Article 1F concern?",
    )


class Cessation(_Section):
    """Facts relevant to Article 1C, which can end the refugee status of a person already recognised."""

    recognised_refugee: Tri | None = fact(
        "Whether the person has already been recognised as a refugee (by a state or by UNHCR). The cessation "
        "clauses of Article 1C apply only to a recognised refugee; for an applicant, a return visit or contact with "
        "the consulate bears on the fear instead.",
        "Has the person already been recognised as a refugee (by a state or by UNHCR)?",
        "Have you already been granted refugee status anywhere?",
    )

    voluntary_return: Tri | None = fact(
        "Whether the person has voluntarily returned to and re-established in the country of nationality.",
        "Has the person voluntarily returned to live in the country?",
    )
    new_passport_from_consulate: Tri | None = fact(
        "Whether the person voluntarily obtained a new national passport from their country's consulate after leaving.",
        "Has the person obtained a new passport from their country's consulate since leaving?",
    )
    passport_obtained_voluntarily: Tri | None = fact(
        "Whether the person obtained or renewed the national passport of their own free will (not, for example, "
        "on the instruction of the authorities of the country of refuge) (UNHCR Handbook ¶¶119-120).",
        "Did the person obtain or renew the national passport of their own free will?",
    )
    passport_intention_rebutted: Tri | None = fact(
        "Whether there is proof that, in obtaining the national passport, the person did not intend to put "
        "themselves again under the protection of the country (e.g. obtained only to travel on or to get "
        "documents, never used to return): the proof that rebuts the presumption (UNHCR Handbook ¶121).",
        "Is there proof that the person did not intend, by getting the passport, to put themselves again under "
        "the country's protection?",
        "Why did you get (or renew) your passport at the consulate, and what have you used it for?",
    )
    new_nationality: Country | None = fact(
        "A nationality acquired after leaving.", "Has the person acquired a new nationality? Which?"
    )
    new_nationality_protection: Tri | None = fact(
        "Whether the person enjoys the protection of that new nationality.",
        "Does the person enjoy the protection of the new nationality?",
    )
    reacquired_lost_nationality: Tri | None = fact(
        "Whether the person, having lost their nationality, voluntarily re-acquired it (Art 1C(2)).",
        "Has the person voluntarily re-acquired a nationality they had lost?",
    )
    circumstances_ceased: Tri | None = fact(
        "Whether the circumstances in connection with which the person was recognised or feared persecution have "
        "ceased to exist, fundamentally and durably (Art 1C(5)-(6)).",
        "Have the circumstances that caused the fear ceased to exist, fundamentally and durably?",
    )
    compelling_reasons_previous_persecution: Tri | None = fact(
        "Whether the person can invoke compelling reasons arising out of previous persecution for refusing to "
        "return (the proviso to Art 1C(5)-(6)).",
        "Can the person invoke compelling reasons, arising out of past persecution, for refusing to return?",
    )


class InternalFlight(_Section):
    """Facts for an internal flight or relocation alternative (UNHCR Handbook ¶91; Guidelines No. 4)."""

    area_identified: Tri | None = fact(
        "Whether a specific area of the country of origin has been proposed for relocation (Guidelines No. 4 ¶6).",
        "Has a specific area in the country of origin been proposed where the person could relocate?",
    )
    area_accessible: Tri | None = fact(
        "Whether that area is practically, safely and legally accessible to the person (Guidelines No. 4 ¶7(I)(a)).",
        "Could the person reach that area practically, safely and legally?",
    )
    risk_in_area: Tri | None = fact(
        "Whether the person would face the feared persecution or other serious harm in that area (Guidelines No. 4 ¶7(I)(c)).",
        "Would the person face the feared harm, or other serious harm, in that area?",
    )
    relocation_reasonable: Tri | None = fact(
        "Whether the person could lead a relatively normal life there without undue hardship (Guidelines No. 4 ¶7(II)).",
        "Could the person lead a relatively normal life in that area without undue hardship?",
    )


class Security(_Section):
    """Facts relevant to Article 33(2): a consequence for protection from refoulement, not an exclusion clause."""

    danger_to_host_security: Tri | None = fact(
        "Whether there are reasonable grounds for regarding the person as a danger to the security of the host country.",
        "Are there reasonable grounds to regard the person as a danger to the security of the host country?",
    )
    convicted_particularly_serious_crime: Tri | None = fact(
        "Whether the person has been convicted by a final judgment of a particularly serious crime.",
        "Has the person been convicted by a final judgment of a particularly serious crime?",
    )
    danger_to_community: Tri | None = fact(
        "Whether, having been so convicted, the person constitutes a danger to the community of the host country.",
        "Does the person, so convicted, constitute a danger to the community of the host country?",
    )


EvidenceDecision = Literal["accepted", "rejected"]


def _evidence(item: str, statement: str) -> Any:
    return fact(
        f"The caseworker's decision on country evidence item {item} ({statement}): 'accepted' = reliable and "
        "applicable to this person; 'rejected' = not relied on; 'unknown' or absent = not reviewed, so no rule relies on it. "
        "The dated, cited item is in rulesets/country-evidence/.",
        f"Do you accept, for this case, the country evidence that {statement}?",
    )


class CountryEvidence(_Section):
    """The caseworker's decision, per case, on each country-of-origin evidence item (rulesets/country-evidence/).

    Evidence is never hard-coded truth: a rule that relies on an item reads this decision, and an item the
    worker has not reviewed (absent or 'unknown') is relied on by nothing, so what turns on it stays undetermined.
    """

    ru_refusal_to_fight_up_to_10_years: EvidenceDecision | Unknown | None = _evidence(
        "ru-refusal-to-fight-up-to-10-years", "Russian conscripts who refuse to fight face prison terms of up to ten years")
    ru_unlawful_war_conscription: EvidenceDecision | Unknown | None = _evidence(
        "conv-conscription-evaders-covered",
        "Russia's war in Ukraine is unlawful, so conscription into it involves military action contrary to the basic rules of human conduct")
    ru_mongolic_peoples_disproportionately_targeted: EvidenceDecision | Unknown | None = _evidence(
        "ru-mongolic-peoples-disproportionately-targeted",
        "Mongolic peoples of Russia (Buryat, Kalmyk, Tuvan) have been disproportionately targeted by mobilisation")
    ru_mobilisation_national_republics: EvidenceDecision | Unknown | None = _evidence(
        "ru-mobilisation-national-republics",
        "residents of Russia's national republics (Buryatia, Chechnya, Dagestan) were sent to the war first")
    ru_lgbt_movement_criminalised_2023: EvidenceDecision | Unknown | None = _evidence(
        "ru-lgbt-movement-criminalised-2023", "Russia criminalised the 'LGBT movement' in late 2023")
    ru_prosecution_for_anti_war_speech: EvidenceDecision | Unknown | None = _evidence(
        "ru-prosecution-for-anti-war-speech", "people who speak out about the invasion face criminal prosecution in Russia")
    ru_activists_imprisonment_torture: EvidenceDecision | Unknown | None = _evidence(
        "ru-activists-imprisonment-torture", "for anti-war activists, staying in Russia could mean imprisonment and torture")


# --- asylum and residence -------------------------------------------------------------------------------

ApplicationStatus = Literal["pending", "granted", "refused", "withdrawn", "unknown"]


class AsylumApplication(_Section):
    country: Country | None = fact("Where the application was made.", "Where was asylum applied for?")
    date: Day | None = fact("When it was made.", "When was the application made?")
    status: ApplicationStatus | None = fact("Where it stands.", "What is the status of the application?")


class Means(_Section):
    """Means and ties that open residence routes in host countries."""

    employment_offer_in: list[CountryCode] | Unknown | None = fact(
        "Countries where the person has a job or a job offer.", "Does the person have a job or job offer abroad? Where?"
    )
    study_admission_in: list[CountryCode] | Unknown | None = fact(
        "Countries where the person is admitted to study.", "Is the person admitted to study abroad? Where?"
    )
    spouse_national_of: list[CountryCode] | Unknown | None = fact(
        "Countries of which the person's spouse is a national.", "Is the person married to a national of another country? Which?"
    )
    real_estate_in: list[CountryCode] | Unknown | None = fact(
        "Countries where the person owns real estate.", "Does the person own real estate abroad? Where?"
    )
    passive_income: Tri | None = fact(
        "Whether the person has passive or rental income.", "Does the person have passive or rental income?"
    )
    remote_work: Tri | None = fact("Whether the person works remotely.", "Does the person work remotely?")
    talent_skills: Tri | None = fact(
        "Whether the person has recognised exceptional talent or skills (e.g. for a talent visa).",
        "Does the person have recognised exceptional talent or skills?",
    )


class CaseProfile(_Section):
    """Everything a caseworker knows about one person, on the day of the interview."""

    case_ref: str | None = Field(
        default=None, max_length=100,
        description="The organisation's own case reference. Never put a name here unless the client agreed.",
    )
    nationalities: list[CountryCode] | Unknown | None = fact(
        "Countries of nationality (ISO 3166-1 alpha-2). An empty list means: stateless.",
        "Which nationalities does the person hold?",
        "Which citizenships do you have?",
    )
    former_habitual_residence: Country | None = fact(
        "For a stateless person: the country of former habitual residence.",
        "For a stateless person: in which country did they habitually live?",
    )
    location: Location | None = Field(default=None, description="Where the person is now.")
    documents: Documents | None = Field(default=None, description="Identity and travel documents, visas and permits.")
    travel: Travel | None = Field(default=None, description="Departure and entry.")
    military: Military | None = Field(default=None, description="Military service situation.")
    political_activity: PoliticalActivity | None = Field(default=None, description="Political and public activity.")
    penalties_faced: list[PenaltyFaced] | Unknown | None = fact(
        "Penalties the person faces under the law of the country of nationality (article, maximum), whether or not "
        "a case is open, e.g. for evasion or desertion. An empty list means: none.",
        "What penalty does the person face on return, under which article, and has a case been opened?",
        "What punishment could you face if you went back, and under which article?",
    )
    designations: list[Designation] | Unknown | None = fact(
        "Designations by the authorities: 'foreign agent', an 'undesirable' organisation, extremist or terrorist "
        "lists, with their dates. An empty list means: none.",
        "Has the person (or an organisation they are involved with) been designated a 'foreign agent', "
        "'undesirable', extremist or terrorist? When?",
        "Have you or an organisation you work with been declared a 'foreign agent', 'undesirable', extremist or terrorist?",
    )
    return_visits: list[ReturnVisit] | Unknown | None = fact(
        "Visits back to the country of nationality (or former habitual residence) after leaving: dates, purpose, "
        "whether harmed, whether they left again. An empty list means: none.",
        "Has the person gone back to their country since leaving? When, why, what happened, and did they leave again?",
        "Have you been back to your country since you left?",
    )
    legal_cases: list[LegalCase] | Unknown | None = fact(
        "Criminal or administrative cases against the person. An empty list means: none.",
        "Is there any criminal or administrative case against the person?",
        "Has a criminal or administrative case been opened against you?",
    )
    detentions: Annotated[int, Field(ge=0, le=1000)] | Unknown | None = fact(
        "Number of times the person was detained.", "How many times was the person detained?"
    )
    identity: Identity | None = Field(default=None, description="Religion, ethnicity, sexual orientation and gender identity (sensitive).")
    fear: Fear | None = Field(default=None, description="Feared harm, its agents and the protection available.")
    other_nationalities: list[OtherNationality] | Unknown | None = fact(
        "Other nationalities and whether their protection is available (Art 1A(2), second paragraph).",
        "Does the person hold another nationality whose protection they could use?",
    )
    exclusion: Exclusion | None = Field(default=None, description="Facts relevant to Articles 1D, 1E and 1F.")
    cessation: Cessation | None = Field(default=None, description="Facts relevant to Article 1C.")
    internal_flight: InternalFlight | None = Field(
        default=None, description="A proposed internal flight or relocation alternative (UNHCR Handbook ¶91; Guidelines No. 4)."
    )
    security: Security | None = Field(default=None, description="Facts relevant to Article 33(2) (protection from refoulement).")
    country_evidence: CountryEvidence | None = Field(
        default=None, description="The caseworker's decision on each country-of-origin evidence item, for this case."
    )
    asylum_applications: list[AsylumApplication] | Unknown | None = fact(
        "Asylum applications made, where and when.", "Has the person applied for asylum anywhere?"
    )
    means: Means | None = Field(default=None, description="Means and ties relevant to residence routes.")
    destinations: list[CountryCode] | None = fact(
        "Destinations the person is considering (ISO 3166-1 alpha-2).",
        "Which countries is the person considering going to?",
        "Which countries are you thinking of going to?",
    )
