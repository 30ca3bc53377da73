/**
 * Strict RFC 3339 times: the shape, and a real calendar date and clock time. `Date.parse` takes
 * 2026-02-30 (as March 2nd) and 0000-01-01, which PostgreSQL refuses (22008); both are caught here.
 */
const SHAPE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/

/** 0001-01-01T00:00:00Z in epoch milliseconds. */
const YEAR_ONE = -62_135_596_800_000

const daysIn = (year: number, month: number) =>
  month === 2 ? ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31

/** Why `value` is not a real RFC 3339 time, or undefined when it is one. */
export function rfc3339Problem (value: string): string | undefined {
  const m = SHAPE.exec(value)
  if (m === null) return 'is not an RFC3339 time like 2026-11-22T01:00:00Z'
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (year < 1) return 'has year 0000, which does not exist (the years go from 1 BC to AD 1)'
  if (month < 1 || month > 12) return `has month ${m[2]}`
  if (day < 1 || day > daysIn(year, month)) return `has day ${m[3]}, which ${year}-${m[2]} does not have`
  if (hour > 23 || minute > 59 || second > 59) return `has the clock time ${m[4]}:${m[5]}:${m[6]}`
  if (m[8] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return `has the offset ${m[8]}${m[9]}:${m[10]}`
  // A year-1 time with a positive offset is still in year 0 in UTC.
  if (Date.parse(value) < YEAR_ONE) return 'falls before 0001-01-01T00:00:00Z'
  return undefined
}
