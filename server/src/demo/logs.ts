import fs from 'node:fs'
import path from 'node:path'
import { everyday, noiseLine, poolExhaustion, traceback } from './log-lines.js'

export interface DemoLogs {
  write: (lines: string[]) => void
  /** A burst of errors (the error-spike check's food) over `seconds`. */
  burst: (seconds: number) => void
  poolExhausted: () => void
  stop: () => void
}

const ROTATE_BYTES = 20 * 1024 * 1024

/**
 * TovPlay's API log, written where the file source reads (DATA_DIR/logs/*.log): a few
 * lines a second of noise, and now and then each kind of error the team sees.
 */
export function startDemoLogs (dir: string): DemoLogs {
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'tovplay-api.log')
  let bursting = 0
  const write = (lines: string[]) => {
    try {
      if ((fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) > ROTATE_BYTES) fs.renameSync(file, file + '.1')
      fs.appendFileSync(file, lines.join('\n') + '\n')
    } catch {}
  }
  let tick = 0
  // Every severity shows from the first seconds: a visitor sees the feed working at once.
  write([everyday.low(new Date()), everyday.medium(new Date()), everyday.high(new Date()), everyday.critical(new Date()), ...traceback(new Date())])
  const timer = setInterval(() => {
    const d = new Date()
    tick++
    const lines = [noiseLine(d), noiseLine(d), noiseLine(d)]
    if (tick % 7 === 0) lines.push(everyday.low(d))
    if (tick % 11 === 0) lines.push(everyday.medium(d))
    if (tick % 23 === 0) lines.push(everyday.high(d))
    if (tick % 67 === 0) lines.push(...traceback(d))
    if (tick % 151 === 0) lines.push(everyday.critical(d))
    if (bursting > 0) {
      bursting--
      for (let i = 0; i < 3; i++) lines.push(...(i === 0 ? traceback(d) : [everyday.high(d)]))
    }
    write(lines)
  }, 1000)
  timer.unref()
  return {
    write,
    burst: (seconds) => { bursting = seconds },
    poolExhausted: () => { const d = new Date(); write([...poolExhaustion(d), ...poolExhaustion(d)]) },
    stop: () => clearInterval(timer),
  }
}
