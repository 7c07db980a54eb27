//! The comparisons of `device_paths`: one network built twice, this
//! crate's kernels on the CPU and the target's path, run side by side.

use archspace_candle::train::{self, Budget, TrainConfig};
use archspace_candle::{DeviceSpec, Kernels, Network, data};
use archspace_core::Architecture;
use candle_core::{Device, Tensor};
use candle_nn::loss::cross_entropy;

use crate::common::chain;
use crate::harness::{build, close, fail, random};
use archspace_candle::ops;

/// The reference (this crate's kernels on the CPU) and the candidate (on
/// `device` with `kernels`) of `arch` on a batch of `batch` images:
/// inference outputs; two training steps' losses, parameter gradients
/// (each step followed by the same plain gradient step on both, so the
/// second starts from moved weights and running statistics); then the
/// buffers and the inference outputs again.
pub fn networks(
    arch: &Architecture,
    input: &[usize],
    batch: usize,
    device: &Device,
    kernels: Kernels,
) -> Result<(), String> {
    let reference = build(arch, input, &Device::Cpu, Kernels::Native)?;
    let candidate = build(arch, input, device, kernels)?;
    let dims: Vec<usize> = std::iter::once(batch).chain(input.iter().copied()).collect();
    let x = random(&dims, 5, &Device::Cpu)?;
    let labels: Vec<u32> = (0..batch as u32).map(|i| (i * 7 + 3) % 10).collect();
    let y = Tensor::new(labels.as_slice(), &Device::Cpu).map_err(fail("labels"))?;
    let on_target = |t: &Tensor| t.to_device(device).map_err(fail("copy to the device"));
    let (xd, yd) = (on_target(&x)?, on_target(&y)?);

    let expected = reference.predict(&x).map_err(fail("reference predict"))?;
    close("inference output", &expected, &candidate.predict(&xd).map_err(fail("predict"))?)?;
    close("eval-mode forward", &expected, &candidate.forward_t(&xd, false).map_err(fail("forward_t"))?)?;
    for step in 0..2 {
        let (loss, grads) =
            reference.loss_and_gradients(&x, |out| cross_entropy(out, &y)).map_err(fail("reference step"))?;
        let (their_loss, their_grads) =
            candidate.loss_and_gradients(&xd, |out| cross_entropy(out, &yd)).map_err(fail("training step"))?;
        close(&format!("step {step}: loss"), &loss, &their_loss)?;
        let vars = reference.store().trainable_vars().iter().zip(candidate.store().trainable_vars());
        for ((name, var), (their_name, their_var)) in vars {
            if name != their_name {
                return Err(format!("parameters differ: `{name}` against `{their_name}`"));
            }
            let missing = |whose: &str| format!("step {step}: no gradient for `{name}` ({whose})");
            let grad = grads.get(var.as_tensor()).ok_or_else(|| missing("reference"))?;
            let their_grad = their_grads.get(their_var.as_tensor()).ok_or_else(|| missing("target"))?;
            close(&format!("step {step}: gradient of `{name}`"), grad, their_grad)?;
            let descend = |v: &candle_core::Var, g: &Tensor| v.set(&(v.as_tensor() - (g * 0.1)?)?);
            descend(var, grad).and_then(|()| descend(their_var, their_grad)).map_err(fail("update"))?;
        }
    }
    for ((name, buffer), (_, theirs)) in reference.store().buffers().iter().zip(candidate.store().buffers()) {
        close(&format!("`{name}` after two steps"), buffer.as_tensor(), theirs.as_tensor())?;
    }
    let expected = reference.predict(&x).map_err(fail("reference predict"))?;
    close("inference output after two steps", &expected, &candidate.predict(&xd).map_err(fail("predict"))?)
}

/// Accuracy may differ by this much: an image whose two best logits are
/// within float rounding of each other may go either way.
const ACCURACY_SLACK: f64 = 0.003;

/// One epoch of the trainer (AdamW, cosine schedule, gradient clipping,
/// dropout) on 512 subset images, with validation, then evaluation on the
/// 1,000 test images: the same losses and accuracies on the target.
pub fn training(device: &Device, kernels: Kernels) -> Result<(), String> {
    let (full, test) = data::fashion_mnist_subset().map_err(fail("subset"))?;
    let (_, train_set) = full.split_off(640, 3).map_err(fail("split"))?;
    let (train_set, validation) = train_set.split_off(128, 4).map_err(fail("split"))?;
    let norm = train_set.normalization();
    let arch = chain(vec![
        ops::conv2d(8, 3).param("stride", 2),
        ops::batch_norm(),
        ops::relu(),
        ops::max_pool2d(2),
        ops::dropout(0.2),
        ops::conv2d(16, 3),
        ops::relu(),
        ops::global_avg_pool(),
        ops::dense(10),
    ]);
    let run = |net: &Network, device: &Device| -> Result<(train::TrainReport, train::Metrics), String> {
        let spec = DeviceSpec::of(device).ok_or("an unnamed device")?;
        let config = TrainConfig { budget: Budget::Epochs(1), seed: 4, device: Some(spec), ..TrainConfig::default() };
        let report =
            train::train(net, &train_set, Some(&validation), &norm, &config, &mut |_| {}).map_err(fail("train"))?;
        let metrics = train::evaluate(net, &test, &norm, 250).map_err(fail("evaluate"))?;
        Ok((report, metrics))
    };
    let (report, metrics) = run(&build(&arch, &[1, 28, 28], &Device::Cpu, Kernels::Native)?, &Device::Cpu)?;
    let (their_report, their_metrics) = run(&build(&arch, &[1, 28, 28], device, kernels)?, device)?;
    let pairs = [
        ("training", Some(report.epochs[0].train), Some(their_report.epochs[0].train)),
        ("validation", report.epochs[0].validation, their_report.epochs[0].validation),
        ("test", Some(metrics), Some(their_metrics)),
    ];
    for (what, ours, theirs) in pairs {
        let (Some(ours), Some(theirs)) = (ours, theirs) else { return Err(format!("no {what} metrics")) };
        if (ours.loss - theirs.loss).abs() > 1e-3 * ours.loss.abs().max(1.0) {
            return Err(format!("{what} loss {} against {} on the CPU", theirs.loss, ours.loss));
        }
        if (ours.accuracy - theirs.accuracy).abs() > ACCURACY_SLACK {
            return Err(format!("{what} accuracy {} against {} on the CPU", theirs.accuracy, ours.accuracy));
        }
    }
    Ok(())
}
