/** Time parameters and durations the way Loki's HTTP API reads and prints them. */

/**
 * Loki accepts ns integers (or seconds when ≤ 10 digits), float seconds and RFC3339.
 * Returns ns, or undefined when unparseable.
 */
export function parseLokiTime (raw: string | undefined): bigint | undefined {
  if (raw === undefined || raw === '') return undefined
  if (/^-?\d+$/.test(raw)) {
    const n = BigInt(raw)
    return raw.replace('-', '').length <= 10 ? n * 1_000_000_000n : n
  }
  if (raw.includes('.') && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw)) {
    // Float seconds are rounded to milliseconds (measured; loghttp parseTimestamp: math.Modf,
    // then math.Round(frac*1000)/1000).
    const t = Number(raw)
    const whole = Math.trunc(t)
    const ms = Math.sign(t - whole) * Math.round(Math.abs(t - whole) * 1000)
    return BigInt(whole) * 1_000_000_000n + BigInt(ms) * 1_000_000n
  }
  const ms = Date.parse(raw)
  if (Number.isNaN(ms)) return undefined
  const frac = /\.(\d+)/.exec(raw)?.[1] ?? ''
  const subMs = BigInt((frac + '000000000').slice(3, 9))
  return BigInt(ms) * 1_000_000n + subMs
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 }

/** "1h30m", "60s", "500ms" → ms; a bare number is seconds (as Loki's step). */
export function parseGoDuration (raw: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw) * 1000
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/gy
  let total = 0
  let matched = 0
  for (let m = re.exec(raw); m !== null; m = re.exec(raw)) {
    total += Number(m[1]) * (UNITS[m[2] as string] as number)
    matched = re.lastIndex
  }
  return matched === raw.length && raw.length > 0 ? total : undefined
}

/** Go's time.Duration.String() for whole milliseconds: 168h0m0s, 30m0s, 1.5s. */
export function formatGoDuration (ms: number): string {
  if (ms === 0) return '0s'
  const h = Math.floor(ms / 3_600_000)
  const m = Math.floor((ms % 3_600_000) / 60_000)
  const s = (ms % 60_000) / 1000
  if (h > 0) return `${h}h${m}m${s}s`
  if (m > 0) return `${m}m${s}s`
  return `${s}s`
}

/** Go's time.Duration.String() for nanoseconds: 721h0m0.001s, 1h0m0s, 1.5s, 250ms. */
export function formatGoDurationNs (ns: bigint): string {
  if (ns === 0n) return '0s'
  const neg = ns < 0n
  let n = neg ? -ns : ns
  const sign = neg ? '-' : ''
  if (n < 1_000_000_000n) {
    const [unit, div] = n < 1000n ? ['ns', 1n] : n < 1_000_000n ? ['µs', 1000n] : ['ms', 1_000_000n]
    return sign + trimFrac(n, div) + unit
  }
  const h = n / 3_600_000_000_000n
  n %= 3_600_000_000_000n
  const m = n / 60_000_000_000n
  n %= 60_000_000_000n
  const s = trimFrac(n, 1_000_000_000n) + 's'
  if (h > 0n) return `${sign}${h}h${m}m${s}`
  if (m > 0n) return `${sign}${m}m${s}`
  return sign + s
}

function trimFrac (n: bigint, div: bigint): string {
  const whole = n / div
  const frac = n % div
  if (frac === 0n) return String(whole)
  const digits = String(div).length - 1
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`
}
