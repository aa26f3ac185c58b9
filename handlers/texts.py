"""Words for the programme's values (roles, activity kinds, ...) in the current language."""

from __future__ import annotations

from collections.abc import Mapping

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext
from babel.support import LazyProxy

from domain.municipalities import name as municipality_name
from domain.profile import ELSEWHERE, Step
from handlers.i18n import endonym, isolate


class Labels:
    """The words for the values of one field. The table is built once; each word is
    translated when asked for, in the language of the update at hand."""

    def __init__(self, words: Mapping[str, LazyProxy], *, unknown: str | None = None) -> None:
        self.words = words
        self.unknown = unknown  # what an unknown value reads as; None: the value itself

    def __call__(self, value: str | None) -> str:
        word = self.words.get(value or "")
        if word is not None:
            return str(word)
        return (value or "") if self.unknown is None else self.unknown


role_label = Labels(
    {
        "newcomer": __("🌱 I am new in Brussels"),
        "buddy": __("🤝 I want to be a buddy"),
    }
)


role_name = Labels(
    {
        "newcomer": __("newcomer"),
        "buddy": __("buddy"),
        "coordinator": __("coordinator"),
        "admin": __("coordinator"),
    },
    unknown="–",
)


status_label = Labels(
    {
        "onboarding": __("filling in the profile"),
        "waiting": __("waiting"),
        "matched": __("in a pair"),
        "paused": __("paused"),
        "inactive": __("inactive"),
    },
    unknown="–",
)


activity_label = Labels(
    {
        "leisure": __("🎲 Leisure"),
        "culture": __("🎭 Culture and arts"),
        "sport": __("⚽ Sport"),
        "welfare": __("💚 Well-being"),
        "volunteering": __("🙌 Volunteering together"),
        "dutch_practice": __("🗣 Practising Dutch"),
        "discover_city": __("🏙 Discovering the city"),
        "community": __("🎉 Community events"),
        "internship": __("💼 Internship or work experience"),
    }
)


availability_label = Labels(
    {
        "weekday_day": __("☀️ Weekdays, daytime"),
        "weekday_evening": __("🌙 Weekday evenings"),
        "weekend": __("📅 Weekends"),
    }
)


dutch_level_label = Labels(
    {
        "none": __("Not yet"),
        "beginner": __("A few words"),
        "conversation": __("A simple conversation"),
        "fluent": __("Fluently"),
    }
)


gender_label = Labels(
    {
        "woman": __("Woman"),
        "man": __("Man"),
        "other": __("Other"),
        "unsaid": __("I prefer not to say"),
    }
)


gender_preference_label = Labels(
    {
        "none": __("No preference"),
        "woman": __("A woman"),
        "man": __("A man"),
    }
)


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


def step_question(step: Step, role: str | None = None) -> str:
    if step is Step.GENDER and role != "buddy":
        return _(
            "Are you a woman or a man? Then I can write to you in the right form. "
            "You may choose “I prefer not to say”."
        )
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
        "name_too_long": _("Just your first name, please. One or two words are enough."),
        "name_link": _("Please type only your first name, without links or @names."),
        "name_letters": _("Please use only letters for your first name."),
        "invalid_choice": _("That choice is not valid. Please use the buttons."),
        "profile_incomplete": _("A few answers are still missing."),
        "role_fixed": _("Your role cannot be changed here. Please ask a coordinator."),
        "stale_button": _("This button is no longer active."),
        "channel_name": _("Please type a name of at least two letters or digits."),
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
        "no_preference": _("This newcomer has no wish about the buddy's gender."),
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
        "no_coordinator": _(
            "No coordinator can be reached through me yet. Please try again later."
        ),
        "person_unreachable": _("{name} has blocked this bot, so your message cannot reach them."),
        "partner_unreachable": _(
            "{name} cannot get messages from me right now. Please try again later."
        ),
        "relay_closed": _(
            "You can no longer write to each other here: your buddy pair is paused or has ended."
        ),
        "not_your_pair": _("This is not your buddy pair."),
        "pair_unreachable": _("Nobody in this pair can get messages from me right now."),
        # Duo volunteering (domain/placements.py).
        "hosts_only": _("This is only for partner organisations and coordinators."),
        "placement_what_empty": _("Please type in a few words what the volunteers will do."),
        "placement_when_empty": _("Please type when, for example “Saturday mornings”."),
        "text_too_long": _("That is too long. Please keep it under {limit} characters."),
        "placement_applied_already": _("You have already applied for this together."),
        "placement_full": _("This placement has no free places any more."),
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
            days = int(params.get("days", 0))
            if weeks == 0 and days:  # waiting counts by the day (domain.matching)
                return ngettext("waiting for {count} day", "waiting for {count} days", days).format(
                    count=isolate(days, locale)
                )
            return ngettext("waiting for {count} week", "waiting for {count} weeks", weeks).format(
                count=isolate(weeks, locale)
            )
    return key


def block_count_text(key: str, count: int, name: str, locale: str) -> str:
    """How many buddies one hard constraint keeps from the newcomer `name` (isolated
    already), in a short sentence for the coordinator."""
    shown = isolate(count, locale)
    match key:
        case "gender_preference":
            return ngettext(
                "{count} buddy is not of the gender {name} asked for.",
                "{count} buddies are not of the gender {name} asked for.",
                count,
            ).format(count=shown, name=name)
        case "no_free_place":
            return ngettext(
                "{count} buddy has no free place.", "{count} buddies have no free place.", count
            ).format(count=shown)
        case "ended_pair":
            return ngettext(
                "{count} buddy had an earlier pair with {name} that ended.",
                "{count} buddies had an earlier pair with {name} that ended.",
                count,
            ).format(count=shown, name=name)
    return f"{key}: {shown}"


def block_label(key: str) -> str:
    """What a match anyway would break, in a few words."""
    labels = {
        "gender_preference": _("not the gender asked for"),
        "no_free_place": _("no free place"),
        "ended_pair": _("an earlier pair ended"),
    }
    return labels.get(key, key)


end_reason_label = Labels(
    {
        "completed": __("Programme completed"),
        "moved": __("Moved away"),
        "unavailable": __("Can no longer take part"),
        "not_a_good_match": __("Not a good match"),
        "other": __("Other reason"),
        "erased": __("A person erased their data"),
    }
)


def back_on_waiting_list() -> str:
    """To a newcomer whose pair ended: they are looked after first."""
    return _("You are back at the front of the waiting list. We will look for a new buddy for you.")
