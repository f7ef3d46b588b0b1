//! Activation functions and their derivatives, shared by both kernel sets.

/// An activation applied after a dense layer's affine map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Act {
    Linear,
    Relu,
    /// LeakyReLU with slope α in [0, 1) for negative inputs.
    Leaky(f32),
    Tanh,
    Sigmoid,
}

impl Act {
    /// The ABI id (`ActivationId` in `ts/abi.ts`).
    pub fn id(self) -> u32 {
        match self {
            Act::Linear => 0,
            Act::Relu => 1,
            Act::Leaky(_) => 2,
            Act::Tanh => 3,
            Act::Sigmoid => 4,
        }
    }

    /// The activation for an ABI id; `alpha` is used by LeakyReLU only.
    pub fn from_id(id: u32, alpha: f32) -> Option<Act> {
        match id {
            0 => Some(Act::Linear),
            1 => Some(Act::Relu),
            2 if alpha.is_finite() && (0.0..1.0).contains(&alpha) => Some(Act::Leaky(alpha)),
            3 => Some(Act::Tanh),
            4 => Some(Act::Sigmoid),
            _ => None,
        }
    }

    /// The activation of one value.
    #[inline(always)]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Act::Linear => x,
            Act::Relu => {
                if x > 0.0 {
                    x
                } else {
                    0.0
                }
            }
            Act::Leaky(a) => {
                if x > 0.0 {
                    x
                } else {
                    a * x
                }
            }
            Act::Tanh => x.tanh(),
            Act::Sigmoid => sigmoid(x),
        }
    }

    /// `dy · act'(x)` from the output `y = act(x)`.
    #[inline(always)]
    pub fn backward(self, y: f32, dy: f32) -> f32 {
        match self {
            Act::Linear => dy,
            Act::Relu => {
                if y > 0.0 {
                    dy
                } else {
                    0.0
                }
            }
            Act::Leaky(a) => {
                if y > 0.0 {
                    dy
                } else {
                    a * dy
                }
            }
            Act::Tanh => dy * (1.0 - y * y),
            Act::Sigmoid => dy * (y * (1.0 - y)),
        }
    }
}

/// The logistic function, without overflow for large |x|.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}
