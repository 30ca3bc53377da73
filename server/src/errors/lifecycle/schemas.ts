import { Type } from 'typebox'

/** A group's lifecycle on the wire (rules.ts, GroupLifecycle): in each feed group and in the action answers. */
export const GroupLifecycleT = Type.Object({
  firstSeenEver: Type.String(),
  lastSeenEver: Type.String(),
  new: Type.Boolean(),
  regressed: Type.Boolean(),
  resolved: Type.Union([Type.Object({ at: Type.String(), by: Type.String() }), Type.Null()]),
  muted: Type.Union([Type.Object({ at: Type.String(), by: Type.String(), until: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  audit: Type.Array(Type.Object({ at: Type.String(), by: Type.String(), action: Type.String(), detail: Type.String() })),
})

// Strings only: checked by the routes, whose 400s name the field.
export const GroupParams = Type.Object({ fingerprint: Type.String() })
// duration is checked by the route (any JSON value), so a wrong type also gets a 400 naming it.
export const MuteBody = Type.Object({ duration: Type.Optional(Type.Unknown()) })

export const GroupLifecycleResponse = Type.Object({
  fingerprint: Type.String(),
  template: Type.String(),
  severity: Type.String(),
  lifecycle: GroupLifecycleT,
})
