"""The vocabularies of SPEC §2: codes (stable, used in URLs and the API) and labels."""

LEVELS = {
    "federal": "Federal",
    "state": "State",
    "tribal": "Tribal",
    "territorial": "Territorial",
    "local": "Local",
    "community": "Community",
}

FORMATS = {
    "in-person": "In person",
    "virtual": "Virtual",
    "hybrid": "Hybrid",
    "on-demand": "On demand",
}

EVENT_TYPES = {
    "training": "Training",
    "webinar": "Webinar",
    "conference": "Conference",
    "panel": "Panel",
    "workshop": "Workshop",
    "awareness-walk": "Awareness walk",
    "film-screening": "Film screening",
    "exhibit": "Exhibit",
    "vigil": "Vigil",
    "campaign": "Campaign",
    "fundraiser": "Fundraiser",
    "proclamation": "Proclamation",
    "other": "Other",
}

TOPICS = {
    "awareness": "Awareness",
    "labor-exploitation": "Labor exploitation",
    "emergencies-and-transitions": "Emergencies and transitions",
    "online-harassment-and-abuse": "Online harassment and abuse",
    "interpersonal-violence": "Interpersonal violence",
    "economic-mobility": "Economic mobility",
    "child-trafficking": "Child trafficking",
    "survivor-leadership": "Survivor leadership",
    "immigration": "Immigration",
    "trauma-informed-care": "Trauma-informed care",
}

AUDIENCES = {
    "general-public": "General public",
    "child-welfare": "Child welfare",
    "health-care": "Health care",
    "social-services": "Social services",
    "law-enforcement": "Law enforcement",
    "legal": "Legal",
    "education": "Education",
    "youth": "Youth",
    "parents-caregivers": "Parents and caregivers",
    "survivors": "Survivors",
    "business": "Business",
    "faith-community": "Faith community",
    "disaster-response": "Disaster response",
    "tribal-communities": "Tribal communities",
}

ACCESSIBILITY = {
    "captions": "Captions",
    "asl": "ASL interpretation",
    "wheelchair": "Wheelchair accessible",
    "interpretation": "Language interpretation",
    "accessible-materials": "Accessible materials",
}

RECURRENCES = {
    "none": "Does not repeat",
    "daily": "Daily",
    "weekly": "Weekly",
    "monthly": "Monthly",
}
#: An imported series kept as its source states it (RRULE, RDATE, EXDATE; SPEC §6).
SOURCE_SERIES = ("custom", "As its source calendar says")

REGISTRATION_MODES = {
    "external": "On another site (registration link)",
    "hub": "Through this hub",
    "none": "No registration needed",
}

STATUSES = ("pending", "approved", "rejected", "changes-requested", "cancelled")
SOURCES = ("form", "csv", "ics", "api")
ROLES = ("moderator", "admin")

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
