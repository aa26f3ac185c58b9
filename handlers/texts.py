"""Words for the programme's values (roles, activity kinds, ...) in the current language."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from domain.municipalities import name as municipality_name
from domain.profile import ELSEWHERE, Step
from handlers.i18n import endonym, isolate


def role_label(value: str) -> str:
    labels = {
        "newcomer": _("🌱 I am new in Brussels"),
        "buddy": _("🤝 I want to be a buddy"),
    }
    return labels.get(value, value)


def role_name(value: str | None) -> str:
    labels = {
        "newcomer": _("newcomer"),
        "buddy": _("buddy"),
        "coordinator": _("coordinator"),
        "admin": _("coordinator"),
    }
    return labels.get(value or "", "–")


def status_label(value: str | None) -> str:
    labels = {
        "onboarding": _("filling in the profile"),
        "waiting": _("waiting"),
        "matched": _("in a pair"),
        "paused": _("paused"),
        "inactive": _("inactive"),
    }
    return labels.get(value or "", "–")


def activity_label(value: str) -> str:
    labels = {
        "leisure": _("🎲 Leisure"),
        "culture": _("🎭 Culture and arts"),
        "sport": _("⚽ Sport"),
        "welfare": _("💚 Well-being"),
        "volunteering": _("🙌 Volunteering together"),
        "dutch_practice": _("🗣 Practising Dutch"),
        "discover_city": _("🏙 Discovering the city"),
        "community": _("🎉 Community events"),
        "internship": _("💼 Internship or work experience"),
    }
    return labels.get(value, value)


def availability_label(value: str) -> str:
    labels = {
        "weekday_day": _("☀️ Weekdays, daytime"),
        "weekday_evening": _("🌙 Weekday evenings"),
        "weekend": _("📅 Weekends"),
    }
    return labels.get(value, value)


def dutch_level_label(value: str) -> str:
    labels = {
        "none": _("Not yet"),
        "beginner": _("A few words"),
        "conversation": _("A simple conversation"),
        "fluent": _("Fluently"),
    }
    return labels.get(value, value)


def gender_label(value: str) -> str:
    labels = {
        "woman": _("Woman"),
        "man": _("Man"),
        "other": _("Other"),
        "unsaid": _("I prefer not to say"),
    }
    return labels.get(value, value)


def gender_preference_label(value: str) -> str:
    labels = {
        "none": _("No preference"),
        "woman": _("A woman"),
        "man": _("A man"),
    }
    return labels.get(value, value)


def capacity_label(value: str) -> str:
    count = int(value)
    return ngettext("{count} newcomer", "{count} newcomers", count).format(count=count)


def municipality_label(value: str, locale: str) -> str:
    if value == ELSEWHERE:
        return _("Elsewhere")
    return municipality_name(value, locale)


def choice_label(step: Step, value: str, locale: str) -> str:
    """The button text of one choice of an onboarding step."""
    match step:
        case Step.ROLE:
            return role_label(value)
        case Step.MUNICIPALITY:
            return municipality_label(value, locale)
        case Step.LANGUAGES:
            return endonym(value)
        case Step.INTERESTS:
            return activity_label(value)
        case Step.AVAILABILITY:
            return availability_label(value)
        case Step.DUTCH_LEVEL:
            return dutch_level_label(value)
        case Step.GENDER:
            return gender_label(value)
        case Step.GENDER_PREFERENCE:
            return gender_preference_label(value)
        case Step.CAPACITY:
            return capacity_label(value)
        case Step.NAME:
            return value


def step_question(step: Step) -> str:
    questions = {
        Step.ROLE: _("Are you new in Brussels, or would you like to be a buddy for a newcomer?"),
        Step.NAME: _("What is your first name? Please type it below."),
        Step.MUNICIPALITY: _("Where do you live? Choose your municipality."),
        Step.LANGUAGES: _("Which languages do you speak? Tap all that fit, then tap “Done”."),
        Step.INTERESTS: _("What would you like to do together? Tap all you like, then “Done”."),
        Step.AVAILABILITY: _("When are you usually free? Tap all that fit, then “Done”."),
        Step.DUTCH_LEVEL: _("Do you already speak some Dutch?"),
        Step.GENDER: _(
            "Your gender. Some newcomers feel safer with a buddy of the same gender. "
            "You may choose “I prefer not to say”."
        ),
        Step.GENDER_PREFERENCE: _(
            "Would you prefer a buddy who is a woman or a man? This is up to you."
        ),
        Step.CAPACITY: _("How many newcomers can you accompany at the same time?"),
    }
    return questions[step]


def field_title(step: Step) -> str:
    titles = {
        Step.ROLE: _("Role"),
        Step.NAME: _("First name"),
        Step.MUNICIPALITY: _("Municipality"),
        Step.LANGUAGES: _("Languages"),
        Step.INTERESTS: _("Interests"),
        Step.AVAILABILITY: _("When free"),
        Step.DUTCH_LEVEL: _("Dutch"),
        Step.GENDER: _("Gender"),
        Step.GENDER_PREFERENCE: _("Buddy preference"),
        Step.CAPACITY: _("How many newcomers"),
    }
    return titles[step]


def error_text(key: str, params: dict[str, object], locale: str) -> str:
    """The sentence for a domain error key (see domain.errors)."""
    texts = {
        "name_empty": _("Please type your first name."),
        "name_too_long": _(
            "That is too long. Please type only your first name (at most {limit} letters)."
        ),
        "name_link": _("Please type only your first name, without links or @names."),
        "name_letters": _("Please use only letters for your first name."),
        "invalid_choice": _("That choice is not valid. Please use the buttons."),
        "profile_incomplete": _("A few answers are still missing."),
        "role_fixed": _("Your role cannot be changed here. Please ask a coordinator."),
        "stale_button": _("This button is no longer active."),
        "need_one": _("Please choose at least one."),
        "not_registered": _("Please send /start first."),
        "coordinators_only": _("This is only for coordinators."),
        "not_found": _("I could not find that. It may have been removed."),
        "not_waiting": _("This newcomer is not on the waiting list any more."),
        "buddy_unavailable": _("This buddy is not available any more."),
        "match_not_allowed": _(
            "This match is not possible: a preference, the buddy's free places or an "
            "earlier pair stands in the way."
        ),
        "pair_not_active": _("This pair is not active."),
        "pair_not_paused": _("This pair is not paused."),
        "pair_ended": _("This pair has already ended."),
        "note_empty": _("The note is empty. Please type a few words."),
        "note_too_long": _("The note is too long (at most {limit} characters)."),
        "not_yourself": _("You cannot do this to your own account."),
        "invite_invalid": _("This invitation link is not valid any more. Ask for a new one."),
        "cannot_remove_coordinator": _("This coordinator cannot be removed here."),
        "no_pair": _("You do not have a buddy pair at the moment."),
        "place_empty": _("Please type where you will meet."),
        "place_too_long": _("That is too long. Please keep the place under {limit} characters."),
        "meetup_in_past": _("That moment has already passed. Please choose a later time."),
        "duration_out_of_range": _("The time must be between 15 minutes and 12 hours."),
        "duration_steps": _("Please use steps of 15 minutes."),
        "meetup_closed": _("This meetup cannot be changed any more."),
        "not_your_turn": _("The other person answers this proposal, not you."),
        "hours_in_future": _("You can only note time that has already happened."),
        "hours_too_old": ngettext(
            "This is more than {days} day ago. Please ask a coordinator.",
            "This is more than {days} days ago. Please ask a coordinator.",
            int(str(params.get("days", 60))),
        ),
        "hours_overlap": _("This overlaps with time you already noted. Please check the time."),
        "already_logged": _("You already noted the hours of this meetup."),
        "already_logged_by_other": _(
            "The other person already noted different hours for this meetup. Please check "
            "their message."
        ),
        "own_entry": _("The other person confirms your hours, not you."),
        "entry_decided": _("This was already answered."),
        "not_your_entry": _("Only the person who noted these hours can correct them."),
    }
    text = texts.get(key, _("That did not work. Please try again."))
    safe = {name: isolate(value, locale) for name, value in params.items()}
    return text.format(**safe)


def language_list(codes: list[str] | tuple[str, ...] | str, locale: str) -> str:
    items = codes.split(",") if isinstance(codes, str) else list(codes)
    return ", ".join(endonym(code.strip()) for code in items if code.strip())


def activity_list(codes: list[str] | tuple[str, ...] | str) -> str:
    items = codes.split(",") if isinstance(codes, str) else list(codes)
    return ", ".join(activity_label(code.strip()) for code in items if code.strip())


def reason_text(key: str, params: dict[str, str | int], locale: str) -> str:
    """A matching reason in words, for the coordinator."""
    match key:
        case "shared_languages":
            return _("speak {languages} together").format(
                languages=language_list(str(params.get("languages", "")), locale)
            )
        case "shared_dutch":
            return _("both speak Dutch")
        case "no_common_language":
            return _("no language in common")
        case "dutch_practice":
            return _("the newcomer wants to practise Dutch")
        case "same_municipality":
            return _("live in the same municipality")
        case "neighbouring_municipality":
            return _("live in neighbouring municipalities")
        case "common_interests":
            return _("like the same things: {interests}").format(
                interests=activity_list(str(params.get("interests", "")))
            )
        case "overlapping_availability":
            count = int(params.get("count", 0))
            return ngettext(
                "free at the same time ({count} moment)",
                "free at the same time ({count} moments)",
                count,
            ).format(count=isolate(count, locale))
        case "no_overlapping_availability":
            return _("never free at the same time")
        case "gender_preference_respected":
            return _("buddy gender preference respected")
        case "waiting_time":
            weeks = int(params.get("weeks", 0))
            return ngettext("waiting for {count} week", "waiting for {count} weeks", weeks).format(
                count=isolate(weeks, locale)
            )
    return key


def end_reason_label(value: str) -> str:
    labels = {
        "completed": _("Programme completed"),
        "moved": _("Moved away"),
        "unavailable": _("Can no longer take part"),
        "not_a_good_match": _("Not a good match"),
        "other": _("Other reason"),
        "erased": _("A person erased their data"),
    }
    return labels.get(value, value)
