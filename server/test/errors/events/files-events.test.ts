import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { Counter, Registry } from 'prom-client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.js'
import { createClassifier } from '../../../src/errors/classifier.js'
import { runFeed } from '../../../src/errors/feed.js'
import { loadRules } from '../../../src/errors/rules.js'
import { createFileSource } from '../../../src/logs/files/source.js'
import { FLASK_KEYERROR } from './fixtures.js'

let dir: string
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-events-')) })
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }) })

const classifier = createClassifier(loadRules())
const counter = () => new Counter({ name: 'c', help: 'c', labelNames: ['severity'] as const, registers: [new Registry()] })

describe('multi-line events from log files', () => {
  it('makes one event of each traceback whose frames have no time of their own, and one group of them', async () => {
    const now = Date.now()
    const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',')
    const lines: string[] = []
    for (let k = 0; k < 3; k++) {
      const [header, ...rest] = FLASK_KEYERROR as [string, ...string[]]
      lines.push(header.replace(/^\[[^\]]+\]/, `[${stamp(now - 600_000 + k * 60_000)}]`).replace('/42/', `/${k}/`), ...rest)
    }
    const f = path.join(dir, 'api.log')
    fs.writeFileSync(f, lines.join('\n') + '\n')
    const logSource = createFileSource(loadConfig({ DATA_DIR: dir, LOG_FILES: f }), { logger: pino({ level: 'silent' }) })
    const out = await runFeed({ logSource, classifier, linesClassified: counter() }, { startMs: now - 3600_000, endMs: now + 1000, minSeverity: 'high', filter: undefined, limit: 100 })
    expect(out.groups).toHaveLength(1)
    expect(out.groups[0]).toMatchObject({ count: 3, signature: { kind: 'stack', exceptionType: 'KeyError', endpoint: 'POST /api/sessions/<n>/join' } })
    expect(out.totals.critical + out.totals.high).toBe(3)
  })
})
