/** The silence API's shapes, derived from the server's TypeBox schemas. */
import type { Static } from 'typebox'
import type { CreatedReply, PostableSilenceSchema, SilenceSchema, SilencesReply } from '../../server/src/alerts/silences/schemas.js'

export type Silence = Static<typeof SilenceSchema>
export type SilencesResponse = Static<typeof SilencesReply>
export type NewSilence = Static<typeof PostableSilenceSchema>
export type SilenceCreated = Static<typeof CreatedReply>
