import RE2 from 're2'
import { SEVERITIES, type Severity } from '../metrics/names.js'
import { createBatch } from './batch.js'
import { lineSafe } from './line-safe.js'
import type { Rule, RuleSet } from './rules.js'

/** What a line is: a severity, noise (a noise rule matched), or none (no rule matched: not an error). */
export type Category = Severity | 'noise' | 'none'

/** Category codes: the precedence is critical > noise > high > medium > low > none. */
export const CATEGORIES: readonly Category[] = ['critical', 'high', 'medium', 'low', 'noise', 'none']
const [CRITICAL, NOISE, NONE] = [0, 4, 5] as const

/** Only a bounded prefix of a line is classified, so one 10 MB line cannot stall a request. */
export const MAX_CLASSIFY_BYTES = 16 * 1024
const SLICE = 256

export interface Classifier {
  readonly rules: readonly Rule[]
  classify: (line: string) => Category
  /** Category codes (indexes into CATEGORIES) for a page of lines. */
  classifyBatch: (lines: readonly string[]) => Uint8Array
  /** Ids of every rule that matches (for tests and for explaining a classification). */
  matchedRules: (line: string) => string[]
  /** RE2 unions for server-side filtering: each severity's rules, and all noise rules. */
  readonly unions: Record<Severity | 'noise', string>
}

export function unionOf (patterns: readonly string[]): string {
  return patterns.map((p) => `(?:${p})`).join('|')
}

type Input = string | Buffer

/** A set's matching rule indexes; if its DFA gives up on a pathological line (RE2 reports it, never silently), each rule alone. */
function guarded (rules: readonly Rule[]) {
  const set = new RE2.Set(rules.map((r) => r.pattern))
  let singles: RE2[] | undefined
  const fallback = (input: Input) => {
    singles ??= rules.map((r) => new RE2(r.pattern))
    return singles.flatMap((re, i) => re.test(input) ? [i] : [])
  }
  return {
    test (input: Input): boolean {
      try {
        return set.test(input)
      } catch {
        return fallback(input).length > 0
      }
    },
    match (input: Input): number[] {
      try {
        return set.match(input)
      } catch {
        return fallback(input)
      }
    },
  }
}

/**
 * Compiles the rules once into RE2.Sets, one per category, tested in precedence
 * order with earliest-match semantics: most lines are noise and stop after one
 * DFA pass. Critical lines are rare, so a page is first tested for them as a whole
 * (one RE2 call over the joined lines, rules rewritten so no match spans lines)
 * and only the parts that contain one are tested line by line. The benchmark
 * (bench/classify.bench.ts) compares this with one combined set: that needs every
 * match of every rule on every line, and RE2's DFA for it is several times slower.
 */
export function createClassifier (ruleSet: RuleSet): Classifier {
  const rules = ruleSet.rules
  const of = (cat: Rule['category']) => rules.filter((r) => r.category === cat)
  const critical = guarded(of('critical'))
  const noise = guarded(of('noise'))
  // high, medium and low in one set: a line that is not noise costs one more call, whatever it is.
  const severe = [...of('high'), ...of('medium'), ...of('low')]
  const lower = guarded(severe)
  const codeOf = Uint8Array.from(severe, (r) => SEVERITIES.indexOf(r.category as Severity))
  const safe = of('critical').map((r) => lineSafe(r.pattern))
  const criticalAcrossLines = safe.every((p) => p !== undefined) && safe.length > 0 ? new RE2(unionOf(safe as string[]), 'm') : undefined
  let all: InstanceType<typeof RE2.Set> | undefined

  const rest = (input: Input): number => {
    if (noise.test(input)) return NOISE
    let best: number = NONE
    for (const i of lower.match(input)) if ((codeOf[i] as number) < best) best = codeOf[i] as number
    return best
  }
  const one = (input: Input): number => critical.test(input) ? CRITICAL : rest(input)
  const bounded = (line: string) => line.length > MAX_CLASSIFY_BYTES ? line.slice(0, MAX_CLASSIFY_BYTES) : line
  const batch = createBatch({ critical: critical.test, criticalAcrossLines, one, rest, bounded, maxLineChars: MAX_CLASSIFY_BYTES })

  const unions = { noise: unionOf(of('noise').map((r) => r.pattern)) } as Record<Severity | 'noise', string>
  for (const sev of SEVERITIES) unions[sev] = unionOf(of(sev).map((r) => r.pattern))

  return {
    rules,
    unions,
    classify: (line) => CATEGORIES[one(bounded(line))] as Category,
    matchedRules (line) {
      all ??= new RE2.Set(rules.map((r) => r.pattern))
      return all.match(bounded(line)).map((i) => (rules[i] as Rule).id)
    },
    classifyBatch: (lines) => {
      const out = new Uint8Array(lines.length)
      // Slices of a few hundred lines keep the joined text small enough for V8's young generation.
      for (let from = 0; from < lines.length; from += SLICE) batch(lines, from, Math.min(lines.length, from + SLICE), out)
      return out
    },
  }
}
