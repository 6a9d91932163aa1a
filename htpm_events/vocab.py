"""The vocabularies of SPEC §2: codes (stable, used in URLs and the API) and labels.

The labels stay English here (feeds, CSV and the API use them as they are); ``N_`` only marks
them for extraction, and pages translate them where they show them (``|label``,
:func:`label`). States keep their proper names.
"""


def N_(text: str) -> str:
    """Mark ``text`` for translation without translating it (gettext's ``gettext_noop``)."""
    return text


LEVELS = {
    "federal": N_("Federal"),
    "state": N_("State"),
    "tribal": N_("Tribal"),
    "territorial": N_("Territorial"),
    "local": N_("Local"),
    "community": N_("Community"),
}

FORMATS = {
    "in-person": N_("In person"),
    "virtual": N_("Virtual"),
    "hybrid": N_("Hybrid"),
    "on-demand": N_("On demand"),
}

EVENT_TYPES = {
    "training": N_("Training"),
    "webinar": N_("Webinar"),
    "conference": N_("Conference"),
    "panel": N_("Panel"),
    "workshop": N_("Workshop"),
    "awareness-walk": N_("Awareness walk"),
    "film-screening": N_("Film screening"),
    "exhibit": N_("Exhibit"),
    "vigil": N_("Vigil"),
    "campaign": N_("Campaign"),
    "fundraiser": N_("Fundraiser"),
    "proclamation": N_("Proclamation"),
    "other": N_("Other"),
}

TOPICS = {
    "awareness": N_("Awareness"),
    "labor-exploitation": N_("Labor exploitation"),
    "emergencies-and-transitions": N_("Emergencies and transitions"),
    "online-harassment-and-abuse": N_("Online harassment and abuse"),
    "interpersonal-violence": N_("Interpersonal violence"),
    "economic-mobility": N_("Economic mobility"),
    "child-trafficking": N_("Child trafficking"),
    "survivor-leadership": N_("Survivor leadership"),
    "immigration": N_("Immigration"),
    "trauma-informed-care": N_("Trauma-informed care"),
}

AUDIENCES = {
    "general-public": N_("General public"),
    "child-welfare": N_("Child welfare"),
    "health-care": N_("Health care"),
    "social-services": N_("Social services"),
    "law-enforcement": N_("Law enforcement"),
    "legal": N_("Legal"),
    "education": N_("Education"),
    "youth": N_("Youth"),
    "parents-caregivers": N_("Parents and caregivers"),
    "survivors": N_("Survivors"),
    "business": N_("Business"),
    "faith-community": N_("Faith community"),
    "disaster-response": N_("Disaster response"),
    "tribal-communities": N_("Tribal communities"),
}

ACCESSIBILITY = {
    "captions": N_("Captions"),
    "asl": N_("ASL interpretation"),
    "wheelchair": N_("Wheelchair accessible"),
    "interpretation": N_("Language interpretation"),
    "accessible-materials": N_("Accessible materials"),
}

RECURRENCES = {
    "none": N_("Does not repeat"),
    "daily": N_("Daily"),
    "weekly": N_("Weekly"),
    "monthly": N_("Monthly"),
}
#: An imported series kept as its source states it (RRULE, RDATE, EXDATE; SPEC §6).
SOURCE_SERIES = ("custom", N_("As its source calendar says"))

REGISTRATION_MODES = {
    "external": N_("On another site (registration link)"),
    "hub": N_("Through this hub"),
    "none": N_("No registration needed"),
}

STATUSES = ("pending", "approved", "rejected", "changes-requested", "cancelled")
#: The statuses as the submitter reads them ("a pending event").
STATUS_LABELS = {
    "pending": N_("pending"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "changes-requested": N_("changes requested"),
    "cancelled": N_("cancelled"),
}
SOURCES = ("form", "csv", "ics", "api")
SOURCE_LABELS = {"form": N_("web form"), "csv": "CSV", "ics": "iCalendar", "api": "API"}
ROLES = ("moderator", "admin")
ROLE_LABELS = {"moderator": N_("moderator"), "admin": N_("admin")}

#: USPS codes of the states, DC and the territories, with their names.
STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "GU": "Guam", "VI": "U.S. Virgin Islands", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}  # fmt: skip

#: The timezone a submission form proposes once a state is chosen (editable).
STATE_TIMEZONES = {
    **{s: "America/New_York" for s in (
        "CT", "DE", "DC", "FL", "GA", "ME", "MD", "MA", "MI", "NH", "NJ", "NY", "NC", "OH",
        "PA", "RI", "SC", "VT", "VA", "WV", "IN", "KY")},
    **{s: "America/Chicago" for s in (
        "AL", "AR", "IL", "IA", "KS", "LA", "MN", "MS", "MO", "NE", "ND", "OK", "SD", "TN",
        "TX", "WI")},
    **{s: "America/Denver" for s in ("CO", "ID", "MT", "NM", "UT", "WY")},
    "AZ": "America/Phoenix",
    **{s: "America/Los_Angeles" for s in ("CA", "NV", "OR", "WA")},
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas",
    "GU": "Pacific/Guam",
    "MP": "Pacific/Saipan",
    "AS": "Pacific/Pago_Pago",
}  # fmt: skip

#: Multi-valued fields of an event, kept as tags: field name -> vocabulary.
TAG_VOCABULARIES = {
    "topics": TOPICS,
    "audiences": AUDIENCES,
    "accessibility": ACCESSIBILITY,
}

CATEGORY_FIELDS = {
    "level": LEVELS,
    "format": FORMATS,
    "event_type": EVENT_TYPES,
}
