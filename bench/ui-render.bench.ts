/**
 * UI speed, measured in Debian's Chromium: bundle size (gzip), first render of the Errors
 * view with 500 groups, the error-rate chart with 7 days at 1-minute steps × 4 series, and
 * 100 alert events a second. Each figure is printed next to a baseline from the same run.
 * `npx tsx bench/ui-render.bench.ts [--quick]`
 */
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import zlib from 'node:zlib'
import { launchChromium } from '../server/test/web/e2e-helpers.js'
import { buildHarnessPage, serveHarnessPage } from '../server/test/web/harness-page.js'
import { ensureUiBuilt } from '../server/test/web/ui-build.js'

const quick = process.argv.includes('--quick')
const ROOT = path.resolve(import.meta.dirname, '..')
const gz = (file: string) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
const ms = (n: number) => `${n.toFixed(1)} ms`
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? 0 }
const results: Array<{ name: string, value: string, baseline: string, target: string, pass: boolean }> = []

function bundleSize () {
  ensureUiBuilt()
  const dir = path.join(ROOT, 'ui/dist/assets')
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js') || f.endsWith('.css'))
  const total = files.reduce((n, f) => n + gz(path.join(dir, f)), 0)
  const libs = ['uplot/dist/uPlot.iife.min.js', 'lit-html/lit-html.js', '@lit/reactive-element/reactive-element.js', 'lit-element/lit-element.js', 'uplot/dist/uPlot.min.css']
  const libTotal = libs.reduce((n, f) => n + gz(path.join(ROOT, 'node_modules', f)), 0)
  results.push({ name: 'JS + CSS, gzipped (all pages)', value: kb(total), baseline: `${kb(libTotal)} (lit + uPlot alone)`, target: '≤ 100 KB', pass: total <= 100 * 1024 })
}

