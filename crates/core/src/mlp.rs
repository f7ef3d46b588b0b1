//! A multi-layer perceptron of dense layers with all parameters in one flat
//! vector (so optimizers, checkpoints and gradient reductions see one slice).
//!
//! Layer l maps `[batch × in_l] → [batch × out_l]`; its parameters are stored
//! as `W_l [in_l × out_l]` followed by `b_l [out_l]`.

use crate::error::{resize_f32, zeroed_f32, Error, Result};
use crate::kernels::{self, Act};
use crate::rng::Rng;

/// One dense layer's shape, activation and place in the flat parameter vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub input: usize,
    pub output: usize,
    pub act: Act,
    /// Offset of `W [input × output]` in the parameter vector.
    pub w: usize,
    /// Offset of `b [output]` in the parameter vector.
    pub b: usize,
}

/// The network: its layers, parameters and parameter gradients.
#[derive(Clone, Debug)]
pub struct Mlp {
    pub layers: Vec<Layer>,
    pub params: Vec<f32>,
    pub grads: Vec<f32>,
}

/// Per-batch buffers of one network, allocated when the batch size first
/// grows and reused by every later step (no allocation on the steady state).
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    /// Rows the buffers can hold.
    capacity: usize,
    /// Output of each layer, `[rows × out_l]`.
    pub outs: Vec<Vec<f32>>,
    /// Two gradient buffers of `[rows × max width]`, swapped layer to layer.
    delta: Vec<f32>,
    delta_next: Vec<f32>,
    /// Room for one transposed weight matrix.
    wt: Vec<f32>,
}

