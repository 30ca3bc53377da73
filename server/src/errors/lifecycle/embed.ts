import type { ErrorsAnswer } from '../feed.js'

/** What an embed token is shown in place of a person's name. */
export const EMBED_ACTOR = 'someone'

/**
 * The feed as an embed token sees it (a Grafana panel): badges, but no audit trail and no names of
 * who resolved or muted. A copy: the answer may be shared by concurrent requests.
 */
export function withoutAudit (answer: ErrorsAnswer): ErrorsAnswer {
  const named = (g: ErrorsAnswer['groups'][number]) => g.lifecycle !== undefined && (g.lifecycle.audit.length > 0 || g.lifecycle.resolved !== null || g.lifecycle.muted !== null)
  if (!answer.groups.some(named)) return answer
  return {
    ...answer,
    groups: answer.groups.map((g) => g.lifecycle === undefined
      ? g
      : {
          ...g,
          lifecycle: {
            ...g.lifecycle,
            audit: [],
            resolved: g.lifecycle.resolved === null ? null : { ...g.lifecycle.resolved, by: EMBED_ACTOR },
            muted: g.lifecycle.muted === null ? null : { ...g.lifecycle.muted, by: EMBED_ACTOR },
          },
        }),
  }
}
