// The classic GAN in TF.js, identical to wasmgan's default model: G 100→128→128→784
// (LeakyReLU 0.2, tanh), D 784→128→128→1 (LeakyReLU 0.2, logit), BCE with
// logits, the non-saturating generator loss, Adam(2e-4, 0.5, 0.999, 1e-8) for
// each network, He-uniform / Glorot-uniform weights and zero biases. One step:
// D on a real batch and a detached fake batch, then G through the updated D.
//
// Two ways of writing it:
// - 'usual': what a TF.js user writes: matMul + add, optimizer.minimize over
//   a closure, gradients from the tape. Those gradients call matMul with a
//   transposed operand (dX = dY·Wᵀ, dW = Xᵀ·dY), which the wasm backend runs
//   off its fast path.
// - 'fast': a custom gradient for the dense layer that transposes explicitly
//   (tf.transpose, then an untransposed matMul: the wasm fast path), the
//   forward as one fused matMul+bias, and D run once on [real; fake].

/** He-uniform bound before LeakyReLU, Glorot-uniform bound otherwise (as wasmgan). */
function bound(fanIn, fanOut, leaky) {
  return leaky ? Math.sqrt(6 / ((1 + 0.2 * 0.2) * fanIn)) : Math.sqrt(6 / (fanIn + fanOut))
}

function makeNet(tf, sizes, seed) {
  const params = []
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [i, o] = [sizes[l], sizes[l + 1]]
    const b = bound(i, o, l + 2 < sizes.length)
    params.push(tf.variable(tf.randomUniform([i, o], -b, b, 'float32', seed + l)), tf.variable(tf.zeros([o])))
  }
  return params
}

/**
 * A TF.js GAN on the current backend. `images` is `count × 784` in [-1, 1].
 * Returns `{ step(), dispose() }`; `step()` runs one training step and waits
 * for it (reads the losses back), so timing a step times its work.
 */
export function createTfjsGan(tf, { variant, batch, images, count, dim = 784, latent = 100, seed = 1 }) {
  if (variant !== 'usual' && variant !== 'fast') throw new Error(`unknown TF.js variant ${variant}`)
  const g = makeNet(tf, [latent, 128, 128, dim], seed)
  const d = makeNet(tf, [dim, 128, 128, 1], seed + 10)
  const gOpt = tf.train.adam(2e-4, 0.5, 0.999, 1e-8)
  const dOpt = tf.train.adam(2e-4, 0.5, 0.999, 1e-8)
  const data = tf.tensor2d(images, [count, dim])
  const ones = tf.ones([batch, 1])
  const zeros = tf.zeros([batch, 1])
  const targetsD = tf.concat([ones, zeros])
  // The epoch-wise shuffled sampler every implementation uses.
  let perm = new Int32Array(0)
  let cursor = count
  let rng = seed >>> 0
  const nextIndices = () => {
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
    return tf.tensor1d(idx, 'int32')
  }
  const bce = (logits, targets) => tf.losses.sigmoidCrossEntropy(targets, logits)

  let net
  if (variant === 'usual') {
    const dense = (x, w, b) => tf.add(tf.matMul(x, w), b)
    net = (p, x, out) => {
      let h = x
      for (let l = 0; l < p.length; l += 2) {
        h = dense(h, p[l], p[l + 1])
        h = l + 2 < p.length ? tf.leakyRelu(h, 0.2) : out(h)
      }
      return h
    }
  } else {
    // y = x·W + b with gradients through explicit transposes (wasm fast path).
    const dense = tf.customGrad((x, w, b, save) => {
      save([x, w])
      return {
        value: tf.fused.matMul({ a: x, b: w, bias: b }),
        gradFunc: (dy, [xs, ws]) => [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy), tf.sum(dy, 0)],
      }
    })
    net = (p, x, out) => {
      let h = x
      for (let l = 0; l < p.length; l += 2) {
        h = dense(h, p[l], p[l + 1])
        h = l + 2 < p.length ? tf.leakyRelu(h, 0.2) : out(h)
      }
      return h
    }
  }
  const G = (z) => net(g, z, tf.tanh)
  const D = (x) => net(d, x, (h) => h)

  function step() {
    const losses = tf.tidy(() => {
      const real = tf.gather(data, nextIndices())
      const z = tf.randomNormal([batch, latent])
      const fake = G(z) // outside any tape: detached for the D update
      let dLoss
      if (variant === 'usual') {
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
    for (const v of [...g, ...d]) v.dispose()
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

  return { step, sample, dispose }
}
