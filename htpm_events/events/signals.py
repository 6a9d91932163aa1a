"""What other domains may want to follow about events, sent by the event services in the
transaction of the change (a receiver flushes, never commits)."""

from blinker import Namespace

_signals = Namespace()

#: A published event was changed (or published for the first time): sender is the Event.
published = _signals.signal("event-published")
#: An event was cancelled: sender is the Event.
cancelled = _signals.signal("event-cancelled")
