import crypto from 'node:crypto'
import type { AlertInput } from './types.js'
import type { WebhookPayload } from './webhook-schema.js'

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/
/** Go's zero time: Alertmanager's way of saying "no end time yet". */
const ZERO_TIME = /^0001-01-01T00:00:00(\.0+)?Z$/i

export class InputError extends Error {
  readonly statusCode = 422
}

function time (value: string, where: string): string {
  if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InputError(`${where} is not an RFC3339 time (got "${value.slice(0, 40)}")`)
  }
  return value
}

/** Alertmanager always sends one; for hand-made payloads the labels define the alert, as in Alertmanager. */
export function labelsFingerprint (labels: Record<string, string>): string {
  const canonical = JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]))
  return crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 16)
}

/** Checks what the schema cannot say (version, dates) and maps the payload to store inputs. */
export function webhookInputs (body: WebhookPayload): AlertInput[] {
  if (body.version !== '4') {
    throw new InputError(`unsupported webhook payload version "${body.version.slice(0, 20)}": TovWatch reads Alertmanager's version "4"`)
  }
  return body.alerts.map((a, i) => {
    const startsAt = time(a.startsAt, `alerts[${i}].startsAt`)
    if (ZERO_TIME.test(startsAt)) throw new InputError(`alerts[${i}].startsAt is unset (0001-01-01): an alert needs a start time`)
    const endsAt = a.endsAt === undefined || a.endsAt === '' || ZERO_TIME.test(a.endsAt) ? null : time(a.endsAt, `alerts[${i}].endsAt`)
    if (endsAt !== null && Date.parse(endsAt) < Date.parse(startsAt) && a.status === 'resolved') {
      throw new InputError(`alerts[${i}].endsAt is before its startsAt`)
    }
    return {
      fingerprint: a.fingerprint ?? labelsFingerprint(a.labels),
      status: a.status,
      labels: a.labels,
      annotations: a.annotations ?? {},
      startsAt,
      endsAt,
      generatorURL: a.generatorURL === undefined || a.generatorURL === '' ? null : a.generatorURL,
      source: 'alertmanager',
    }
  })
}
