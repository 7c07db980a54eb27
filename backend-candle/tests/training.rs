//! A real, deterministic training run on the embedded Fashion-MNIST subset,
//! and failure modes (shape errors, divergence).

mod common;

use archspace_candle::ops::{self, FnOp, OpInfo, Registry, Single};
use archspace_candle::train::{self, Budget, OptimizerKind, TrainConfig};
use archspace_candle::{BackendError, DeviceSpec, Kernels, Network, NetworkConfig, data, infer_shapes};
use common::chain;

fn small_net() -> archspace_core::Architecture {
    chain(vec![
        ops::conv2d(8, 5).param("stride", 2),
        ops::relu(),
        ops::conv2d(16, 3).param("stride", 2),
        ops::batch_norm(),
        ops::relu(),
        ops::flatten(),
        ops::dense(10),
    ])
}

/// Trains the small net for one epoch on 3,000 subset images; returns
/// (per-epoch report, test metrics).
fn run(seed: u64) -> (train::TrainReport, train::Metrics) {
    let (full, test) = data::fashion_mnist_subset().expect("subset");
    let (_, train_set) = full.split_off(3000, 5).expect("split");
    let (train_set, validation) = train_set.split_off(500, 6).expect("split");
    let norm = train_set.normalization();
    let net = Network::build(
        &small_net(),
        &[1, 28, 28],
        &Registry::standard(),
        &NetworkConfig { seed, ..Default::default() },
    )
    .expect("builds");
    let config = TrainConfig {
        budget: Budget::Epochs(1),
        learning_rate: 3e-3,
        optimizer: OptimizerKind::AdamW,
        seed,
        ..TrainConfig::default()
    };
    let report = train::train(&net, &train_set, Some(&validation), &norm, &config, &mut |_| {}).expect("trains");
    let metrics = train::evaluate(&net, &test, &norm, 500).expect("evaluates");
    (report, metrics)
}

#[test]
fn tiny_training_reaches_75_percent_and_is_deterministic() {
    let (report, test) = run(42);
    assert!(test.accuracy >= 0.75, "test accuracy {:.3} after {:.1} s", test.accuracy, report.seconds);
    assert!(report.epochs[0].validation.expect("validation").accuracy >= 0.7);
    assert_eq!(report.images, 2500);
    let (again, test_again) = run(42);
    assert_eq!(test, test_again, "same seed, same test metrics");
    assert_eq!(
        report.epochs.iter().map(|e| (e.train, e.validation)).collect::<Vec<_>>(),
        again.epochs.iter().map(|e| (e.train, e.validation)).collect::<Vec<_>>(),
        "same seed, same training curve"
    );
    let (_, other) = run(7);
    assert_ne!(test, other, "another seed gives another run");
}

#[test]
fn shape_mismatch_names_the_module() {
    let arch = chain(vec![ops::conv2d(4, 3), ops::dense(10)]);
    let err = infer_shapes(&arch, &[1, 28, 28], &Registry::standard()).expect_err("dense needs a vector");
    match &err {
        BackendError::Shape { path, op, .. } => assert_eq!((path.as_str(), op.as_str()), ("m1", "dense")),
        other => panic!("expected a shape error, got {other:?}"),
    }
    assert!(err.to_string().contains("flatten"), "{err}");

    let arch = chain(vec![ops::max_pool2d(5).param("stride", 1), ops::max_pool2d(5)]);
    let err = infer_shapes(&arch, &[1, 6, 6], &Registry::standard()).expect_err("window too large");
    assert!(err.to_string().contains("`m1`"), "{err}");

    let arch = chain(vec![archspace_core::Op::new("warp_drive")]);
    let err = infer_shapes(&arch, &[1, 6, 6], &Registry::standard()).expect_err("unknown op");
    assert!(matches!(err, BackendError::UnknownOp { .. }) && err.to_string().contains("conv2d"), "{err}");

    let arch = chain(vec![ops::conv2d(-3, 3)]);
    let err = infer_shapes(&arch, &[1, 6, 6], &Registry::standard()).expect_err("negative filters");
    assert!(matches!(err, BackendError::Param { .. }) && err.to_string().contains("`filters`"), "{err}");
}

