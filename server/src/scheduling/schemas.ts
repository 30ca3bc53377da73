import { ErrorBody } from '../infra/http.js'
import { Type, type Static } from 'typebox'

export const Uuid = Type.String({ format: 'uuid', description: 'an id (UUID)' })
export const IdParams = Type.Object({ id: Uuid })
export const MAX_MESSAGE = 2000
export const MAX_NAME = 100

export const ZonedTime = Type.Object({
  utc: Type.String({ description: 'ISO-8601 instant in UTC' }),
  local: Type.String({ description: 'the same instant in the caller\'s own zone, with its offset' }),
  zone: Type.String(),
})
export const PlayerRef = Type.Object({ id: Uuid, displayName: Type.String() })
export const GameRef = Type.Object({ id: Uuid, name: Type.String() })

export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
})
export type PageQueryT = Static<typeof PageQuery>
export const Page = Type.Object({ limit: Type.Integer(), offset: Type.Integer(), nextOffset: Type.Union([Type.Integer(), Type.Null()]) })
export const listOf = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ measuredAt: Type.String(), items: Type.Array(item), page: Page })

/** Every refusal: the shared error body (infra/http.ts), with details such as which side a time does not fit. */
export { ErrorBody }
export const errors = { '4xx': ErrorBody, '5xx': ErrorBody }

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: 'required on every POST: a retry with the same key returns the first answer' })),
})

/** Page rows: the query asked for limit + 1, so one more row means there is a next page. */
export function page<T> (rows: T[], q: PageQueryT) {
  return {
    measuredAt: new Date().toISOString(),
    items: rows.slice(0, q.limit),
    page: { limit: q.limit, offset: q.offset, nextOffset: rows.length > q.limit ? q.offset + q.limit : null },
  }
}
