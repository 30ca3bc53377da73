import { uiLink, type LinkBase } from '../links.js'
import type { Alert, AlertEvent } from '../types.js'

export type { LinkBase }

const COLOURS: Record<Alert['severity'] | 'resolved', number> = {
  critical: 0xd32f2f,
  high: 0xf57c00,
  medium: 0xfbc02d,
  low: 0x1976d2,
  none: 0x757575,
  resolved: 0x388e3c,
}

const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s)

/**
 * The Alerts view, filtered to the alert's state (`alerts=firing|resolved`, which the UI reads);
 * `alert=<id>` names the one alert, which the Alerts view selects and scrolls to.
 */
export function alertLink (l: LinkBase, a: Alert): string {
  return uiLink(l, 'alerts', { alerts: a.status, alert: a.id })
}

function title (e: AlertEvent): string {
  const a = e.alert
  const state = a.status === 'resolved' ? 'RESOLVED' : a.severity.toUpperCase()
  return cut(`[${state}] ${a.alertname || a.fingerprint}`, 200)
}

const colour = (a: Alert) => (a.status === 'resolved' ? COLOURS.resolved : COLOURS[a.severity])
const labelText = (a: Alert) => Object.entries(a.labels).filter(([k]) => k !== 'alertname').map(([k, v]) => `${k}=${v}`)

/**
 * Discord: mentions disabled so a label cannot ping @everyone. Discord refuses a message whose
 * embeds hold more than 6000 characters in all, so each embed is kept under ~1,300 and a message
 * carries at most DISCORD_EMBEDS_PER_MESSAGE of them.
 */
export const DISCORD_EMBEDS_PER_MESSAGE = 4

export function discordMessage (l: LinkBase, events: AlertEvent[]) {
  return {
    username: 'TovWatch',
    allowed_mentions: { parse: [] as string[] },
    embeds: events.map((e) => {
      const a = e.alert
      const description = [a.annotations.summary, a.annotations.description].filter(Boolean).join('\n\n')
      return {
        title: title(e),
        url: alertLink(l, a),
        color: colour(a),
        description: cut(description || 'No summary.', 700),
        fields: [
          { name: 'Labels', value: cut(labelText(a).join('\n') || '—', 300) },
          { name: a.status === 'resolved' ? 'Resolved at' : 'Since', value: a.status === 'resolved' ? (a.endsAt ?? e.at) : a.startsAt, inline: true },
          { name: 'Source', value: a.source, inline: true },
        ],
        timestamp: e.at,
        footer: { text: `TovWatch · ${a.fingerprint}` },
      }
    }),
  }
}

function hex (n: number) { return '#' + n.toString(16).padStart(6, '0') }

/** Slack-compatible (Slack, Mattermost, Rocket.Chat): legacy attachments carry the colour bar. */
export function slackMessage (l: LinkBase, events: AlertEvent[]) {
  return {
    text: events.length === 1 ? title(events[0] as AlertEvent) : `${events.length} alert changes`,
    attachments: events.map((e) => {
      const a = e.alert
      return {
        color: hex(colour(a)),
        title: title(e),
        title_link: alertLink(l, a),
        text: cut([a.annotations.summary, a.annotations.description].filter(Boolean).join('\n') || 'No summary.', 3000),
        fields: labelText(a).slice(0, 20).map((t) => ({ title: t.slice(0, t.indexOf('=')), value: t.slice(t.indexOf('=') + 1), short: true })),
        ts: Math.floor(Date.parse(e.at) / 1000),
      }
    }),
  }
}