impl Mlp {
    /// A network with layer sizes `sizes = [in, h1, ..., out]`; hidden layers use
    /// `hidden`, the last one `output`. Weights are drawn from `rng`: He-uniform
    /// before (Leaky)ReLU, Glorot-uniform otherwise; biases start at zero.
    pub fn new(sizes: &[usize], hidden: Act, output: Act, rng: &mut Rng) -> Result<Mlp> {
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(Error::invalid(format!(
                "a network needs at least an input and an output size, all ≥ 1; got {:?}",
                sizes
            )));
        }
        let mut layers = Vec::new();
        let mut offset = 0usize;
        for (l, pair) in sizes.windows(2).enumerate() {
            let act = if l + 2 == sizes.len() { output } else { hidden };
            let (input, out) = (pair[0], pair[1]);
            let w = offset;
            let b = w + input * out;
            offset = b + out;
            layers.push(Layer {
                input,
                output: out,
                act,
                w,
                b,
            });
        }
        let mut params = zeroed_f32(offset, "network parameters")?;
        let grads = zeroed_f32(offset, "network gradients")?;
        for layer in &layers {
            let bound = init_bound(layer);
            rng.fill_uniform(&mut params[layer.w..layer.b], -bound, 2.0 * bound);
        }
        Ok(Mlp {
            layers,
            params,
            grads,
        })
    }

    /// Input width.
    pub fn input(&self) -> usize {
        self.layers[0].input
    }

    /// Output width.
    pub fn output(&self) -> usize {
        self.layers[self.layers.len() - 1].output
    }

    /// Makes `ws` able to hold `rows` rows.
    pub fn reserve(&self, ws: &mut Workspace, rows: usize) -> Result<()> {
        if ws.capacity >= rows && ws.outs.len() == self.layers.len() {
            return Ok(());
        }
        let widest = self
            .layers
            .iter()
            .map(|l| l.input.max(l.output))
            .max()
            .unwrap_or(1);
        let biggest_w = self
            .layers
            .iter()
            .map(|l| l.input * l.output)
            .max()
            .unwrap_or(1);
        ws.outs.resize_with(self.layers.len(), Vec::new);
        for (buf, layer) in ws.outs.iter_mut().zip(&self.layers) {
            resize_f32(buf, rows * layer.output, "layer outputs")?;
        }
        resize_f32(&mut ws.delta, rows * widest, "gradient buffer")?;
        resize_f32(&mut ws.delta_next, rows * widest, "gradient buffer")?;
        resize_f32(&mut ws.wt, biggest_w, "transposed weights")?;
        ws.capacity = rows;
        Ok(())
    }

    /// Forward pass of `rows` rows of `x [rows × in]`; layer outputs land in
    /// `ws.outs` and the network's output is `ws.outs.last()[..rows*out]`.
    pub fn forward(&self, ws: &mut Workspace, x: &[f32], rows: usize) {
        self.forward_params(&self.params, ws, x, rows)
    }

    /// `forward` with another parameter vector of the same layout (e.g. a
    /// weight average).
    pub fn forward_params(&self, params: &[f32], ws: &mut Workspace, x: &[f32], rows: usize) {
        assert!(
            params.len() == self.params.len(),
            "parameter vector has the wrong length"
        );
        assert!(ws.capacity >= rows, "workspace not reserved");
        for (l, layer) in self.layers.iter().enumerate() {
            let (before, after) = ws.outs.split_at_mut(l);
            let input: &[f32] = if l == 0 { x } else { &before[l - 1] };
            // h_l: [rows, out_l]
            kernels::dense_forward(
                rows,
                layer.input,
                layer.output,
                &input[..rows * layer.input],
                &params[layer.w..layer.b],
                &params[layer.b..layer.b + layer.output],
                layer.act,
                &mut after[0][..rows * layer.output],
            );
        }
    }

    /// Backward pass after `forward` on the same `x` and `rows`.
    ///
    /// `d_out [rows × out]` is dL/d(output). When `param_grads` is true the
    /// parameter gradients are written (not accumulated) to `self.grads`; when
    /// `dx` is given, dL/dx `[rows × in]` is written to it. Skipping either
    /// skips its products (a generator update needs D's dx but not D's dW).
    pub fn backward(
        &mut self,
        ws: &mut Workspace,
        x: &[f32],
        rows: usize,
        d_out: &[f32],
        param_grads: bool,
        dx: Option<&mut [f32]>,
    ) {
        let mut grads = core::mem::take(&mut self.grads);
        let target = if param_grads {
            Some((RowSplit::whole(rows), &mut grads[..]))
        } else {
            None
        };
        self.backward_split(ws, x, rows, d_out, target, dx);
        self.grads = grads;
    }

    /// `backward` with the parameter gradients summed separately per group
    /// of rows (`split`), each group's full gradient vector written to
    /// `out[g·P..(g+1)·P]` (P = `params.len()`). Data-parallel training sums
    /// the groups (micro-batches) later in a fixed order.
    pub fn backward_split(
        &self,
        ws: &mut Workspace,
        x: &[f32],
        rows: usize,
        d_out: &[f32],
        mut param_grads: Option<(RowSplit, &mut [f32])>,
        mut dx: Option<&mut [f32]>,
    ) {
        assert!(ws.capacity >= rows, "workspace not reserved");
        let params = self.params.len();
        if let Some((split, out)) = &param_grads {
            assert!(split.rows() <= rows && out.len() >= split.groups * params);
        }
        let last = self.layers.len() - 1;
        let out = self.layers[last].output;
        // dz_L = d_out ⊙ act'(y_L): [rows, out_L]
        kernels::activation_backward(
            self.layers[last].act,
            &ws.outs[last][..rows * out],
            &d_out[..rows * out],
            &mut ws.delta[..rows * out],
        );
        for l in (0..=last).rev() {
            let layer = &self.layers[l];
            let (fan_in, fan_out) = (layer.input, layer.output);
            let input: &[f32] = if l == 0 { x } else { &ws.outs[l - 1] };
            let dz = &ws.delta[..rows * fan_out];
            if let Some((split, out)) = param_grads.as_mut() {
                for g in 0..split.groups {
                    let leaf = &mut out[g * params..(g + 1) * params];
                    let (gw, gb) = leaf[layer.w..layer.b + fan_out].split_at_mut(fan_in * fan_out);
                    let (r0, r1) = (g * split.size, (g + 1) * split.size);
                    // dW_l = X_lᵀ · dz over this group's rows: [in, out]
                    kernels::matmul_tn(
                        fan_in,
                        r1 - r0,
                        fan_out,
                        &input[r0 * fan_in..r1 * fan_in],
                        &dz[r0 * fan_out..r1 * fan_out],
                        gw,
                        false,
                    );
                    // db_l = Σ_rows dz: [out]
                    kernels::column_sums(r1 - r0, fan_out, &dz[r0 * fan_out..], gb);
                }
            }
            let target: &mut [f32] = if l > 0 {
                &mut ws.delta_next[..rows * fan_in]
            } else {
                match dx.as_deref_mut() {
                    Some(d) => &mut d[..rows * fan_in],
                    None => break,
                }
            };
            // dX_l = dz · W_lᵀ: [rows, in]
            kernels::matmul_nt(
                rows,
                fan_out,
                fan_in,
                dz,
                &self.params[layer.w..layer.b],
                target,
                false,
                &mut ws.wt[..fan_in * fan_out],
            );
            if l > 0 {
                let prev = &self.layers[l - 1];
                kernels::activation_backward_in_place(
                    prev.act,
                    &ws.outs[l - 1][..rows * fan_in],
                    &mut ws.delta_next[..rows * fan_in],
                );
                core::mem::swap(&mut ws.delta, &mut ws.delta_next);
            }
        }
    }
}

/// How `Mlp::backward_split` groups rows: `groups` consecutive groups of
/// `size` rows each, from row 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowSplit {
    pub groups: usize,
    pub size: usize,
}

impl RowSplit {
    /// One group: all `rows` rows.
    pub fn whole(rows: usize) -> RowSplit {
        RowSplit {
            groups: 1,
            size: rows,
        }
    }

    /// Rows the split reads.
    pub fn rows(&self) -> usize {
        self.groups * self.size
    }
}

/// Half-width of the uniform initialisation of a layer's weights.
fn init_bound(layer: &Layer) -> f32 {
    let (fan_in, fan_out) = (layer.input as f32, layer.output as f32);
    match layer.act {
        // He (Kaiming) uniform with the leaky slope's gain.
        Act::Relu => (6.0 / fan_in).sqrt(),
        Act::Leaky(a) => (6.0 / ((1.0 + a * a) * fan_in)).sqrt(),
        // Glorot (Xavier) uniform.
        _ => (6.0 / (fan_in + fan_out)).sqrt(),
    }
}
