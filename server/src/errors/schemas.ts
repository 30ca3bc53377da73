import { Type } from 'typebox'
import { SEVERITIES } from '../../../shared/severity.js'
import { GroupLifecycleT } from './lifecycle/schemas.js'

/** The error feed's wire shapes: the routes validate with them, the UI derives its types from them. */
const SeverityT = Type.Enum(SEVERITIES)
const Labels = Type.Record(Type.String(), Type.String())
const Counts = Type.Array(Type.Number())
/** How a group was keyed (errors/events/signature.ts). */
const GroupSignatureT = Type.Object({
  kind: Type.Union([Type.Literal('stack'), Type.Literal('access'), Type.Literal('message')]),
  exceptionType: Type.Optional(Type.String()),
  frame: Type.Optional(Type.Object({ file: Type.String(), fn: Type.String() })),
  endpoint: Type.Optional(Type.String()),
  paths: Type.Optional(Type.Array(Type.Object({ path: Type.String(), count: Type.Number() }))),
})

// Strings only: each value is checked by parseErrorsQuery, whose messages name the field.
export const ErrorsQuery = Type.Object({
  range: Type.Optional(Type.String()),
  start: Type.Optional(Type.String()),
  end: Type.Optional(Type.String()),
  minSeverity: Type.Optional(Type.String()),
  q: Type.Optional(Type.String()),
  limit: Type.Optional(Type.String()),
  muted: Type.Optional(Type.String()),
})

export const ErrorsResponse = Type.Object({
  source: Type.Union([Type.Literal('loki'), Type.Literal('files')]),
  measuredAt: Type.String(),
  range: Type.Object({ start: Type.String(), end: Type.String() }),
  complete: Type.Boolean(),
  incompleteReasons: Type.Array(Type.String()),
  failedChunks: Type.Array(Type.Object({ start: Type.String(), end: Type.String(), reason: Type.String() })),
  totals: Type.Object({ critical: Type.Number(), high: Type.Number(), medium: Type.Number(), low: Type.Number() }),
  groups: Type.Array(Type.Object({
    fingerprint: Type.String(),
    template: Type.String(),
    labels: Labels,
    severity: SeverityT,
    count: Type.Number(),
    firstSeen: Type.String(),
    lastSeen: Type.String(),
    samples: Type.Array(Type.Object({
      ts: Type.String(),
      // What asks for the lines around it (GET /api/errors/context): exact time in ns and the raw line's hash.
      tsNs: Type.String(),
      lineHash: Type.String(),
      // A multi-line event's lines joined with newlines; `lines` is its line count, `truncated` says it was cut.
      line: Type.String(),
      labels: Labels,
      lines: Type.Optional(Type.Number()),
      truncated: Type.Optional(Type.Boolean()),
    })),
    sparkline: Counts,
    signature: Type.Optional(GroupSignatureT),
    // Grafana Explore on the group's lines over the same range (GRAFANA_URL set, Loki source).
    exploreUrl: Type.Optional(Type.String()),
    lifecycle: Type.Optional(GroupLifecycleT),
  })),
  // Always sent by the feed (errors/lifecycle/); optional so answers built elsewhere (benchmarks, embeds) need not.
  muted: Type.Optional(Type.Object({ groups: Type.Number(), events: Type.Number(), shown: Type.Boolean() })),
  series: Type.Object({
    stepSeconds: Type.Number(),
    timestamps: Counts,
    critical: Counts,
    high: Counts,
    medium: Counts,
    low: Counts,
  }),
})
