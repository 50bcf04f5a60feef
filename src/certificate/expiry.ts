export const DAY_MS = 24 * 60 * 60 * 1000

/**
 * How far clocks may disagree: a new certificate starts this much in the past, and a held
 * one that starts less than this in the future is accepted.
 */
export const CLOCK_SKEW_MS = 5 * 60 * 1000

/**
 * Whole days from `now` until `date`, rounded down: 0 means it expires within a day,
 * negative means it has expired. Used to decide rotation and to report expiry.
 */
export function daysUntil(date: Date, now: Date = new Date()): number {
  return Math.floor((date.getTime() - now.getTime()) / DAY_MS)
}