async function main () {
  bundleSize()
  const dir = await buildHarnessPage(path.join(ROOT, 'ui/bench'), 'harness.html')
  const server = await serveHarnessPage(dir, 'harness.html')
  const browser = await launchChromium()
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const problems: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()) })
  page.on('pageerror', (e) => { problems.push(e.message) })
  try {
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    await page.waitForFunction('document.title === "ready"')
    type Bench = { renderErrors: (n: number, m: string) => Promise<{ built: number, painted: number, allRows: number }>, chartDraw: (p: number, r: number, m: string) => Promise<{ firsts: number[], times: number[] }>, alertFlood: (r: number, s: number, m: string) => Promise<{ events: number, seconds: number, longTasks: number, maxLongTask: number, rendered: number }>, alertKeystrokes: (n: number, rules: number, m: string) => Promise<{ times: number[], groups: number }> }
    const call = <K extends keyof Bench>(fn: K, ...args: Parameters<Bench[K]>) =>
      // globalThis is the page's window there; this file is compiled without the DOM library.
      page.evaluate(([f, a]) => (globalThis as unknown as { twBench: Record<string, (...x: unknown[]) => unknown> }).twBench[f as string]?.(...(a as unknown[])), [fn, args] as const) as ReturnType<Bench[K]>

    const runs = quick ? 3 : 9
    const lit: number[] = []
    const litBuilt: number[] = []
    const naiveBuilt: number[] = []
    const litAll: number[] = []
    const naive: number[] = []
    for (let i = 0; i < runs; i++) {
      const r = await call('renderErrors', 500, 'lit')
      lit.push(r.painted)
      litBuilt.push(r.built)
      litAll.push(r.allRows)
      const n = await call('renderErrors', 500, 'naive')
      naive.push(n.painted)
      naiveBuilt.push(n.built)
    }
    results.push({ name: 'Errors view, 500 groups + chart: data → first paint (median)', value: ms(median(lit)), baseline: `${ms(median(naive))} (all 500 rows as plain DOM, no chart, one task)`, target: '≤ 200 ms', pass: median(lit) <= 200 })
    results.push({ name: 'Errors view: of which script + style + layout (median)', value: ms(median(litBuilt)), baseline: `${ms(median(naiveBuilt))} (plain DOM)`, target: 'info', pass: true })
    results.push({ name: 'Errors view: data → all 500 rows in the DOM and painted (median)', value: ms(median(litAll)), baseline: `${ms(median(naive))} (same baseline)`, target: '≤ 200 ms', pass: median(litAll) <= 200 })

    const points = 7 * 24 * 60
    const up = await call('chartDraw', points, quick ? 5 : 15, 'uplot')
    const nv = await call('chartDraw', points, quick ? 5 : 15, 'naive')
    results.push({ name: `Error-rate chart, ${points} points × 4: create + first draw (median of ${up.firsts.length})`, value: `${ms(median(up.firsts))} (worst ${ms(Math.max(...up.firsts))})`, baseline: `${ms(median(nv.firsts))} (naive canvas paths)`, target: '≤ 50 ms', pass: median(up.firsts) <= 50 })
    results.push({ name: 'Error-rate chart: setData + redraw (median)', value: ms(median(up.times)), baseline: `${ms(median(nv.times))} (naive canvas paths)`, target: '≤ 50 ms', pass: median(up.times) <= 50 })

    const seconds = quick ? 3 : 10
    // One short warm-up each (JIT, first layout of the rows), then the measured runs.
    await call('alertFlood', 100, 1, 'naive')
    await call('alertFlood', 100, 1, 'coalesced')
    const na = await call('alertFlood', 100, seconds, 'naive')
    const co = await call('alertFlood', 100, seconds, 'coalesced')
    results.push({ name: `100 alert events/s for ${seconds} s (${co.events} events, ${co.rendered} rows): longest long task`, value: co.longTasks === 0 ? 'none (0 long tasks)' : `${ms(co.maxLongTask)} (${co.longTasks} long tasks)`, baseline: na.longTasks === 0 ? 'none (re-render per event)' : `${ms(na.maxLongTask)}, ${na.longTasks} long tasks (re-render per event)`, target: 'no long task > 50 ms', pass: co.maxLongTask <= 50 })

    // Warm-up (JIT, first layout), then the measured runs: every keystroke of every run counts.
    await call('alertKeystrokes', 5000, 300, 'lit')
    const keyLit: number[] = []
    const keyNaive: number[] = []
    let groups = 0
    for (let i = 0; i < (quick ? 2 : 5); i++) {
      const l = await call('alertKeystrokes', 5000, 300, 'lit')
      keyLit.push(...l.times)
      groups = l.groups
      keyNaive.push(...(await call('alertKeystrokes', 5000, 300, 'naive')).times)
    }
    const p95 = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length * 0.95)] ?? 0 }
    results.push({ name: `Alerts view, 5,000 firing alerts in ${groups} groups: filter/group keystroke → painted (median, ${keyLit.length} keystrokes)`, value: `${ms(median(keyLit))} (p95 ${ms(p95(keyLit))}, worst ${ms(Math.max(...keyLit))})`, baseline: `${ms(median(keyNaive))} (p95 ${ms(p95(keyNaive))}; naive: every matching alert re-rendered as plain DOM rows)`, target: '≤ 50 ms per keystroke (p95)', pass: p95(keyLit) <= 50 })
  } finally {
    await browser.close()
    server.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }

  console.log(`\nUI render benchmark${quick ? ' (--quick)' : ''}, Chromium ${browser.version()}`)
  for (const r of results) console.log(`${r.pass ? 'PASS' : 'FAIL'}  ${r.name}: ${r.value}   baseline ${r.baseline}   target ${r.target}`)
  if (problems.length > 0) console.log(`console errors / CSP violations in the harness:\n  ${problems.join('\n  ')}`)
  else console.log('no console errors or CSP violations in the harness')
  process.exit(results.every((r) => r.pass) && problems.length === 0 ? 0 : 1)
}

main().catch((err: unknown) => { console.error(err); process.exit(1) })
