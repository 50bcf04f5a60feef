const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Whole days from `now` until `date`, rounded down: 0 means it expires within a day,
 * negative means it has expired. Used to decide rotation and to report expiry.
 */
export function daysUntil(date: Date, now: Date = new Date()): number {
  return Math.floor((date.getTime() - now.getTime()) / DAY_MS)
}
