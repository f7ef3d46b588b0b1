/**
 * Line charts on a canvas, drawn by hand (no chart library): each series is
 * shown raw and faint, with an exponential moving average on top, and long
 * histories are reduced to about one point per pixel.
 */

export interface Series {
  values: number[]
  color: string
}

export interface ChartOptions {
  /** Fixed y range; default: 0 to the 99th percentile of the data, with headroom. */
  yRange?: [number, number]
  /** Horizontal guide lines, e.g. at 0.5 for probabilities. */
  guides?: number[]
  /** Smoothing factor of the moving average (0: none). */
  smoothing?: number
}

/** CSS sizes of observed canvases, kept by a ResizeObserver so drawing never forces a layout. */
const sizes = new WeakMap<HTMLCanvasElement, { w: number; h: number }>()
const observer =
  typeof ResizeObserver === 'function'
    ? new ResizeObserver((entries) => {
        for (const e of entries) {
          const box = e.contentBoxSize?.[0]
          sizes.set(e.target as HTMLCanvasElement, {
            w: box ? box.inlineSize : e.contentRect.width,
            h: box ? box.blockSize : e.contentRect.height,
          })
          onResize?.()
        }
      })
    : undefined
let onResize: (() => void) | undefined

/** Tracks the CSS size of `canvas`; `redraw` runs when it changes. */
export function observeCanvas(canvas: HTMLCanvasElement, redraw: () => void): void {
  onResize = redraw
  observer?.observe(canvas)
}

/** Sizes a canvas's backing store to its CSS box times the device pixel ratio; returns the context and the CSS size. */
function fitCanvas(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; W: number; H: number } {
  const size = sizes.get(canvas) ?? { w: canvas.clientWidth, h: canvas.clientHeight }
  const dpr = Math.min(globalThis.devicePixelRatio || 1, 2)
  const w = Math.max(1, Math.round(size.w * dpr))
  const h = Math.max(1, Math.round(size.h * dpr))
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w
    canvas.height = h
  }
  const ctx = canvas.getContext('2d')!
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  return { ctx, W: size.w, H: size.h }
}

/** Draws `series` against `steps` (the shared x values). */
export function drawChart(canvas: HTMLCanvasElement, steps: number[], series: Series[], options: ChartOptions = {}): void {
  const { ctx, W, H } = fitCanvas(canvas)
  const pad = { l: 34, r: 8, t: 8, b: 18 }
  ctx.clearRect(0, 0, W, H)
  ctx.font = '11px ui-sans-serif, system-ui, sans-serif'
  ctx.fillStyle = '#8d94a5'
  ctx.strokeStyle = '#2a2f3a'
  ctx.lineWidth = 1

  const n = steps.length
  let [y0, y1] = options.yRange ?? [0, 1]
  if (!options.yRange) {
    const all = series.flatMap((s) => s.values).filter(Number.isFinite)
    if (all.length) {
      all.sort((a, b) => a - b)
      y0 = Math.min(0, all[0]!)
      y1 = Math.max(1e-3, all[Math.floor(0.99 * (all.length - 1))]! * 1.1)
    }
  }
  const x0 = n ? steps[0]! : 0
  const x1 = n > 1 ? steps[n - 1]! : x0 + 1
  const px = (x: number) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (W - pad.l - pad.r)
  const py = (y: number) => pad.t + (1 - (Math.min(Math.max(y, y0), y1) - y0) / (y1 - y0 || 1)) * (H - pad.t - pad.b)

  // Axes and guides.
  const ticks = niceTicks(y0, y1, 4)
  ctx.textAlign = 'right'
  ctx.textBaseline = 'middle'
  for (const t of [...ticks, ...(options.guides ?? [])]) {
    ctx.beginPath()
    ctx.setLineDash(options.guides?.includes(t) ? [3, 3] : [])
    ctx.moveTo(pad.l, Math.round(py(t)) + 0.5)
    ctx.lineTo(W - pad.r, Math.round(py(t)) + 0.5)
    ctx.stroke()
    if (ticks.includes(t)) ctx.fillText(formatTick(t), pad.l - 6, py(t))
  }
  ctx.setLineDash([])
  ctx.textAlign = 'left'
  ctx.textBaseline = 'alphabetic'
  if (n) {
    ctx.fillText(`step ${Math.round(x0)}`, pad.l, H - 4)
    ctx.textAlign = 'right'
    ctx.fillText(`${Math.round(x1)}`, W - pad.r, H - 4)
  } else {
    ctx.textAlign = 'center'
    ctx.fillText('starts when training does', (pad.l + W) / 2, H / 2)
  }
  if (n < 2) return

  // About one point per pixel: the mean of each bucket.
  const buckets = Math.max(2, Math.min(n, Math.floor(W - pad.l - pad.r)))
  const alpha = options.smoothing ?? 0.05
  for (const s of series) {
    const xs: number[] = []
    const raw: number[] = []
    const smooth: number[] = []
    let ema = s.values[0]!
    let b = 0
    let sum = 0
    let count = 0
    let emaAtBucket = 0
    for (let i = 0; i < n; i++) {
      const v = s.values[i]!
      ema = alpha > 0 ? ema + alpha * (v - ema) : v
      sum += v
      count++
      emaAtBucket = ema
      const nextBucket = Math.floor(((i + 1) * buckets) / n)
      if (nextBucket !== b || i === n - 1) {
        xs.push(steps[i]!)
        raw.push(sum / count)
        smooth.push(emaAtBucket)
        sum = 0
        count = 0
        b = nextBucket
      }
    }
    line(ctx, xs, raw, px, py, s.color, 0.25, 1)
    line(ctx, xs, smooth, px, py, s.color, 1, 1.8)
  }
}

function line(
  ctx: CanvasRenderingContext2D,
  xs: number[],
  ys: number[],
  px: (x: number) => number,
  py: (y: number) => number,
  color: string,
  alpha: number,
  width: number,
): void {
  ctx.save()
  ctx.globalAlpha = alpha
  ctx.strokeStyle = color
  ctx.lineWidth = width
  ctx.lineJoin = 'round'
  ctx.beginPath()
  for (let i = 0; i < xs.length; i++) {
    const x = px(xs[i]!)
    const y = py(ys[i]!)
    if (i === 0) ctx.moveTo(x, y)
    else ctx.lineTo(x, y)
  }
  ctx.stroke()
  ctx.restore()
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo
  if (!(span > 0)) return [lo]
  const raw = span / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!
  const out: number[] = []
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(Number(t.toPrecision(6)))
  return out
}

function formatTick(t: number): string {
  return Math.abs(t) >= 10 ? t.toFixed(0) : Number(t.toPrecision(2)).toString()
}
