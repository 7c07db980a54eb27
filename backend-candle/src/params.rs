//! Seeded parameter creation, named after module paths.
//!
//! candle's CPU random generator cannot be seeded, so every initial weight
//! comes from a ChaCha generator seeded from the network seed and the
//! parameter's full name: the same seed gives the same weights whatever the
//! order in which modules are built.

use candle_core::{Device, Tensor, Var};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::BackendError;

/// How a parameter tensor starts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// Every element equal to this value.
    Const(f64),
    /// He (Kaiming) uniform for ReLU nets: `U(-b, b)`, `b = sqrt(6 / fan_in)`.
    HeUniform {
        /// Inputs feeding one output unit.
        fan_in: usize,
    },
    /// `U(-b, b)` with `b = 1 / sqrt(fan_in)` (PyTorch's default for biases and classifiers).
    Uniform {
        /// Inputs feeding one output unit.
        fan_in: usize,
    },
}

/// A stable 64-bit FNV-1a hash of a name, mixed into seeds.
pub fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A generator seeded from `(seed, name)`.
pub fn named_rng(seed: u64, name: &str) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ name_hash(name).rotate_left(17))
}

/// The parameters and buffers of one network, by name.
///
/// ```
/// use archspace_candle::{Init, ParamStore};
/// let mut store = ParamStore::new(7, candle_core::Device::Cpu);
/// let w = store.trainable("stem/conv2d.weight", &[4, 1, 3, 3], Init::HeUniform { fan_in: 9 })?;
/// assert_eq!(w.dims(), &[4, 1, 3, 3]);
/// assert_eq!(store.trainable_count(), 36);
/// let again = ParamStore::new(7, candle_core::Device::Cpu)
///     .trainable("stem/conv2d.weight", &[4, 1, 3, 3], Init::HeUniform { fan_in: 9 })?;
/// assert_eq!(w.flatten_all()?.to_vec1::<f32>()?, again.flatten_all()?.to_vec1::<f32>()?);
/// # Ok::<(), archspace_candle::BackendError>(())
/// ```
#[derive(Debug)]
pub struct ParamStore {
    seed: u64,
    device: Device,
    trainable: Vec<(String, Var)>,
    buffers: Vec<(String, Var)>,
}

impl ParamStore {
    /// An empty store whose initial values derive from `seed`.
    pub fn new(seed: u64, device: Device) -> Self {
        ParamStore { seed, device, trainable: Vec::new(), buffers: Vec::new() }
    }

    /// The device tensors are created on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn make(&self, name: &str, shape: &[usize], init: Init) -> Result<Var, BackendError> {
        let n: usize = shape.iter().product();
        let values: Vec<f32> = match init {
            Init::Const(v) => vec![v as f32; n],
            Init::HeUniform { fan_in } | Init::Uniform { fan_in } => {
                let fan_in = fan_in.max(1) as f64;
                let bound = match init {
                    Init::HeUniform { .. } => (6.0 / fan_in).sqrt(),
                    _ => 1.0 / fan_in.sqrt(),
                };
                let mut rng = named_rng(self.seed, name);
                (0..n).map(|_| rng.random_range(-bound..bound) as f32).collect()
            }
        };
        let tensor = Tensor::from_vec(values, shape, &self.device)?;
        Ok(Var::from_tensor(&tensor)?)
    }

    /// Creates a trainable parameter and returns its tensor (tracked for gradients).
    pub fn trainable(&mut self, name: &str, shape: &[usize], init: Init) -> Result<Tensor, BackendError> {
        let var = self.make(name, shape, init)?;
        let t = var.as_tensor().clone();
        self.trainable.push((name.to_owned(), var));
        Ok(t)
    }

    /// Creates a non-trained buffer (batch-norm running statistics).
    pub fn buffer(&mut self, name: &str, shape: &[usize], init: Init) -> Result<Tensor, BackendError> {
        let var = self.make(name, shape, init)?;
        let t = var.as_tensor().clone();
        self.buffers.push((name.to_owned(), var));
        Ok(t)
    }

    /// The trainable variables, in creation order.
    pub fn trainable_vars(&self) -> &[(String, Var)] {
        &self.trainable
    }

    /// The buffers, in creation order.
    pub fn buffers(&self) -> &[(String, Var)] {
        &self.buffers
    }

    /// Number of trainable scalars.
    pub fn trainable_count(&self) -> usize {
        self.trainable.iter().map(|(_, v)| v.elem_count()).sum()
    }

    /// Saves every parameter and buffer as safetensors, keyed by name.
    pub fn save(&self, path: &std::path::Path) -> Result<(), BackendError> {
        let map: std::collections::HashMap<String, Tensor> =
            self.trainable.iter().chain(&self.buffers).map(|(n, v)| (n.clone(), v.as_tensor().clone())).collect();
        candle_core::safetensors::save(&map, path)?;
        Ok(())
    }
}
