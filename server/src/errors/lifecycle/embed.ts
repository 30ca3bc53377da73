import type { ErrorsAnswer } from '../feed.js'

/**
 * The feed as an embed token sees it (a Grafana panel): badges, but no audit trail, since that
 * names the people who resolved and muted. A copy: the answer may be shared by concurrent requests.
 */
export function withoutAudit (answer: ErrorsAnswer): ErrorsAnswer {
  if (!answer.groups.some((g) => (g.lifecycle?.audit.length ?? 0) > 0)) return answer
  return { ...answer, groups: answer.groups.map((g) => g.lifecycle === undefined ? g : { ...g, lifecycle: { ...g.lifecycle, audit: [] } }) }
}
