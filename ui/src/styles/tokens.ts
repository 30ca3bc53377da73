import { css } from 'lit'

/** Reads a theme colour (CSS custom property) for canvas drawing, which cannot use var(). */
export function themeColor (el: Element, name: string, fallback: string): string {
  const v = getComputedStyle(el).getPropertyValue(name).trim()
  return v === '' ? fallback : v
}

/** Shared bits every component adopts: focus ring, visually-hidden text, buttons, tables. */
export const shared = css`
  :host { color: var(--fg); font: inherit; }
  * { box-sizing: border-box; }
  :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 3px; }
  .sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
  button, select, input, textarea { font: inherit; color: var(--fg); background: var(--bg-input); border: 1px solid var(--border-strong); border-radius: 6px; padding: 0.35rem 0.6rem; min-height: 2.25rem; }
  button { cursor: pointer; background: var(--bg-button); }
  button:hover { background: var(--bg-hover); }
  button.primary { background: var(--accent); border-color: var(--accent); color: var(--on-accent); }
  button[disabled] { opacity: 0.6; cursor: default; }
  .card { background: var(--bg-card); border: 1px solid var(--border); border-radius: 8px; padding: 0.9rem 1rem; min-width: 0; }
  h2 { font-size: 1.15rem; margin: 0 0 0.6rem; }
  h3 { font-size: 1rem; margin: 0 0 0.5rem; }
  .muted { color: var(--muted); }
  .num { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap; }
  .table-wrap { overflow-x: auto; max-width: 100%; }
  table { border-collapse: collapse; width: 100%; }
  th, td { padding: 0.4rem 0.5rem; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
  th { font-weight: 600; color: var(--muted); font-size: 0.85rem; }
  .banner { border-radius: 8px; padding: 0.75rem 1rem; margin: 0 0 1rem; border: 1px solid; overflow-wrap: anywhere; }
  .banner.warn { background: var(--warn-bg); border-color: var(--warn-border); color: var(--warn-fg); }
  .stream-age.none { font-size: 0.8rem; color: var(--stale); font-style: italic; white-space: nowrap; }
  .banner.danger { background: var(--danger-bg); border-color: var(--danger-border); color: var(--danger-fg); }
  .banner.info { background: var(--info-bg); border-color: var(--border); }
  .sev { display: inline-block; padding: 0.05rem 0.45rem; border-radius: 999px; font-size: 0.8rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
  .sev.critical { color: var(--sev-critical); }
  .sev.high { color: var(--sev-high); }
  .sev.medium { color: var(--sev-medium); }
  .sev.low, .sev.none { color: var(--sev-low); }
  .empty { color: var(--muted); padding: 1rem 0; }
  th button.sort { all: unset; cursor: pointer; color: inherit; font: inherit; white-space: nowrap; }
  th button.sort:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
  th[aria-sort='ascending'], th[aria-sort='descending'] { color: var(--fg); }
  .sort-by { display: none; margin: 0 0 0.5rem; font-size: 0.85rem; color: var(--muted); }
  /* Narrow screens: every row a card, every cell labelled; no column is cut off. */
  @media (max-width: 40rem) {
    .sort-by { display: block; }
    table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
    table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
    table.cards tr { border: 1px solid var(--border); border-radius: 6px; margin: 0 0 0.5rem; padding: 0.2rem 0.5rem; }
    table.cards td { display: flex; justify-content: space-between; gap: 0.75rem; border-bottom: 1px solid var(--border); text-align: right; white-space: normal; overflow-wrap: anywhere; min-width: 0; max-width: none; }
    table.cards td:last-child { border-bottom: none; }
    table.cards td::before { content: attr(data-label); color: var(--muted); font-weight: 600; text-align: left; flex: none; }
    table.cards td > .v { min-width: 0; }
    table.cards tr.history-row td { display: block; text-align: left; }
  }
`
