import type { Alert, AlertInput } from './types.js'

/**
 * Several rules in rules/alerts.yml watch the same condition as one of TovWatch's own checks
 * (TovPlayDatabaseMissing and TovWatchDatabaseMissing, TovWatchErrorSpike and TovWatchErrorSpike...).
 * Both are stored and shown; only one is notified: while the internal alert is firing, its
 * Alertmanager twin is not sent to Discord/Slack (and neither is the resolve of a firing held back).
 *
 * The rule names its twins in the annotation `tovwatch_twin` (alert names, separated by commas or
 * spaces); without it, an internal alert of the same name is the twin.
 */
export const TWIN_ANNOTATION = 'tovwatch_twin'

/** Labels that say where or how an alert was raised, not which thing it is about. */
const NOT_IDENTITY = new Set(['alertname', 'severity', 'source', 'component', 'instance', 'job', 'prometheus', 'receiver', 'service'])

export function twinNames (a: Pick<Alert, 'labels' | 'annotations'>): string[] {
  const named = a.annotations[TWIN_ANNOTATION]
  if (named !== undefined && named.trim() !== '') return named.split(/[\s,]+/).filter((x) => x !== '')
  return a.labels.alertname === undefined ? [] : [a.labels.alertname]
}

/**
 * The firing internal alert that is this Alertmanager alert's twin: one of its twin names, and
 * every label both carry (say `table` or `database`) equal, apart from where-it-came-from labels.
 */
export function findTwin (a: Pick<Alert, 'labels' | 'annotations' | 'source'>, internal: AlertInput[]): AlertInput | undefined {
  if (a.source !== 'alertmanager') return undefined
  const names = twinNames(a)
  if (names.length === 0) return undefined
  return internal.find((i) => i.source === 'tovwatch' && i.status === 'firing' && names.includes(i.labels.alertname ?? '') &&
    Object.entries(i.labels).every(([k, v]) => NOT_IDENTITY.has(k) || a.labels[k] === undefined || a.labels[k] === v))
}
