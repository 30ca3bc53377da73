import { Type } from 'typebox'

/** GET {BASE_PATH}/api/errors/context: strings only, each checked by parseContextQuery (messages name the field). */
export const ContextQuerySchema = Type.Object({
  labels: Type.Optional(Type.String()),
  tsNs: Type.Optional(Type.String()),
  lineHash: Type.Optional(Type.String()),
  before: Type.Optional(Type.String()),
  after: Type.Optional(Type.String()),
})

export const ContextFields = Type.Object({
  level: Type.Optional(Type.String()),
  msg: Type.Optional(Type.String()),
  err: Type.Optional(Type.String()),
  reqId: Type.Optional(Type.String()),
  time: Type.Optional(Type.String()),
})

export const ContextLine = Type.Object({
  tsNs: Type.String(),
  ts: Type.String(),
  /** Redacted, and clipped (then `truncated`). */
  line: Type.String(),
  truncated: Type.Optional(Type.Boolean()),
  /** The sample itself. */
  sample: Type.Optional(Type.Boolean()),
  /** A JSON line's fields. */
  fields: Type.Optional(ContextFields),
  requestId: Type.Optional(Type.String()),
  /** The scheduling core's audit entries of that request (admins). */
  auditUrl: Type.Optional(Type.String()),
})

export const ContextResponse = Type.Object({
  source: Type.Union([Type.Literal('loki'), Type.Literal('files')]),
  stream: Type.Record(Type.String(), Type.String()),
  /** exact: the sample's line itself; time: a line at the sample's instant (the line changed since, or no hash was given). */
  match: Type.Union([Type.Literal('exact'), Type.Literal('time')]),
  sampleIndex: Type.Integer(),
  moreBefore: Type.Boolean(),
  moreAfter: Type.Boolean(),
  lines: Type.Array(ContextLine),
  /** Grafana Explore on this stream around the sample, when GRAFANA_URL is set. */
  exploreUrl: Type.Optional(Type.String()),
})
