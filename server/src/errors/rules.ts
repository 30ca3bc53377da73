import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { re2Problem } from '../logs/filter.js'
import { SEVERITIES, type Severity } from '../metrics/names.js'

// The shipped rules; NOISE_RULES_FILE points elsewhere.
export const DEFAULT_RULES_FILE = fileURLToPath(new URL('../../../rules/noise.yml', import.meta.url))

export type RuleCategory = 'noise' | Severity

export interface Rule {
  id: string
  category: RuleCategory
  pattern: string
  description: string
  examples: { match: string[], noMatch: string[] }
}

export interface RuleSet {
  file: string
  /** All rules: noise first, then critical, high, medium, low, each in file order. */
  rules: Rule[]
}

/** The rules file is broken; the message names the file and, where it can, the rule. */
export class RulesError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'RulesError'
  }
}

const RULE_KEYS = new Set(['id', 'pattern', 'description', 'examples'])
const MAX_PATTERN_LENGTH = 2000
// Inline flags such as (?i) or (?s): some Loki versions refuse them in line filters (field note 3).
const INLINE_FLAGS = /\(\?[imsU-]+[:)]/

export function loadRules (file: string = DEFAULT_RULES_FILE): RuleSet {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    throw new RulesError(`${file}: cannot read the noise and severity rules: ${(err as Error).message}`)
  }
  return parseRules(text, file)
}

export function parseRules (text: string, file: string): RuleSet {
  let doc: unknown
  try {
    doc = parse(text)
  } catch (err) {
    throw new RulesError(`${file}: not valid YAML: ${(err as Error).message}`)
  }
  if (!isObject(doc)) throw new RulesError(`${file}: expected a mapping with "noise" and "severity"`)
  const severity = doc.severity
  if (!Array.isArray(doc.noise)) throw new RulesError(`${file}: "noise" must be a list of rules`)
  if (!isObject(severity)) throw new RulesError(`${file}: "severity" must map critical, high, medium and low to lists of rules`)
  for (const key of Object.keys(severity)) {
    if (!(SEVERITIES as readonly string[]).includes(key)) {
      throw new RulesError(`${file}: unknown severity "${key}"; expected ${SEVERITIES.join(', ')}`)
    }
  }

  const rules: Rule[] = []
  const seen = new Map<string, string>()
  const add = (raw: unknown, category: RuleCategory, where: string) => {
    const rule = parseRule(raw, category, `${file}: ${where}`)
    const previous = seen.get(rule.id)
    if (previous !== undefined) throw new RulesError(`${file}: duplicate rule id "${rule.id}" (${previous} and ${where})`)
    seen.set(rule.id, where)
    rules.push(rule)
  }
  doc.noise.forEach((raw, i) => add(raw, 'noise', `noise[${i}]`))
  for (const sev of SEVERITIES) {
    const list = severity[sev] ?? []
    if (!Array.isArray(list)) throw new RulesError(`${file}: severity.${sev} must be a list of rules`)
    list.forEach((raw, i) => add(raw, sev, `severity.${sev}[${i}]`))
  }
  return { file, rules }
}

function parseRule (raw: unknown, category: RuleCategory, where: string): Rule {
  if (!isObject(raw)) throw new RulesError(`${where}: a rule must be a mapping with id, pattern and examples`)
  const id = raw.id
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(id)) {
    throw new RulesError(`${where}: rule id must be lower-case letters, digits and dashes (got ${JSON.stringify(id)})`)
  }
  const at = `${where} rule "${id}"`
  for (const key of Object.keys(raw)) {
    if (!RULE_KEYS.has(key)) throw new RulesError(`${at}: unknown key "${key}"; expected ${[...RULE_KEYS].join(', ')}`)
  }
  const pattern = raw.pattern
  if (typeof pattern !== 'string' || pattern === '') throw new RulesError(`${at}: "pattern" must be a non-empty string`)
  if (pattern.length > MAX_PATTERN_LENGTH) throw new RulesError(`${at}: pattern is longer than ${MAX_PATTERN_LENGTH} characters`)
  if (INLINE_FLAGS.test(pattern)) {
    throw new RulesError(`${at}: inline flags such as (?i) are not allowed (some Loki versions refuse them); write the case variants out, e.g. (?:error|Error|ERROR)`)
  }
  const problem = re2Problem(pattern)
  if (problem !== undefined) throw new RulesError(`${at}: invalid RE2 pattern: ${problem}`)
  if (raw.description !== undefined && typeof raw.description !== 'string') throw new RulesError(`${at}: "description" must be a string`)
  const examples = raw.examples
  if (!isObject(examples)) throw new RulesError(`${at}: needs examples.match and examples.no_match`)
  const match = stringList(examples.match, `${at}: examples.match`)
  const noMatch = stringList(examples.no_match, `${at}: examples.no_match`)
  return { id, category, pattern, description: raw.description ?? '', examples: { match, noMatch } }
}

function stringList (value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new RulesError(`${where} must list at least one example line`)
  if (!value.every((v) => typeof v === 'string')) throw new RulesError(`${where} must hold only strings (quote lines that look like numbers or YAML)`)
  return value as string[]
}

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
