// Parse an iCalendar file with Mozilla's ical.js (Thunderbird's parser) and print JSON.
//
// usage: node ics_parse.mjs WINDOW_START WINDOW_END < calendar.ics   (dates YYYY-MM-DD, end exclusive)
//
// Output: {"calendar": {name, properties}, "tzids": [...], "events": [{uid, summary,
// description, location, status, sequence, categories, url, start, end}], "occurrences":
// [{uid, start, utc}], "errors": [...]}. Times are "YYYY-MM-DDTHH:MM:SS" local wall time
// of their own zone (DATE values "YYYY-MM-DD"); "utc" is the instant in UTC.

import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [wsArg, weArg] = process.argv.slice(2);
const out = { calendar: {}, tzids: [], events: [], occurrences: [], errors: [] };

const pad = (n, w = 2) => String(n).padStart(w, "0");
const local = (t) =>
  t.isDate
    ? `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`
    : `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
const utc = (t) => (t.isDate ? null : local(t.convertToZone(ICAL.Timezone.utcTimezone)) + "Z");

function main() {
  const text = readFileSync(0, "utf8");
  const vcal = new ICAL.Component(ICAL.parse(text));
  for (const name of ["name", "x-wr-calname", "method", "version", "prodid", "refresh-interval", "x-published-ttl"]) {
    const value = vcal.getFirstPropertyValue(name);
    out.calendar[name] = value === null ? null : String(value);
  }
  for (const vtz of vcal.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtz);
    out.tzids.push(vtz.getFirstPropertyValue("tzid"));
  }
  for (const ve of vcal.getAllSubcomponents("vevent")) {
    for (const p of ve.getAllProperties()) {
      const tzid = p.getParameter("tzid");
      if (tzid && !ICAL.TimezoneService.has(tzid)) out.errors.push(`undefined TZID ${tzid}`);
    }
    const ev = new ICAL.Event(ve);
    const cats = ve.getAllProperties("categories").flatMap((p) => p.getValues());
    out.events.push({
      uid: ev.uid,
      summary: ev.summary,
      description: ev.description,
      location: ev.location,
      status: ve.getFirstPropertyValue("status"),
      sequence: ev.sequence,
      categories: cats,
      url: ve.getFirstPropertyValue("url"),
      conference: ve.getFirstPropertyValue("conference"),
      start: local(ev.startDate),
      end: local(ev.endDate),
      startUtc: utc(ev.startDate),
    });
    if (!wsArg) continue;
    const it = ev.iterator();
    let next;
    let n = 0;
    while ((next = it.next()) && n++ < 5000) {
      const det = ev.getOccurrenceDetails(next);
      const day = local(det.startDate).slice(0, 10);
      if (day >= weArg) break;
      if (day >= wsArg) out.occurrences.push({ uid: ev.uid, start: local(det.startDate), utc: utc(det.startDate) });
    }
  }
}

try {
  main();
} catch (e) {
  out.errors.push(`${e.name}: ${e.message}`);
}
process.stdout.write(JSON.stringify(out));