#[test]
fn nan_loss_fails_the_trial_instead_of_crashing() {
    struct Poison;
    impl candle_core::Module for Poison {
        fn forward(&self, x: &candle_core::Tensor) -> candle_core::Result<candle_core::Tensor> {
            x * f64::NAN
        }
    }
    let mut registry = Registry::standard();
    registry.register(
        "poison",
        FnOp::new(
            |ctx| Ok(OpInfo { output: ctx.single_input()?.to_vec(), params: 0, flops: 0 }),
            |_, _| Ok(Box::new(Single(Poison))),
        ),
    );
    let arch = chain(vec![ops::flatten(), archspace_core::Op::new("poison"), ops::dense(10)]);
    let net = Network::build(&arch, &[1, 28, 28], &registry, &NetworkConfig::default()).expect("builds");
    let (train_set, _) = data::fashion_mnist_subset().expect("subset");
    let small = train_set.subset(&(0..128).collect::<Vec<_>>());
    let config = TrainConfig { budget: Budget::Images(128), ..TrainConfig::default() };
    let err = train::train(&net, &small, None, &small.normalization(), &config, &mut |_| {}).expect_err("diverges");
    assert!(matches!(err, BackendError::Diverged { epoch: 0, step: 0, .. }), "{err}");
}

/// `y = x + sqrt(w)`, `w` a trainable scalar starting at 0: the loss is
/// finite, but the gradient `1 / (2 sqrt(w))` is not, so the step's update
/// makes `w` NaN — the network diverges on the step, after its loss was checked.
struct SqrtShift(candle_core::Tensor);

impl candle_core::Module for SqrtShift {
    fn forward(&self, x: &candle_core::Tensor) -> candle_core::Result<candle_core::Tensor> {
        x.broadcast_add(&self.0.sqrt()?)
    }
}

fn diverging_net() -> Network {
    let mut registry = Registry::standard();
    registry.register(
        "sqrt_shift",
        FnOp::new(
            |ctx| Ok(OpInfo { output: ctx.single_input()?.to_vec(), params: 1, flops: 0 }),
            |ctx, store| {
                let w = store.trainable(&ctx.param_name("weight"), &[1], archspace_candle::Init::Const(0.0))?;
                Ok(Box::new(Single(SqrtShift(w))))
            },
        ),
    );
    let arch = chain(vec![ops::flatten(), ops::dense(10), archspace_core::Op::new("sqrt_shift")]);
    let config = NetworkConfig { classes: Some(10), ..NetworkConfig::default() };
    Network::build(&arch, &[1, 28, 28], &registry, &config).expect("builds")
}

#[test]
fn a_network_that_diverges_on_its_last_step_fails_instead_of_scoring() {
    let (train_set, test) = data::fashion_mnist_subset().expect("subset");
    let small = train_set.subset(&(0..64).collect::<Vec<_>>());
    let norm = small.normalization();
    // One step: the last is the first, and its loss (before the update) is finite.
    let config = TrainConfig { budget: Budget::Images(64), ..TrainConfig::default() };
    let mut losses = Vec::new();
    let net = diverging_net();
    let err = train::train(&net, &small, None, &norm, &config, &mut |p| losses.push(p.loss)).expect_err("diverged");
    assert!(losses.len() == 1 && losses[0].is_finite(), "{losses:?}");
    assert!(matches!(err, BackendError::NonFinite { .. }), "{err}");
    assert!(err.to_string().contains("parameter `m2.weight` after the last step"), "{err}");

    // Evaluating the diverged network fails too, instead of scoring ~10%.
    let err = train::evaluate(&net, &test, &norm, 500).expect_err("NaN evaluation loss");
    assert!(matches!(err, BackendError::NonFinite { .. }) && err.to_string().contains("evaluation loss"), "{err}");

    // With a validation set, the epoch's validation fails the same way.
    let validation = train_set.subset(&(100..164).collect::<Vec<_>>());
    let err = train::train(&diverging_net(), &small, Some(&validation), &norm, &config, &mut |_| {})
        .expect_err("diverged in validation");
    assert!(matches!(err, BackendError::NonFinite { .. }), "{err}");
}

#[test]
fn sgd_nesterov_with_step_schedule_and_augmentation_also_learns() {
    let (full, test) = data::fashion_mnist_subset().expect("subset");
    let (_, train_set) = full.split_off(4000, 1).expect("split");
    let norm = train_set.normalization();
    let net =
        Network::build(&small_net(), &[1, 28, 28], &Registry::standard(), &NetworkConfig::default()).expect("builds");
    let config = TrainConfig {
        budget: Budget::Images(2000),
        optimizer: OptimizerKind::Sgd { momentum: 0.9, nesterov: true },
        learning_rate: 0.05,
        schedule: train::Schedule::Step { every: 20, gamma: 0.5 },
        augment: train::Augment { pad_crop: 2, flip: true, ..train::Augment::none() },
        ..TrainConfig::default()
    };
    let mut calls = 0;
    let report = train::train(&net, &train_set, None, &norm, &config, &mut |_| calls += 1).expect("trains");
    assert_eq!((report.images, calls), (2000, 2000usize.div_ceil(64)));
    let accuracy = train::evaluate(&net, &test, &norm, 250).expect("evaluates").accuracy;
    assert!(accuracy > 0.6, "accuracy {accuracy}");
}

