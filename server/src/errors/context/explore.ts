/**
 * A link that opens Grafana Explore on a LogQL query and a time range.
 *
 * The format is the one Grafana has read since 10.0 (and writes itself when Explore's URL is
 * shared): `<GRAFANA_URL>/explore?schemaVersion=1&orgId=<org>&panes=<JSON>`, where the JSON,
 * percent-encoded as one query parameter, maps a pane id of our choosing to that pane's state:
 *
 *   { "tw": { "datasource": "<uid>",
 *             "queries": [{ "refId": "A", "expr": "<LogQL>", "queryType": "range",
 *                           "datasource": { "type": "loki", "uid": "<uid>" } }],
 *             "range": { "from": "<epoch ms>", "to": "<epoch ms>" } } }
 *
 * `schemaVersion=1` tells Grafana this is the panes format (the older `left=` parameter is
 * migrated by Grafana on load, but is not written here). Times are absolute epoch
 * milliseconds as strings, so the link shows the same range whenever it is opened. The
 * datasource is named by uid (GRAFANA_LOKI_UID; the provisioned one is `tovwatch-loki`), which
 * survives a renamed datasource.
 */

export interface GrafanaLink { url: string, lokiUid: string, orgId: number }

export function exploreUrl (g: GrafanaLink, logql: string, fromMs: number, toMs: number): string {
  const pane = {
    datasource: g.lokiUid,
    queries: [{ refId: 'A', expr: logql, queryType: 'range', datasource: { type: 'loki', uid: g.lokiUid } }],
    range: { from: String(Math.floor(fromMs)), to: String(Math.ceil(toMs)) },
  }
  const params = new URLSearchParams({ schemaVersion: '1', orgId: String(g.orgId), panes: JSON.stringify({ tw: pane }) })
  return `${g.url.replace(/\/+$/, '')}/explore?${params.toString()}`
}

/**
 * The longest literal run of a group's template, so Explore shows that group's lines: the text
 * between its `<n>`, `<str>`… placeholders, its ` | ` joins, and its quotes and backslashes
 * (a JSON line holds those escaped, so a run across them would not match the raw line).
 * Undefined when no run is 6 characters or more, or the run holds `***` (TovWatch's redaction).
 */
export function templateLiteral (template: string): string | undefined {
  // Quotes and backslashes end a piece too: a JSON line holds them escaped.
  const pieces = template.split(/<[a-z]+>| \| |…|["\\]/).map((p) => p.trim())
  const usable = pieces.filter((p) => p.length >= 6 && !p.includes('***'))
  usable.sort((a, b) => b.length - a.length)
  return usable[0]
}
