import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.js'
import { parseSearch } from '../../../src/logs/filter.js'
import { createFileSource } from '../../../src/logs/files/source.js'
import type { LogEntry, LogQuery } from '../../../src/logs/source.js'

let dir: string
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-files-')) })
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }) })

const NOW = Date.now()
const ns = (ms: number) => BigInt(ms) * 1_000_000n
const iso = (ms: number) => new Date(ms).toISOString()
const logger = pino({ level: 'silent' })

function source (logFiles: string) {
  return createFileSource(loadConfig({ DATA_DIR: dir, LOG_FILES: logFiles }), { logger })
}

async function collect (src: ReturnType<typeof source>, q: Partial<LogQuery> = {}) {
  const entries: LogEntry[] = []
  const pages: number[] = []
  const outcome = await src.query({ startNs: ns(NOW - 3600_000), endNs: ns(NOW + 1000), maxEntries: 1000, ...q }, (page) => {
    pages.push(page.length)
    entries.push(...page)
  })
  return { entries, outcome, pages }
}

describe('file log source', () => {
  it('reads pino NDJSON (ms and ISO times, numeric and label levels) and text lines, newest first', async () => {
    const f = path.join(dir, 'app.log')
    fs.writeFileSync(f, [
      JSON.stringify({ level: 50, time: NOW - 50_000, msg: 'db down' }),
      JSON.stringify({ level: 'warn', time: iso(NOW - 40_000), msg: 'slow' }),
      `${iso(NOW - 30_000)} ERROR plain text failure`,
      '    at Object.<anonymous> (/app/x.js:1:1)',
      '{"level":50,"time":' + (NOW - 20_000) + ',"msg":"broken json', // broken: read as text
    ].join('\n') + '\n')
    const { entries, outcome } = await collect(source(f))
    expect(outcome).toMatchObject({ complete: true, incompleteReasons: [], entries: 5 })
    const byLine = new Map(entries.map((e) => [e.line, e]))
    expect(byLine.get(JSON.stringify({ level: 50, time: NOW - 50_000, msg: 'db down' }))).toMatchObject({ tsNs: ns(NOW - 50_000), labels: { source: 'file', file: 'app.log', level: 'error' } })
    expect(byLine.get(JSON.stringify({ level: 'warn', time: iso(NOW - 40_000), msg: 'slow' }))?.labels.level).toBe('warn')
    // A line without a time takes the previous line's, plus its place after it in nanoseconds (events keep their order).
    expect(byLine.get('    at Object.<anonymous> (/app/x.js:1:1)')?.tsNs).toBe(ns(NOW - 30_000) + 1n)
    const broken = entries.find((e) => e.line.includes('broken json'))
    expect(broken?.tsNs).toBe(ns(NOW - 30_000) + 2n)
    // Newest first.
    const times = entries.map((e) => e.tsNs)
    expect([...times].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))).toEqual(times)
  })

  it('parses syslog and common-log times, and lines without a time take the file mtime when first', async () => {
    const f = path.join(dir, 'mixed.log')
    const d = new Date(NOW - 60_000)
    const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })
    const pad = (n: number) => String(n).padStart(2, '0')
    const syslog = `${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} web1 app[1]: ERROR boom`
    const clf = `10.0.0.1 - - [${pad(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000] "GET / HTTP/1.1" 500 1 "-" "-"`
    fs.writeFileSync(f, ['no time here', syslog, clf].join('\n'))
    const { entries } = await collect(source(f))
    const sec = (ms: number) => ns(Math.floor(ms / 1000) * 1000)
    expect(entries.find((e) => e.line === syslog)?.tsNs).toBe(sec(NOW - 60_000))
    expect(entries.find((e) => e.line === clf)?.tsNs).toBe(sec(NOW - 60_000))
    const mtime = fs.statSync(f).mtimeMs
    expect(entries.find((e) => e.line === 'no time here')?.tsNs).toBe(ns(Math.floor(mtime)))
  })

  it('filters by time range, text, regex and include/exclude', async () => {
    const f = path.join(dir, 'r.log')
    fs.writeFileSync(f, [
      JSON.stringify({ level: 50, time: NOW - 7200_000, msg: 'too old ERROR' }),
      JSON.stringify({ level: 50, time: NOW - 100, msg: 'Payment ERROR' }),
      JSON.stringify({ level: 30, time: NOW - 100, msg: 'payment ok' }),
      JSON.stringify({ level: 40, time: NOW - 100, msg: 'payment slow' }),
    ].join('\n'))
    const src = source(f)
    expect((await collect(src)).entries).toHaveLength(3)
    expect((await collect(src, { filter: { kind: 'text', text: 'PAYMENT', caseInsensitive: true } })).entries).toHaveLength(3)
    expect((await collect(src, { filter: { kind: 'text', text: 'PAYMENT', caseInsensitive: false } })).entries).toHaveLength(0)
    expect((await collect(src, { filter: { kind: 'regex', pattern: 'pay\\w+ (ok|slow)', caseInsensitive: false } })).entries).toHaveLength(2)
    // The user's q: plain text is case-sensitive (|=), /regex/ too, /regex/i is not.
    const searched = async (q: string) => (await collect(src, { filter: parseSearch(q) })).entries.map((e) => JSON.parse(e.line).msg)
    expect(await searched('Payment')).toEqual(['Payment ERROR'])
    expect(await searched('PAYMENT')).toEqual([])
    expect(await searched('/^.*"msg":"pay/')).toHaveLength(2)
    expect((await searched('/PAYMENT/i')).sort()).toEqual(['Payment ERROR', 'payment ok', 'payment slow'])
    const inc = await collect(src, { include: '"level":(?:40|50)', exclude: 'slow' })
    expect(inc.entries.map((e) => e.line)).toEqual([JSON.stringify({ level: 50, time: NOW - 100, msg: 'Payment ERROR' })])
  })

  it('expands globs over several files and skips files last written before the range', async () => {
    fs.mkdirSync(path.join(dir, 'a'))
    fs.writeFileSync(path.join(dir, 'a', 'one.log'), JSON.stringify({ level: 50, time: NOW - 10, msg: 'one' }) + '\n')
    fs.writeFileSync(path.join(dir, 'two.log'), JSON.stringify({ level: 50, time: NOW - 20, msg: 'two' }) + '\n')
    const old = path.join(dir, 'old.log')
    fs.writeFileSync(old, JSON.stringify({ level: 50, time: NOW - 30, msg: 'claims recent but file is old' }) + '\n')
    fs.utimesSync(old, new Date(NOW - 86_400_000), new Date(NOW - 86_400_000))
    fs.writeFileSync(path.join(dir, 'ignored.txt'), JSON.stringify({ level: 50, time: NOW - 10, msg: 'not a .log' }) + '\n')
    const { entries, outcome } = await collect(source(`${dir}/**/*.log`))
    expect(outcome.complete).toBe(true)
    expect(entries.map((e) => JSON.parse(e.line).msg)).toEqual(['one', 'two'])
    expect(entries.map((e) => e.labels.file)).toEqual(['one.log', 'two.log'])
  })

  it('reports a missing file as incomplete with its name, and health says so', async () => {
    const good = path.join(dir, 'good.log')
    fs.writeFileSync(good, JSON.stringify({ level: 50, time: NOW - 10, msg: 'x' }) + '\n')
    const missing = path.join(dir, 'missing.log')
    const src = source(`${good},${missing}`)
    const { entries, outcome } = await collect(src)
    expect(entries).toHaveLength(1)
    expect(outcome.complete).toBe(false)
    expect(outcome.incompleteReasons.join()).toContain(`${missing} does not exist`)
    const h = await src.health()
    expect(h.status).toBe('degraded')
    expect(h.message).toContain(missing)
  })

  // Tests run as root, where chmod 000 does not stop reads; a directory and a FIFO
  // given as log files are the unreadable cases that hold for root too.
  it('reports a directory or a FIFO given as a log file as unreadable, without hanging', async () => {
    const asDir = path.join(dir, 'dir.log')
    fs.mkdirSync(asDir)
    const fifo = path.join(dir, 'pipe.log')
    execFileSync('mkfifo', [fifo])
    const src = source(`${asDir},${fifo}`)
    const { outcome } = await collect(src)
    expect(outcome.complete).toBe(false)
    expect(outcome.incompleteReasons).toEqual([`log file ${asDir} is a directory, not a file`, `log file ${fifo} is not a regular file`])
    const series = await src.series({ startNs: ns(NOW - 3600_000), endNs: ns(NOW), stepSeconds: 60, buckets: [{ name: 'all', include: '.' }] })
    expect(series.complete).toBe(false)
  })

  it('treats a default glob with no files yet (first start) as complete and empty', async () => {
    const src = createFileSource(loadConfig({ DATA_DIR: dir }), { logger })
    const { entries, outcome } = await collect(src)
    expect(entries).toHaveLength(0)
    expect(outcome).toEqual({ complete: true, incompleteReasons: [], failedChunks: [], entries: 0 })
    expect((await src.health()).status).toBe('up')
  })

  it('keeps only the newest maxEntries of a large file and says more matched', async () => {
    const f = path.join(dir, 'big.log')
    const fd = fs.openSync(f, 'w')
    const total = 200_000
    const filler = 'x'.repeat(200)
    let buf = ''
    for (let i = 0; i < total; i++) {
      buf += `{"level":50,"time":${NOW - (total - i)},"msg":"error ${i} ${filler}"}\n`
      if (buf.length > 1 << 20) { fs.writeSync(fd, buf); buf = '' }
    }
    fs.writeSync(fd, buf)
    fs.closeSync(fd)
    expect(fs.statSync(f).size).toBeGreaterThan(40 * 1024 * 1024)
    global.gc?.()
    const before = process.memoryUsage().heapUsed
    let peak = before
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().heapUsed) }, 5)
    const { entries, outcome, pages } = await collect(source(f), { maxEntries: 500 })
    clearInterval(timer)
    expect(entries).toHaveLength(500)
    expect(pages).toEqual([500])
    expect(JSON.parse(entries[0]?.line ?? '{}').msg).toMatch(/^error 199999 /)
    expect(JSON.parse(entries[499]?.line ?? '{}').msg).toMatch(/^error 199500 /)
    expect(outcome.complete).toBe(false)
    expect(outcome.incompleteReasons.join()).toContain('200000 lines matched; only the newest 500')
    // The file is over 40 MB; the source holds 500 entries and one chunk at a time.
    expect(peak - before).toBeLessThan(30 * 1024 * 1024)
  })

  it('counts series per step and bucket with include/exclude', async () => {
    const f = path.join(dir, 's.log')
    const base = Math.floor(NOW / 60_000) * 60_000 - 10 * 60_000
    fs.writeFileSync(f, [
      JSON.stringify({ level: 50, time: base + 1000, msg: 'a' }),
      JSON.stringify({ level: 50, time: base + 2000, msg: 'b' }),
      JSON.stringify({ level: 40, time: base + 61_000, msg: 'c' }),
      JSON.stringify({ level: 60, time: base + 121_000, msg: 'd' }),
    ].join('\n'))
    const out = await source(f).series({
      startNs: ns(base),
      endNs: ns(base + 180_000),
      stepSeconds: 60,
      buckets: [{ name: 'err', include: '"level":(?:50|60)', exclude: '"level":60' }, { name: 'warn', include: '"level":40' }],
    })
    expect(out.complete).toBe(true)
    expect(out.timestamps).toEqual([base, base + 60_000, base + 120_000])
    expect(out.values).toEqual({ err: [2, 0, 0], warn: [0, 1, 0] })
  })
})
