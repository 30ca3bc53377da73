import fs from 'node:fs'
import { describe, expect, it } from 'vitest'

/** The theme's colour tokens, light (:root) and dark (the prefers-color-scheme block). */
function tokens (): { light: Record<string, string>, dark: Record<string, string> } {
  const css = fs.readFileSync(new URL('../src/styles/theme.css', import.meta.url), 'utf8')
  const darkAt = css.indexOf('@media (prefers-color-scheme: dark)')
  const read = (text: string) => Object.fromEntries([...text.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})/g)].map((m) => [m[1] as string, m[2] as string]))
  return { light: read(css.slice(0, darkAt)), dark: read(css.slice(darkAt)) }
}

function luminance (hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

export function contrast (a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number]
  return (x + 0.05) / (y + 0.05)
}

// [text, background, minimum]: 4.5 for text (WCAG AA), 3 for focus rings and large UI parts.
const PAIRS: Array<[string, string, number]> = [
  ['fg', 'bg', 4.5], ['fg', 'bg-card', 4.5], ['fg', 'bg-button', 4.5], ['fg', 'bg-hover', 4.5], ['fg', 'info-bg', 4.5],
  ['muted', 'bg', 4.5], ['muted', 'bg-card', 4.5], ['stale', 'bg-card', 4.5], ['link', 'bg-card', 4.5], ['ok', 'bg-card', 4.5],
  ['sev-critical', 'bg-card', 4.5], ['sev-high', 'bg-card', 4.5], ['sev-medium', 'bg-card', 4.5], ['sev-low', 'bg-card', 4.5],
  ['danger-fg', 'danger-bg', 4.5], ['warn-fg', 'warn-bg', 4.5], ['on-accent', 'accent', 4.5],
  ['focus', 'bg', 3], ['focus', 'bg-card', 3], ['border-strong', 'bg-input', 3],
]

describe('theme contrast (WCAG AA)', () => {
  const t = tokens()
  for (const scheme of ['light', 'dark'] as const) {
    it.each(PAIRS)(`${scheme}: --%s on --%s ≥ %d:1`, (fg, bg, min) => {
      const a = t[scheme][fg]
      const b = t[scheme][bg]
      expect(a, `--${fg} missing in ${scheme}`).toBeDefined()
      expect(b, `--${bg} missing in ${scheme}`).toBeDefined()
      expect(contrast(a as string, b as string)).toBeGreaterThanOrEqual(min)
    })
  }

  it('computes known ratios', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2)
  })
})
