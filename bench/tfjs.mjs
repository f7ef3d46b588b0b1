// The classic GAN in TF.js, identical to wasmgan's default model: G 100→128→128→784
// (LeakyReLU 0.2, tanh), D 784→128→128→1 (LeakyReLU 0.2, logit), BCE with
// logits, the non-saturating generator loss, Adam(2e-4, 0.5, 0.999, 1e-8) for
// each network, He-uniform / Glorot-uniform weights and zero biases. One step:
// D on a real batch and a detached fake batch, then G through the updated D.
//
// Three ways of writing it:
// - 'usual': what a TF.js user writes with tensors and variables: matMul +
//   add, optimizer.minimize over a closure, gradients from the tape. Those
//   gradients call matMul with a transposed operand (dX = dY·Wᵀ, dW = Xᵀ·dY),
//   which the wasm backend runs off its fast path.
// - 'layers': what a TF.js user writes with its Keras-style layers API (how
//   the TF.js guides build models): each network a tf.sequential of dense and
//   leakyReLU layers, run with model.apply, trained by optimizer.minimize over
//   its trainable weights (the same loss as 'usual', the same tape gradients).
// - 'fast': a custom gradient for the dense layer that transposes explicitly
//   (tf.transpose, then an untransposed matMul: the wasm fast path), the
//   forward as one fused matMul+bias, and D run once on [real; fake].

/** He-uniform bound before LeakyReLU, Glorot-uniform bound otherwise (as wasmgan). */
function bound(fanIn, fanOut, leaky) {
  return leaky ? Math.sqrt(6 / ((1 + 0.2 * 0.2) * fanIn)) : Math.sqrt(6 / (fanIn + fanOut))
}

/** The variables of a network given as tensors and variables: [W1, b1, W2, b2, ...]. */
function makeNet(tf, sizes, seed) {
  const params = []
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [i, o] = [sizes[l], sizes[l + 1]]
    const b = bound(i, o, l + 2 < sizes.length)
    // tf.variable keeps its initial tensor alive beside it: made inside tidy, only the variables stay.
    params.push(...tf.tidy(() => [tf.variable(tf.randomUniform([i, o], -b, b, 'float32', seed + l)), tf.variable(tf.zeros([o]))]))
  }
  return params
}

/**
 * The same network as a tf.sequential of dense and leakyReLU layers (the same
 * initial weight distributions). Returns the model and its variables in
 * makeNet's order.
 */
function makeModel(tf, sizes, seed, outActivation) {
  const layers = []
  for (let l = 0; l + 1 < sizes.length; l++) {
    const last = l + 2 === sizes.length
    const kernelInitializer = last
      ? tf.initializers.glorotUniform({ seed: seed + l })
      : tf.initializers.varianceScaling({ scale: 2 / (1 + 0.2 * 0.2), mode: 'fanIn', distribution: 'uniform', seed: seed + l })
    const units = sizes[l + 1]
    layers.push(
      tf.layers.dense({
        units,
        kernelInitializer,
        activation: last ? outActivation : 'linear',
        ...(l === 0 ? { inputShape: [sizes[0]] } : {}),
      }),
    )
    if (!last) layers.push(tf.layers.leakyReLU({ alpha: 0.2 }))
  }
  const model = tf.sequential({ layers })
  return { model, params: model.trainableWeights.map((w) => w.read()) }
}

/**
 * The epoch-wise shuffled sampler every implementation uses: each call returns
 * the next `batch` row indices of a permutation of `0..count` (a new
 * permutation, from a 32-bit LCG seeded with `seed`, when too few are left).
 */
export function batchSampler(count, batch, seed) {
  let perm = new Int32Array(0)
  let cursor = count
  let rng = seed >>> 0
  return () => {
    if (cursor + batch > count) {
      perm = Int32Array.from({ length: count }, (_, i) => i)
      for (let i = count - 1; i > 0; i--) {
        rng = (Math.imul(rng, 1664525) + 1013904223) >>> 0
        const j = rng % (i + 1)
        ;[perm[i], perm[j]] = [perm[j], perm[i]]
      }
      cursor = 0
    }
    const idx = perm.subarray(cursor, cursor + batch)
    cursor += batch
    return idx
  }
}

/**
 * A TF.js GAN on the current backend. `images` is `count × 784` in [-1, 1].
 * Returns `{ step(), sample(n), getWeights(), dispose() }`;
 * `step()` runs one training step and waits for it (reads the losses back,
 * D's then G's), so timing a step times its work. Its noise comes from
 * `tf.randomNormal`, one `[batch, latent]` draw per step.
 */