#[test]
fn one_and_two_threads_give_the_same_metrics() {
    let (full, test) = data::fashion_mnist_subset().expect("subset");
    let (_, train_set) = full.split_off(640, 3).expect("split");
    let norm = train_set.normalization();
    let run_on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        pool.install(|| {
            let net = Network::build(&small_net(), &[1, 28, 28], &Registry::standard(), &NetworkConfig::default())
                .expect("builds");
            let config = TrainConfig { budget: Budget::Epochs(1), ..TrainConfig::default() };
            let report = train::train(&net, &train_set, None, &norm, &config, &mut |_| {}).expect("trains");
            (report.epochs[0].train, train::evaluate(&net, &test, &norm, 500).expect("evaluates"))
        })
    };
    assert_eq!(run_on(1), run_on(2));
}

#[test]
fn our_kernels_and_candle_ops_give_the_same_loss_curve() {
    // Strided, dilated, grouped and 1×n convolutions, 3×3 ones on the
    // Winograd path (32 channels at 14 × 14), batch norm, pooling and a concat.
    let arch = chain(vec![
        ops::conv2d(8, 3).param("stride", 2),
        ops::batch_norm(),
        ops::relu(),
        ops::conv2d(32, 3),
        ops::relu(),
        ops::conv2d(32, 3),
        ops::relu(),
        ops::conv2d(8, 3).param("dilation", 2).param("groups", 2),
        ops::relu(),
        ops::conv2d(12, vec![1i64, 3]),
        ops::max_pool2d(2),
        ops::conv2d(16, 1),
        ops::relu(),
        ops::flatten(),
        ops::dense(10),
    ]);
    let (full, _) = data::fashion_mnist_subset().expect("subset");
    let small = full.subset(&(0..384).collect::<Vec<_>>());
    let curve = |kernels: Kernels| {
        let config = NetworkConfig { seed: 5, kernels, ..Default::default() };
        let net = Network::build(&arch, &[1, 28, 28], &Registry::standard(), &config).expect("builds");
        let train_config =
            TrainConfig { budget: Budget::Images(384), batch_size: 32, learning_rate: 3e-3, ..TrainConfig::default() };
        let mut losses = Vec::new();
        train::train(&net, &small, None, &small.normalization(), &train_config, &mut |p| losses.push(p.loss))
            .expect("trains");
        losses
    };
    let (ours, stock) = (curve(Kernels::Native), curve(Kernels::Candle));
    assert_eq!(ours.len(), 12);
    assert!(ours.last() < ours.first(), "it learns: {ours:?}");
    for (step, (a, b)) in ours.iter().zip(&stock).enumerate() {
        assert!((a - b).abs() <= 1e-3 * (1.0 + b.abs()), "step {step}: {a} vs {b}\n{ours:?}\n{stock:?}");
    }
}

#[test]
fn a_training_config_naming_another_device_than_the_networks_is_an_error() {
    let (full, _) = data::fashion_mnist_subset().expect("subset");
    let small = full.subset(&(0..64).collect::<Vec<_>>());
    let net = Network::build(&small_net(), &[1, 28, 28], &Registry::standard(), &NetworkConfig::default())
        .expect("builds on the CPU");
    let train_on = |device| {
        let config = TrainConfig { budget: Budget::Images(64), device, ..TrainConfig::default() };
        train::train(&net, &small, None, &small.normalization(), &config, &mut |_| {})
    };
    let error = train_on(Some(DeviceSpec::Cuda(0))).expect_err("the weights are on the CPU");
    assert!(matches!(&error, BackendError::Device { device, .. } if device == "cuda:0"), "{error}");
    assert!(error.to_string().contains("weights are on cpu"), "{error}");
    assert_eq!(train_on(Some(DeviceSpec::Cpu)).expect("the network's device").images, 64);
    assert_eq!(train_on(None).expect("the network's device by default").images, 64);
}
