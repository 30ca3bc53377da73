/**
 * Runs inside Chromium for bench/ui-render.bench.ts: renders the real components with
 * fixture data and times them next to a baseline measured in the same page.
 */
import type { AlertEvent } from '../src/alert-stream.js'
import { AlertsStore } from '../src/alerts-store.js'
import type { Api } from '../src/api.js'
import { errorRateColumns, sparklinePoints } from '../src/charts/columns.js'
import '../src/charts/error-rate-chart.js'
import '../src/components/tw-alerts.js'
import '../src/components/tw-errors.js'
import type { AppContext } from '../src/context.js'
import '../src/styles/theme.css'
import { DEFAULT_STATE } from '../src/url-state.js'
import { alertFixture, errorsFixture, manyAlerts } from './fixtures.js'
import { buildView, NO_MUTING } from '../src/alert-groups.js'
import { parseMatcher, textMatches } from '../../server/src/alerts/matchers.js'
import type { Alert } from '../src/types.js'
import type { UiState } from '../src/url-state.js'

const root = document.getElementById('root') as HTMLElement
const frame = () => new Promise<void>((resolve) => { requestAnimationFrame(() => { setTimeout(resolve, 0) }) })
const microtask = () => new Promise<void>((resolve) => { queueMicrotask(resolve) })

function ctx (store = new AlertsStore()): AppContext {
  return { api: {} as Api, alerts: store, base: '', embed: false, me: undefined, streamState: 'open' }
}

/** The floor: the same rows built with plain DOM calls, no components, no shadow roots. */
function naiveGroups (data: ReturnType<typeof errorsFixture>): HTMLElement {
  const list = document.createElement('div')
  for (const g of data.groups) {
    const row = document.createElement('div')
    row.style.display = 'grid'
    row.style.gridTemplateColumns = '5.5rem minmax(0,1fr) 5rem 96px 10rem'
    const sev = document.createElement('span'); sev.textContent = g.severity
    const btn = document.createElement('button'); btn.textContent = g.template
    const count = document.createElement('span'); count.textContent = String(g.count)
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg')
    svg.setAttribute('viewBox', '0 0 96 24')
    const pl = document.createElementNS('http://www.w3.org/2000/svg', 'polyline')
    pl.setAttribute('points', sparklinePoints(g.sparkline, 96, 24, 1.5))
    svg.append(pl)
    const seen = document.createElement('span'); seen.textContent = `${g.firstSeen} ${g.lastSeen}`
    row.append(sev, btn, count, svg, seen)
    list.append(row)
  }
  return list
}

async function renderErrors (groups: number, mode: 'lit' | 'naive') {
  root.replaceChildren()
  const data = errorsFixture(groups, 1440)
  await frame()
  const t0 = performance.now()
  let all: Promise<number> | undefined
  if (mode === 'lit') {
    const el = document.createElement('tw-errors')
    all = new Promise((resolve) => { el.addEventListener('tw-groups-rendered', () => { frame().then(() => { resolve(performance.now() - t0) }) }, { once: true }) })
    el.noFetch = true
    el.ctx = ctx()
    el.ui = { ...DEFAULT_STATE, view: 'errors', range: '24h' }
    el.data = data
    root.append(el)
    await el.updateComplete
    const children = [...el.renderRoot.querySelectorAll('tw-error-group, tw-error-rate-chart')] as Array<HTMLElement & { updateComplete: Promise<unknown> }>
    await Promise.all(children.map((c) => c.updateComplete))
  } else {
    root.append(naiveGroups(data))
  }
  document.body.getBoundingClientRect()
  const built = performance.now() - t0
  await frame()
  const painted = performance.now() - t0
  return { built, painted, allRows: all === undefined ? painted : await all }
}

