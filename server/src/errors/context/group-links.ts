import type { Config } from '../../config.js'
import type { LineFilter, LogSource } from '../../logs/source.js'
import type { ErrorsAnswer } from '../feed.js'
import type { ErrorGroup } from '../group.js'
import { exploreUrl, templateLiteral } from './explore.js'

/**
 * The feed's answer with a Grafana Explore link on each group (GRAFANA_URL set, a LogQL
 * source): the feed's own stream selector narrowed to the group's labels, the user's search,
 * and the longest literal of the group's template, over the feed's range. A new answer: the
 * one computed may be shared by other requests (single flight).
 */
export async function withExploreLinks (answer: ErrorsAnswer, source: LogSource, grafana: Config['grafana'], filter: LineFilter | undefined): Promise<ErrorsAnswer> {
  if (grafana.url === undefined || source.logqlFor === undefined) return answer
  const link = { url: grafana.url, lokiUid: grafana.lokiUid, orgId: grafana.orgId }
  const from = Date.parse(answer.range.start)
  const to = Date.parse(answer.range.end)
  const groups = await Promise.all(answer.groups.map(async (g) => {
    const logql = await (source.logqlFor as NonNullable<LogSource['logqlFor']>)({ labels: g.labels, filter, contains: literalOf(g) })
    return { ...g, exploreUrl: exploreUrl(link, logql, from, to) }
  }))
  return { ...answer, groups }
}

/** What the group's lines contain as written: a stack's exception type, a message's longest literal; access errors have none that is safe. */
function literalOf (g: ErrorGroup): string | undefined {
  if (g.signature?.kind === 'stack') return g.signature.exceptionType
  if (g.signature?.kind === 'access') return undefined
  return templateLiteral(g.template)
}
