/**
 * The one severity scale, shared by the server and the UI (both tsconfigs include shared/;
 * nothing here may import Node or DOM APIs).
 */

/** Error and alert severities, worst first: this is also the order of every list and stack. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const
export type Severity = (typeof SEVERITIES)[number]

/** An alert may carry no known severity (Prometheus rules say what they like). */
export const ALERT_SEVERITIES = [...SEVERITIES, 'none'] as const
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number]

/** Higher is worse: critical 4, high 3, medium 2, low 1, none 0. */
export function severityWeight (s: AlertSeverity): number {
  return ALERT_SEVERITIES.length - 1 - ALERT_SEVERITIES.indexOf(s)
}

/** Names shown to people. */
export const SEVERITY_LABELS: Record<AlertSeverity, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', none: 'None' }

/** The UI's colours are CSS custom properties named after the severity (ui/src/styles/theme.css). */
export const severityColorVar = (s: Severity) => `--sev-${s}`
export const severityFillVar = (s: Severity) => `--fill-${s}`
