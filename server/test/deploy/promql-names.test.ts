import { describe, expect, it } from 'vitest'
import { familiesOf, familyOf, metricNames, PromqlLexError } from './promql-names.js'

describe('metricNames (PromQL metric-name extractor)', () => {
  it('finds a bare metric and one with matchers', () => {
    expect(metricNames('up')).toEqual(['up'])
    expect(metricNames('up{job="tovwatch"} == 0')).toEqual(['up'])
  })

  it('skips functions, aggregations and their label lists', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, route) (rate(http_seconds_bucket{route!="/metrics"}[5m])))'))
      .toEqual(['http_seconds_bucket'])
    expect(metricNames('sum(rate(a_total[1m])) without (instance, job)')).toEqual(['a_total'])
    expect(metricNames('topk(10, max by(table)(rows))')).toEqual(['rows'])
    expect(metricNames('sum without (job) (x) + count by (a) (y)')).toEqual(['x', 'y'])
  })

  it('skips label names and values inside matchers, including ones that look like metrics', () => {
    expect(metricNames('x{state=~"idle|active", le="+Inf", job=\'up\'}')).toEqual(['x'])
  })

  it('skips vector matching keywords and their label lists', () => {
    expect(metricNames('a / on (instance) group_left (pool) b')).toEqual(['a', 'b'])
    expect(metricNames('a * ignoring(le) group_right b')).toEqual(['a', 'b'])
    expect(metricNames('a > bool 1 and b unless c or d')).toEqual(['a', 'b', 'c', 'd'])
  })

  it('skips numbers, exponents, durations, offsets and subqueries', () => {
    expect(metricNames('clamp_min(sum(x), 1e-9) + 0x1F - .5 * 2')).toEqual(['x'])
    expect(metricNames('rate(y[5m] offset 1h30m) + max_over_time(z[1h:5m])')).toEqual(['y', 'z'])
    expect(metricNames('x @ start() - x @ 1609746000')).toEqual(['x'])
  })

  it('skips Grafana variables in every form', () => {
    const grafanaVar = '$' + '{divisor}'
    expect(metricNames(`sum(increase(q_total{instance=~"$instance"}[$__rate_interval])) / ${grafanaVar} + w[[interval]]`))
      .toEqual(['q_total', 'w'])
    expect(metricNames('sum(increase(r_total[$__range]))')).toEqual(['r_total'])
  })

  it('reads a {__name__="..."} matcher as a metric name', () => {
    expect(metricNames('{__name__="tovwatch_up", job="x"}')).toEqual(['tovwatch_up'])
  })

  it('reads label_values(selector, label) as a metric in its first argument only', () => {
    expect(metricNames('label_values(up{job="tovwatch"}, instance)')).toEqual(['up'])
    expect(metricNames('label_values(instance)')).toEqual([])
  })

  it('skips keywords used as plain words and returns each name once, sorted', () => {
    expect(metricNames('b + a + b')).toEqual(['a', 'b'])
    expect(metricNames('x > inf or y < nan')).toEqual(['x', 'y'])
  })

  it('ignores strings that contain PromQL', () => {
    expect(metricNames('label_replace(m, "dst", "$1", "src", "sum(rate(fake[5m]))")')).toEqual(['m'])
  })

  it('refuses malformed input with a clear error instead of guessing', () => {
    expect(() => metricNames('x{job="a"')).toThrow(PromqlLexError)
    expect(() => metricNames('rate(x[5m)')).toThrow(PromqlLexError)
    expect(() => metricNames('x{job="a}')).toThrow(/unterminated string/)
    expect(() => metricNames('sum by (le (x)')).toThrow(/unbalanced/)
  })
})

describe('familyOf', () => {
  const families = familiesOf([
    '# HELP h_seconds a histogram', '# TYPE h_seconds histogram',
    '# TYPE s_seconds summary', '# TYPE c_total counter', '# TYPE g gauge',
  ].join('\n'))

  it('maps histogram and summary samples to their family', () => {
    expect(familyOf('h_seconds_bucket', families)).toBe('h_seconds')
    expect(familyOf('h_seconds_count', families)).toBe('h_seconds')
    expect(familyOf('s_seconds_sum', families)).toBe('s_seconds')
    expect(familyOf('c_total', families)).toBe('c_total')
  })

  it('does not invent families', () => {
    expect(familyOf('s_seconds_bucket', families)).toBeUndefined()
    expect(familyOf('g_count', families)).toBeUndefined()
    expect(familyOf('nope', families)).toBeUndefined()
  })
})
