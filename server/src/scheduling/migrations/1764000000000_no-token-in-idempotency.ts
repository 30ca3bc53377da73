import type { MigrationBuilder } from 'node-pg-migrate'

/**
 * Personal API tokens are shown once and only their hash is stored, but idempotency_keys kept the
 * first answer of POST /api/players/:id/tokens, secret included, until IDEMPOTENCY_KEY_TTL_H. The
 * route now stores a replay answer without the secret; this rewrites the rows stored before, into
 * that same answer (409, reason token_shown_once). Self-contained SQL: later code must not change it.
 */
export async function up (pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
UPDATE idempotency_keys
   SET status_code = 409,
       response = jsonb_build_object(
         'statusCode', 409,
         'error', 'Conflict',
         'reason', 'token_shown_once',
         'tokenId', response->>'id',
         'message', format('This Idempotency-Key already issued token %s ("%s", valid until %s). Its secret was shown once, in the first answer, '
           || 'and is not stored, so it cannot be sent again. If that answer was lost, send the request with a new Idempotency-Key to issue a new token; '
           || 'the unused one expires by itself, or its player can revoke it with DELETE /api/players/me/tokens/%s.',
           response->>'id', response->>'name', response->>'expiresAt', response->>'id'))
 WHERE method = 'POST' AND path ~ '^/api/players/[^/]+/tokens$' AND response ? 'token';
`)
}
