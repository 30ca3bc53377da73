/** What GET /api/alerts/dead-letters answers: shared by the route, the store and the UI's types. */
import { Type, type Static } from 'typebox'
import { NullableString } from '../infra/http.js'

export const DeadLetterSchema = Type.Object({
  id: Type.String(),
  reason: Type.String(),
  message: Type.String(),
  fingerprint: NullableString(),
  alertname: NullableString(),
  raw: Type.String(),
  receivedCount: Type.Integer(),
  firstReceivedAt: Type.String(),
  lastReceivedAt: Type.String(),
})
export const DeadLettersReply = Type.Object({
  total: Type.Integer(),
  deadLetters: Type.Array(DeadLetterSchema),
  /** Pass as ?before= for the next (older) page; null on the last page. */
  nextBefore: NullableString(),
})

export type DeadLetter = Static<typeof DeadLetterSchema>
export type DeadLettersResponse = Static<typeof DeadLettersReply>