export function createTfjsGan(tf, { variant, batch, images, count, dim = 784, latent = 100, seed = 1 }) {
  if (!['usual', 'layers', 'fast'].includes(variant)) throw new Error(`unknown TF.js variant ${variant}`)
  const models = variant === 'layers' && [
    makeModel(tf, [latent, 128, 128, dim], seed, 'tanh'),
    makeModel(tf, [dim, 128, 128, 1], seed + 10, 'linear'),
  ]
  const g = models ? models[0].params : makeNet(tf, [latent, 128, 128, dim], seed)
  const d = models ? models[1].params : makeNet(tf, [dim, 128, 128, 1], seed + 10)
  const gOpt = tf.train.adam(2e-4, 0.5, 0.999, 1e-8)
  const dOpt = tf.train.adam(2e-4, 0.5, 0.999, 1e-8)
  const data = tf.tensor2d(images, [count, dim])
  const ones = tf.ones([batch, 1])
  const zeros = tf.zeros([batch, 1])
  const targetsD = tf.concat([ones, zeros])
  const nextBatch = batchSampler(count, batch, seed)
  const nextIndices = () => tf.tensor1d(nextBatch(), 'int32')
  const bce = (logits, targets) => tf.losses.sigmoidCrossEntropy(targets, logits)

  // y = x·W + b: as users write it, or ('fast') with gradients through explicit transposes (wasm fast path).
  const dense =
    variant === 'fast'
      ? tf.customGrad((x, w, b, save) => {
          save([x, w])
          return {
            value: tf.fused.matMul({ a: x, b: w, bias: b }),
            gradFunc: (dy, [xs, ws]) => [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy), tf.sum(dy, 0)],
          }
        })
      : (x, w, b) => tf.add(tf.matMul(x, w), b)
  const [gm, dm] = models ? models.map((m) => m.model) : []
  const net = (p, x, out) => {
    if (models) return (p === g ? gm : dm).apply(x)
    let h = x
    for (let l = 0; l < p.length; l += 2) {
      h = dense(h, p[l], p[l + 1])
      h = l + 2 < p.length ? tf.leakyRelu(h, 0.2) : out(h)
    }
    return h
  }
  const G = (z) => net(g, z, tf.tanh)
  const D = (x) => net(d, x, (h) => h)

  function step() {
    const losses = tf.tidy(() => {
      const real = tf.gather(data, nextIndices())
      const z = tf.randomNormal([batch, latent])
      const fake = G(z) // outside any tape: detached for the D update
      let dLoss
      if (variant !== 'fast') {
        dLoss = dOpt.minimize(() => tf.add(bce(D(real), ones), bce(D(fake), zeros)), true, d)
      } else {
        // One D pass over [real; fake]: each half's mean BCE is (sum over the half)/batch.
        const { value, grads } = tf.variableGrads(() => tf.mul(bce(D(tf.concat([real, fake])), targetsD), 2), d)
        dOpt.applyGradients(grads)
        dLoss = value
      }
      // G through the updated D: the tape needs G's forward again.
      const gLoss = gOpt.minimize(() => bce(D(G(z)), ones), true, g)
      return tf.stack([dLoss, gLoss])
    })
    const v = losses.dataSync()
    losses.dispose()
    return v
  }

  function dispose() {
    if (models) for (const m of models) m.model.dispose()
    else for (const v of [...g, ...d]) v.dispose()
    for (const t of [data, ones, zeros, targetsD]) t.dispose()
    gOpt.dispose()
    dOpt.dispose()
  }

  /** Generator inference: `n` images (returned as a Float32Array). */
  function sample(n) {
    const out = tf.tidy(() => G(tf.randomNormal([n, latent])))
    const v = out.dataSync()
    out.dispose()
    return v
  }

  /** G's then D's weights, [W1, b1, W2, b2, W3, b3] each, as Float32Arrays. */
  const getWeights = () => [...g, ...d].map((v) => v.dataSync().slice())

  return { step, sample, dispose, getWeights }
}

/** `n` deterministic values in [-1, 1) from a 32-bit LCG. */
export function lcgValues(n, seed) {
  let s = seed >>> 0
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 31 - 1
  })
}

/**
 * `steps` training steps of a TF.js GAN whose noise is fixed (step t's z from
 * lcgValues, scaled to roughly N(0, 1) size), recorded so that another
 * implementation can replay them: the initial weights, each step's real batch
 * and z, the losses, and the weights at the end (plain arrays, ready for JSON).
 * The bench replays this in PyTorch; test/bench-tfjs.test.ts in a float64
 * reference.
 */
export function traceTfjsGan(tf, { variant, batch, images, count, steps, seed = 1, dim = 784, latent = 100 }) {
  let t = 0
  const zs = []
  const fixedNoise = {
    ...tf,
    randomNormal: (shape) => {
      if (shape.length !== 2 || shape[0] !== batch || shape[1] !== latent) throw new Error(`unexpected noise shape ${shape}`)
      const z = lcgValues(batch * latent, 1000 + t++).map((v) => v * 1.7)
      zs.push(z)
      return tf.tensor(z, shape)
    },
  }
  const gan = createTfjsGan(fixedNoise, { variant, batch, images, count, dim, latent, seed })
  const sampler = batchSampler(count, batch, seed)
  const weights0 = gan.getWeights()
  const reals = []
  const losses = []
  for (let i = 0; i < steps; i++) {
    const real = new Float32Array(batch * dim)
    sampler().forEach((r, j) => real.set(images.subarray(r * dim, (r + 1) * dim), j * dim))
    reals.push(real)
    losses.push(Array.from(gan.step()))
  }
  const weights = gan.getWeights()
  gan.dispose()
  const plain = (list) => list.map((a) => Array.from(a))
  return { variant, batch, weights0: plain(weights0), reals: plain(reals), zs: plain(zs), losses, weights: plain(weights) }
}