/** The floor for the chart: four filled paths through every point, straight to a canvas. */
function naiveDraw (canvas: HTMLCanvasElement, cols: number[][]) {
  const c = canvas.getContext('2d') as CanvasRenderingContext2D
  c.clearRect(0, 0, canvas.width, canvas.height)
  const xs = cols[0] as number[]
  const x0 = xs[0] as number
  const dx = canvas.width / ((xs[xs.length - 1] as number) - x0)
  let max = 0
  for (const v of cols[1] as number[]) if (v > max) max = v
  const dy = canvas.height / max
  for (let s = 1; s < cols.length; s++) {
    const ys = cols[s] as number[]
    c.beginPath()
    c.moveTo(0, canvas.height)
    for (let i = 0; i < xs.length; i++) c.lineTo(((xs[i] as number) - x0) * dx, canvas.height - (ys[i] as number) * dy)
    c.lineTo(canvas.width, canvas.height)
    c.fillStyle = ['#ccc', '#fc8', '#f96', '#f66'][s - 1] as string
    c.fill()
    c.stroke()
  }
}

async function chartDraw (points: number, reps: number, mode: 'uplot' | 'naive') {
  root.replaceChildren()
  const cols = errorRateColumns(errorsFixture(0, points).series)
  const firsts: number[] = []
  const times: number[] = []
  // A fresh chart each time: element, styles, scales, axes, paths, legend.
  for (let i = 0; i < reps; i++) {
    root.replaceChildren()
    await frame()
    const t0 = performance.now()
    if (mode === 'uplot') {
      const el = document.createElement('tw-error-rate-chart')
      el.style.width = '1200px'
      root.append(el)
      el.columns = cols
      await el.updateComplete
      await microtask()
    } else {
      const canvas = document.createElement('canvas')
      canvas.width = 1200 * devicePixelRatio
      canvas.height = 220 * devicePixelRatio
      root.append(canvas)
      naiveDraw(canvas, cols.data)
    }
    firsts.push(performance.now() - t0)
  }
  // New data into the chart that is there: setData and a full redraw.
  const el = root.firstElementChild as HTMLElement & { columns: unknown, updateComplete: Promise<unknown> }
  for (let i = 0; i < reps; i++) {
    const next = errorRateColumns(errorsFixture(0, points).series)
    await frame()
    const t = performance.now()
    if (mode === 'uplot') {
      el.columns = next
      await el.updateComplete
      await microtask()
    } else {
      naiveDraw(el as unknown as HTMLCanvasElement, next.data)
    }
    times.push(performance.now() - t)
  }
  return { firsts, times }
}

/** N events a second into the alert list for S seconds; the longest long task (ms) and how many. */
async function alertFlood (perSecond: number, seconds: number, mode: 'coalesced' | 'naive') {
  root.replaceChildren()
  const store = mode === 'coalesced' ? new AlertsStore() : new AlertsStore((fn) => { fn() }, 0)
  store.replace(Array.from({ length: 400 }, (_, i) => alertFixture(i)))
  const el = document.createElement('tw-alerts')
  el.ctx = ctx(store)
  root.append(el)
  await el.updateComplete
  await frame()
  const long: number[] = []
  const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(e.duration) })
  obs.observe({ type: 'longtask', buffered: false })
  let i = 400
  const total = perSecond * seconds
  const t0 = performance.now()
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // Timers clamp at ~4 ms; send however many are due so the rate holds.
      const due = Math.min(total, Math.floor((performance.now() - t0) / 1000 * perSecond))
      while (i - 400 < due) {
        const a = alertFixture(i)
        const ev: AlertEvent = { type: 'event', id: String(i), kind: a.status === 'firing' ? 'firing' : 'resolved', alert: a, at: a.updatedAt }
        store.apply(ev)
        i++
      }
      if (i - 400 >= total) { clearInterval(timer); resolve() }
    }, 10)
  })
  await frame()
  await new Promise((resolve) => setTimeout(resolve, 200))
  obs.disconnect()
  return { events: i - 400, seconds: (performance.now() - t0) / 1000, longTasks: long.length, maxLongTask: long.length === 0 ? 0 : Math.max(...long), rendered: el.renderRoot.querySelectorAll('tw-alert-group').length }
}

