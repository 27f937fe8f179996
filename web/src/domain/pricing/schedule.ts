/**
 * When a promotion runs (schedule.rs): UTC start (inclusive) and end (exclusive), days of the
 * week and a time window on the store's wall clock; a window whose `from` is after its `to`
 * crosses midnight and belongs to the day it opens. Wall-clock time comes from Intl in the
 * store's IANA zone, summer time included.
 */
import { type DayOfWeek, PricingError, type Schedule } from "./types";

const DAYS: DayOfWeek[] = [
  "sunday",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
];

/** "09:30" → 570 minutes; refuses anything not HH:MM. */
export function parseLocalTime(text: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59)
    throw new PricingError("invalid_time", "must be a time of day like 09:30");
  return Number(m[1]) * 60 + Number(m[2]);
}

const clocks = new Map<string, Intl.DateTimeFormat>();

export function checkTimezone(tz: string): void {
  try {
    wallClock(new Date(0), tz);
  } catch {
    throw new PricingError("invalid_timezone", `'${tz}' is not an IANA time zone`);
  }
}

function wallClock(at: Date, tz: string) {
  let f = clocks.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    clocks.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return {
    y: Number(p.year),
    m: Number(p.month),
    d: Number(p.day),
    seconds: Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second),
  };
}

export function isActive(s: Schedule | undefined, at: Date, tz: string): boolean {
  if (!s) return true;
  const t = at.getTime();
  if (s.starts_at && t < Date.parse(s.starts_at)) return false;
  if (s.ends_at && t >= Date.parse(s.ends_at)) return false;
  const local = wallClock(at, tz);
  let dayOffset = 0;
  if (s.time_of_day) {
    const from = parseLocalTime(s.time_of_day.from) * 60;
    const to = parseLocalTime(s.time_of_day.to) * 60;
    const now = local.seconds;
    let inside: boolean;
    if (from < to) inside = from <= now && now < to;
    else if (now >= from) inside = true;
    else if (now < to) {
      dayOffset = -1; // the after-midnight part of a window that opened the day before
      inside = true;
    } else inside = false;
    if (!inside) return false;
  }
  if (!s.days_of_week?.length) return true;
  const weekday = DAYS[new Date(Date.UTC(local.y, local.m - 1, local.d + dayOffset)).getUTCDay()]!;
  return s.days_of_week.includes(weekday);
}

export function validateSchedule(s: Schedule | undefined): void {
  if (!s) return;
  if (s.starts_at && s.ends_at && Date.parse(s.ends_at) <= Date.parse(s.starts_at))
    throw new PricingError("invalid_schedule", "must end after it starts", "ends_at");
  if (s.time_of_day) {
    const from = parseLocalTime(s.time_of_day.from);
    const to = parseLocalTime(s.time_of_day.to);
    if (from === to)
      throw new PricingError(
        "invalid_schedule",
        "an empty time window never runs; leave time_of_day out for all day",
        "time_of_day.to",
      );
  }
}
