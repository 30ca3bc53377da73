import fs from 'node:fs'

/** A line longer than this is cut; the rest of it is skipped, so one runaway line cannot fill memory. */
export const MAX_LINE_CHARS = 256 * 1024

/**
 * Lines of a file, streamed: only one chunk and one (bounded) partial line are held.
 * Rejects with the stream's error (ENOENT, EACCES, EISDIR) so the caller can name the file.
 */
export async function * readLines (file: string, signal?: AbortSignal): AsyncGenerator<string> {
  const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024, signal })
  let carry = ''
  let skipping = false
  for await (const chunk of stream as AsyncIterable<string>) {
    let from = 0
    for (;;) {
      const nl = chunk.indexOf('\n', from)
      if (nl === -1) break
      const piece = chunk.slice(from, nl)
      from = nl + 1
      if (skipping) { skipping = false; carry = ''; continue }
      const line = carry === '' ? piece : carry + piece
      carry = ''
      yield stripCr(line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line)
    }
    if (skipping) continue
    carry += chunk.slice(from)
    if (carry.length > MAX_LINE_CHARS) {
      yield carry.slice(0, MAX_LINE_CHARS)
      carry = ''
      skipping = true
    }
  }
  if (carry !== '' && !skipping) yield stripCr(carry)
}

const stripCr = (line: string) => line.endsWith('\r') ? line.slice(0, -1) : line
