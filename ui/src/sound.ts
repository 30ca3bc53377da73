/** An optional beep for new critical alerts (off by default; the choice is remembered). */
const KEY = 'tovwatch.sound'

export function soundEnabled (storage: Pick<Storage, 'getItem'> = localStorage): boolean {
  try { return storage.getItem(KEY) === 'on' } catch { return false }
}

export function setSoundEnabled (on: boolean, storage: Pick<Storage, 'setItem'> = localStorage): void {
  try { storage.setItem(KEY, on ? 'on' : 'off') } catch {}
}

let ctx: AudioContext | undefined

export function beep (): void {
  try {
    ctx ??= new AudioContext()
    const osc = ctx.createOscillator()
    const gain = ctx.createGain()
    osc.frequency.value = 880
    gain.gain.setValueAtTime(0.15, ctx.currentTime)
    gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.4)
    osc.connect(gain).connect(ctx.destination)
    osc.start()
    osc.stop(ctx.currentTime + 0.4)
  } catch {}
}
