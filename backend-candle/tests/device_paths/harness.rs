//! The runner of `device_paths`: targets, cases, comparisons and the
//! summary line.
//!
//! A test binary of its own (`harness = false`): the standard harness has
//! no "skipped" state, and a GPU test that passes where no GPU is would
//! claim what nobody checked. Every case runs on every target; a target
//! that cannot run says why, once, and each of its cases counts as skipped.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

use archspace_candle::ops::Registry;
use archspace_candle::{DeviceSpec, Kernels, Network, NetworkConfig};
use archspace_core::Architecture;
use candle_core::{Device, Tensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Where a case runs its candidate network; the reference is always this
/// crate's kernels on the CPU.
pub struct Target {
    /// `generic-cpu` or `cuda:0`.
    pub name: String,
    /// The device, or why there is none.
    pub device: Result<Device, String>,
    /// The kernels asked for: [`Kernels::Candle`] forces the generic path
    /// on the CPU; on a GPU [`Kernels::Native`] is asked and the network
    /// must choose candle's ops by itself.
    pub kernels: Kernels,
}

/// The targets: the generic path on the CPU (every machine) and CUDA
/// device 0 (skipped, with the reason, where none can be opened).
pub fn targets() -> Vec<Target> {
    let cuda = DeviceSpec::Cuda(0);
    vec![
        Target { name: "generic-cpu".into(), device: Ok(Device::Cpu), kernels: Kernels::Candle },
        Target { name: cuda.to_string(), device: cuda.open().map_err(|e| e.to_string()), kernels: Kernels::Native },
    ]
}

/// A check on a device, with the kernels to ask for there.
type Check = Box<dyn Fn(&Device, Kernels) -> Result<(), String>>;

/// One named check, run once per target (or once in all, on the first).
pub struct Case {
    pub name: String,
    pub run: Check,
    pub once: bool,
}

impl Case {
    pub fn new(name: impl Into<String>, run: impl Fn(&Device, Kernels) -> Result<(), String> + 'static) -> Self {
        Case { name: name.into(), run: Box::new(run), once: false }
    }

    /// A check that does not depend on the target.
    pub fn once(name: impl Into<String>, run: impl Fn() -> Result<(), String> + 'static) -> Self {
        Case { name: name.into(), run: Box::new(move |_, _| run()), once: true }
    }
}

/// Runs every case on every target (those whose name contains the first
/// non-flag argument, if any), prints a line each and the summary
/// `device_paths: N passed, N failed, N skipped`.
pub fn run(cases: Vec<Case>) -> ExitCode {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if std::env::args().any(|a| a == "--list") {
        for case in &cases {
            println!("{}: test", case.name);
        }
        return ExitCode::SUCCESS;
    }
    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    for (index, target) in targets().into_iter().enumerate() {
        let selected: Vec<&Case> = cases
            .iter()
            .filter(|c| index == 0 || !c.once)
            .filter(|c| filter.as_ref().is_none_or(|f| format!("{} on {}", c.name, target.name).contains(f.as_str())))
            .collect();
        let device = match &target.device {
            Ok(device) => device,
            Err(reason) => {
                println!("SKIPPED {} cases on {}: {reason}", selected.len(), target.name);
                skipped += selected.len();
                continue;
            }
        };
        println!("running {} cases on {}", selected.len(), target.name);
        for case in selected {
            let outcome = catch_unwind(AssertUnwindSafe(|| (case.run)(device, target.kernels)))
                .unwrap_or_else(|panic| Err(format!("panicked: {}", panic_message(&*panic))));
            match outcome {
                Ok(()) => {
                    passed += 1;
                    println!("test {} on {} ... ok", case.name, target.name);
                }
                Err(e) => {
                    failed += 1;
                    println!("test {} on {} ... FAILED: {e}", case.name, target.name);
                }
            }
        }
    }
    println!("\ndevice_paths: {passed} passed, {failed} failed, {skipped} skipped");
    if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic without a message".into())
}

/// Turns any error into the case's failure message.
pub fn fail<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Values of `[dims]`, uniform in [-1, 1), from `seed`: the same on every device.
pub fn random(dims: &[usize], seed: u64, device: &Device) -> Result<Tensor, String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let values: Vec<f32> = (0..dims.iter().product::<usize>()).map(|_| rng.random_range(-1.0..1.0)).collect();
    Tensor::from_vec(values, dims, device).map_err(fail("input"))
}

/// `arch` built for 10 classes from seed 11 on `device` with `kernels`.
pub fn build(arch: &Architecture, input: &[usize], device: &Device, kernels: Kernels) -> Result<Network, String> {
    let config = NetworkConfig { seed: 11, classes: Some(10), device: device.clone(), kernels };
    let net = Network::build(arch, input, &Registry::standard(), &config).map_err(fail("build"))?;
    if !device.is_cpu() && net.kernels() != Kernels::Candle {
        return Err(format!("a network on {:?} runs {:?}, not candle's ops", device.location(), net.kernels()));
    }
    Ok(net)
}

/// Relative tolerance: candle's ops and this crate's kernels sum in
/// different orders (and a GPU in yet another), so values agree to float
/// rounding, far below any real error (a wrong gradient is off by its own size).
pub const TOLERANCE: f32 = 1e-4;

/// `candidate` equals `reference` within [`TOLERANCE`] of the reference's largest value.
pub fn close(what: &str, reference: &Tensor, candidate: &Tensor) -> Result<(), String> {
    if reference.dims() != candidate.dims() {
        return Err(format!("{what}: shape {:?} against {:?}", candidate.dims(), reference.dims()));
    }
    let values = |t: &Tensor| t.flatten_all().and_then(|t| t.to_vec1::<f32>()).map_err(fail(what));
    let (a, b) = (values(reference)?, values(candidate)?);
    let scale = a.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        let within = (x - y).abs() <= TOLERANCE * scale; // false for a NaN
        if !within {
            return Err(format!("{what}: element {i} is {y}, expected {x} (scale {scale})"));
        }
    }
    Ok(())
}
