//! The training recipe's opt-in parts inside the trainer: a weight average
//! (EMA) that the network is evaluated and left with, continued exactly
//! through checkpoints in memory and on disk; batch-norm recalibration;
//! label smoothing, warm-up and random erasing; bad settings refused.

mod common;

use archspace_candle::train::{self, Augment, Budget, Checkpoint, CheckpointStore, Schedule, TrainConfig};
use archspace_candle::{BackendError, Network, NetworkConfig, data, ops};
use archspace_core::search::Trial;
use common::chain;

fn setup() -> (archspace_core::Architecture, data::Dataset, data::Dataset, data::Normalization) {
    let arch = chain(vec![
        ops::conv2d(4, 3).param("stride", 2),
        ops::batch_norm(),
        ops::relu(),
        ops::conv2d(8, 3).param("stride", 2),
        ops::batch_norm(),
        ops::relu(),
        ops::global_avg_pool(),
        ops::dense(10),
    ]);
    let (full, test) = data::fashion_mnist_subset().expect("subset");
    let (_, small) = full.split_off(300, 5).expect("split");
    let (_, test) = test.split_off(200, 5).expect("split");
    let norm = small.normalization();
    (arch, small, test, norm)
}

fn net(arch: &archspace_core::Architecture) -> Network {
    let config = NetworkConfig { seed: 2, classes: Some(10), ..NetworkConfig::default() };
    Network::build(arch, &[1, 28, 28], &ops::Registry::standard(), &config).expect("builds")
}

fn recipe(epochs: usize) -> TrainConfig {
    TrainConfig {
        batch_size: 30,
        budget: Budget::Epochs(epochs),
        horizon: Some(Budget::Epochs(3)),
        learning_rate: 5e-3,
        schedule: Schedule::WarmupCosine { warmup: 0.1 },
        augment: Augment { pad_crop: 2, flip: true, erase: 0.5 },
        label_smoothing: 0.1,
        ema_decay: Some(0.9),
        bn_recalibration: 5,
        seed: 4,
        ..TrainConfig::default()
    }
}

fn values(pairs: &[(String, candle_core::Tensor)]) -> Vec<f32> {
    pairs.iter().flat_map(|(_, t)| t.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("values")).collect()
}

#[test]
fn the_network_is_left_with_the_averaged_weights_and_the_checkpoint_keeps_both() {
    let (arch, small, test, norm) = setup();
    let trained = net(&arch);
    let (report, checkpoint) =
        train::train_from(&trained, &small, Some(&test), &norm, &recipe(1), None, &mut |_| {}).expect("trains");
    let current: Vec<(String, candle_core::Tensor)> =
        trained.store().trainable_vars().iter().map(|(n, v)| (n.clone(), v.as_tensor().clone())).collect();
    assert_eq!(values(&current), values(&checkpoint.averaged), "evaluated with the average");
    assert_ne!(values(&checkpoint.params), values(&checkpoint.averaged), "the raw weights are kept apart");
    assert_eq!(checkpoint.progress.averaged_steps, 10);
    // The epoch's validation is that of the network as left (averaged, recalibrated).
    let after = train::evaluate(&trained, &test, &norm, 100).expect("evaluates");
    let logged = report.epochs[0].validation.expect("validated");
    assert_eq!(after.accuracy, logged.accuracy);
    assert!(after.loss.is_finite());
}

#[test]
fn an_averaged_run_continued_from_memory_and_disk_is_the_run_in_one_go() {
    let (arch, small, _, norm) = setup();
    let run = |epochs: usize, from: Option<&Checkpoint>| {
        train::train_from(&net(&arch), &small, None, &norm, &recipe(epochs), from, &mut |_| {}).expect("trains").1
    };
    let direct = run(3, None);
    let continued = run(3, Some(&run(1, None)));
    assert!(continued.same_weights(&direct).expect("compares"), "the average continues where it stopped");
    let dir = std::env::temp_dir().join(format!("archspace-recipe-{}", std::process::id()));
    let store = CheckpointStore::on_disk(&dir).expect("store");
    let first = Trial { budget: Some(1.0), rung: Some(0), ..Trial::new(0, 4, arch.decisions().to_vec()) };
    let on_disk = net(&arch);
    train::train_trial(&on_disk, &small, None, &norm, &recipe(1), &first, &store, &mut |_| {}).expect("rung 0");
    let fresh = CheckpointStore::on_disk(&dir).expect("store");
    let loaded = fresh.load(0, &candle_core::Device::Cpu).expect("loads").expect("saved");
    assert!(!loaded.averaged.is_empty() && loaded.progress.averaged_steps == 10, "the average went to disk");
    let again = run(3, Some(&loaded));
    assert!(again.same_weights(&direct).expect("compares"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn recalibration_alone_changes_only_the_statistics_evaluated_with() {
    let (arch, small, _, norm) = setup();
    let plain = TrainConfig { ema_decay: None, bn_recalibration: 0, ..recipe(1) };
    let recalibrated = TrainConfig { bn_recalibration: 8, ..plain.clone() };
    let (a, b) = (net(&arch), net(&arch));
    let (_, ca) = train::train_from(&a, &small, None, &norm, &plain, None, &mut |_| {}).expect("trains");
    let (_, cb) = train::train_from(&b, &small, None, &norm, &recalibrated, None, &mut |_| {}).expect("trains");
    assert!(ca.same_weights(&cb).expect("compares"), "training itself is the same");
    let buffers = |n: &Network| -> Vec<(String, candle_core::Tensor)> {
        n.store().buffers().iter().map(|(k, v)| (k.clone(), v.as_tensor().clone())).collect()
    };
    assert_eq!(values(&buffers(&a)), values(&ca.buffers));
    assert_ne!(values(&buffers(&b)), values(&cb.buffers), "the statistics were estimated again");
}

#[test]
fn label_smoothing_changes_the_training() {
    let (arch, small, _, norm) = setup();
    let base = TrainConfig { ema_decay: None, bn_recalibration: 0, augment: Augment::none(), ..recipe(1) };
    let smooth = TrainConfig { label_smoothing: 0.2, ..base.clone() };
    let plain = TrainConfig { label_smoothing: 0.0, ..base };
    let loss = |config: &TrainConfig| {
        let report = train::train(&net(&arch), &small, None, &norm, config, &mut |_| {}).expect("trains");
        report.epochs[0].train.loss
    };
    assert_ne!(loss(&smooth), loss(&plain));
}

#[test]
fn settings_out_of_range_are_refused_before_training() {
    let (arch, small, _, norm) = setup();
    let bad = [
        TrainConfig { label_smoothing: 1.0, ..recipe(1) },
        TrainConfig { ema_decay: Some(1.5), ..recipe(1) },
        TrainConfig { schedule: Schedule::OneCycle { peak: 2.0 }, ..recipe(1) },
    ];
    for config in bad {
        let result = train::train(&net(&arch), &small, None, &norm, &config, &mut |_| {});
        assert!(matches!(result, Err(BackendError::Config(_))), "{config:?}: {result:?}");
    }
}
