/** Test helper: parse LogQL with Grafana's own grammar and describe the tree. */
import { parser } from '@grafana/lezer-logql'

export interface LogqlTree {
  errors: number
  /** Node names in document order. */
  names: string[]
  selectors: string[]
  matchers: string[]
  /** Line filter operators in order: |=, |~, !=, !~ */
  filterOps: string[]
  /** Raw string literals in the pipeline, in order. */
  filterStrings: string[]
  pipelineStages: number
}

export function parseLogqlTree (query: string): LogqlTree {
  const tree = parser.parse(query)
  const t: LogqlTree = { errors: 0, names: [], selectors: [], matchers: [], filterOps: [], filterStrings: [], pipelineStages: 0 }
  let inFilter = false
  tree.iterate({
    enter (n) {
      t.names.push(n.name)
      if (n.type.isError) t.errors++
      const text = query.slice(n.from, n.to)
      if (n.name === 'Selector') t.selectors.push(text)
      if (n.name === 'Matcher') t.matchers.push(text)
      if (n.name === 'PipelineStage') t.pipelineStages++
      if (n.name === 'LineFilter') inFilter = true
      if (n.name === 'Filter') t.filterOps.push(text)
      if (n.name === 'String' && inFilter) t.filterStrings.push(text)
    },
    leave (n) {
      if (n.name === 'LineFilter') inFilter = false
    },
  })
  return t
}