/** What a person types into the Alerts filter: free text letter by letter, then matcher chips added and removed. */
const KEYSTROKES: Array<Partial<UiState>> = [
  ...['h', 'ho', 'hos', 'host', 'host-', 'host-1', 'host-12', 'host-1', 'host-', 'host', ''].map((aq) => ({ aq })),
  { filters: ['severity="critical"'] },
  { filters: ['severity="critical"', 'job=~"api|web"'] },
  { filters: ['severity="critical"', 'job=~"api|web"', 'cluster!="c3"'] },
  { filters: ['job=~"api|web"'] },
  { filters: [] },
  { groupBy: 'cluster' },
  { groupBy: 'alertname' },
]

/**
 * The naive baseline: each keystroke filters the alerts and rebuilds the whole list, every matching
 * alert as a DOM row (what the flat list did), with no grouping, memo or collapsed groups.
 */
function naiveAlerts (alerts: Alert[], ui: UiState): HTMLElement {
  const list = document.createElement('ol')
  const ms = ui.filters.map((f) => parseMatcher(f, (a) => new RegExp(a, 'u')))
  for (const a of alerts) {
    if (!ms.every((m) => { const v = a.labels[m.name] ?? ''; const re = new RegExp(`^(?:${m.value})$`); return m.op === '=' ? v === m.value : m.op === '!=' ? v !== m.value : m.op === '=~' ? re.test(v) : !re.test(v) })) continue
    if (ui.aq !== '' && !textMatches(ui.aq, a.labels, a.annotations)) continue
    const li = document.createElement('li')
    const top = document.createElement('div'); top.textContent = `${a.status} ${a.labels.severity ?? ''} ${a.alertname}`
    const p = document.createElement('p'); p.textContent = a.annotations.summary ?? ''
    const labels = document.createElement('div'); labels.textContent = Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(' ')
    li.append(top, p, labels)
    list.append(li)
  }
  return list
}

/** 5,000 firing alerts in 300 groups: each keystroke's time from the new state to the next painted frame. */
async function alertKeystrokes (n: number, rules: number, mode: 'lit' | 'naive') {
  root.replaceChildren()
  const alerts = manyAlerts(n, rules)
  const store = new AlertsStore((fn) => { fn() }, 0)
  store.replace(alerts)
  let ui: UiState = { ...DEFAULT_STATE, view: 'alerts', alertState: 'firing' }
  const el = document.createElement('tw-alerts')
  if (mode === 'lit') {
    el.ctx = { ...ctx(store), api: { alerts: async () => ({ measuredAt: '', lastEventId: '0', alerts: [], nextCursor: null }), silences: async () => ({ available: false, message: 'bench', measuredAt: '', silences: [] }) } as unknown as Api }
    el.ui = ui
    root.append(el)
    await el.updateComplete
  } else {
    root.append(naiveAlerts(store.list, ui))
  }
  await frame()
  const times: number[] = []
  let groups = 0
  for (const step of KEYSTROKES) {
    ui = { ...ui, ...step }
    const t0 = performance.now()
    if (mode === 'lit') {
      el.ui = ui
      await el.updateComplete
      await Promise.all([...el.renderRoot.querySelectorAll('tw-alert-group')].map((g) => g.updateComplete))
    } else {
      root.replaceChildren(naiveAlerts(store.list, ui))
    }
    await frame()
    times.push(performance.now() - t0)
  }
  if (mode === 'lit') groups = buildView(store.list, { state: 'firing', groupBy: 'alertname', matchers: [], text: '', showMuted: false, showAcked: true, muting: NO_MUTING }).groups.length
  return { times, groups }
}

Object.assign(window, { twBench: { renderErrors, chartDraw, alertFlood, alertKeystrokes } })
document.title = 'ready'
