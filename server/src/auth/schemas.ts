import { Type } from 'typebox'

/** GET {base}/api/me and POST {base}/api/login: who the caller is (the UI's `Me` is derived from it). */
export const Me = Type.Object({ name: Type.String(), role: Type.Union([Type.Literal('viewer'), Type.Literal('admin')]), via: Type.String() })
