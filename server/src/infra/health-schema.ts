import { Type } from 'typebox'

/** GET {BASE_PATH}/api/health: the route validates with it, the UI derives its types from it. */
export const Dependency = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('degraded'), Type.Literal('down'), Type.Literal('disabled')]),
  kind: Type.String(),
  latencyMs: Type.Union([Type.Number(), Type.Null()]),
  message: Type.String(),
  checkedAt: Type.String(),
})
export const HealthBody = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
  checkedAt: Type.String(),
  dependencies: Type.Record(Type.String(), Dependency),
})
