import { Type } from 'typebox'

const NNum = Type.Union([Type.Number(), Type.Null()])
/** A number or a gap, as one JSON type list: serialized without trying each branch (30 days are 8,640 of them). */
const NumOrGap = Type.Unsafe<number | null>({ type: ['number', 'null'] })
const Changes = Type.Object({ '1h': NNum, '24h': NNum, '7d': NNum })
const Drop = Type.Union([Type.Null(), Type.Object({ from: Type.Number(), to: Type.Number(), rows: Type.Number(), pct: Type.Number(), fromAt: Type.String() })])

export const HistoryParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) })
export const HistoryQuery = Type.Object({
  range: Type.String({ default: '24h', pattern: '^[1-9][0-9]{0,3}[mhd]$', description: 'how far back: 1h, 24h, 7d, 30d (every probe up to 24h, 5-minute points beyond, at most 30d)' }),
}, { additionalProperties: false })

export const TableHistoryResponse = Type.Object({
  table: Type.String(),
  range: Type.String(),
  /** Seconds between points: the probe interval up to 24 h, 300 beyond. */
  resolutionS: Type.Number(),
  from: Type.String(),
  to: Type.String(),
  /** Epoch ms; a null in `rows` is a gap (TovWatch was down or could not trust the database), never a zero. */
  timestamps: Type.Array(Type.Number()),
  rows: Type.Array(NumOrGap),
  changes: Changes,
  drop: Drop,
})

export const TrendsResponse = Type.Object({
  measuredAt: Type.Union([Type.String(), Type.Null()]),
  dropRule: Type.Object({ pct: Type.Number(), rows: NNum, window: Type.String() }),
  tables: Type.Record(Type.String(), Type.Object({ changes: Changes, drop: Drop })),
})
