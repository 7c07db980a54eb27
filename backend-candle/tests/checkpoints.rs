//! Continuing a training run from a checkpoint (what a multi-fidelity
//! search's promotions do) gives the network of one uninterrupted run: with
//! convolutions, batch norm (buffers), momentum and augmentation; from
//! memory and from disk; and a checkpoint of another network is refused.

mod common;

use archspace_candle::train::{self, Augment, Budget, Checkpoint, CheckpointStore, OptimizerKind, TrainConfig};
use archspace_candle::{BackendError, Network, NetworkConfig, data, ops};
use archspace_core::search::Trial;
use common::chain;

fn conv_net() -> archspace_core::Architecture {
    chain(vec![
        ops::conv2d(4, 3).param("stride", 2),
        ops::batch_norm(),
        ops::relu(),
        ops::conv2d(8, 3).param("stride", 2),
        ops::relu(),
        ops::flatten(),
        ops::dense(10),
    ])
}

struct Setup {
    arch: archspace_core::Architecture,
    data: data::Dataset,
    norm: data::Normalization,
}

fn setup() -> Setup {
    let (full, _) = data::fashion_mnist_subset().expect("subset");
    let (_, data) = full.split_off(200, 3).expect("split");
    let norm = data.normalization();
    Setup { arch: conv_net(), data, norm }
}

impl Setup {
    fn net(&self) -> Network {
        let config = NetworkConfig { seed: 11, classes: Some(10), ..NetworkConfig::default() };
        Network::build(&self.arch, &[1, 28, 28], &ops::Registry::standard(), &config).expect("builds")
    }

    /// `budget` in all, over a schedule spanning 4 epochs, from `from`.
    fn train(&self, budget: Budget, optimizer: OptimizerKind, from: Option<&Checkpoint>) -> Checkpoint {
        let config = TrainConfig {
            batch_size: 20,
            budget,
            horizon: Some(Budget::Epochs(4)),
            optimizer,
            augment: Augment { pad_crop: 2, flip: true, ..Augment::none() },
            learning_rate: 5e-3,
            seed: 3,
            ..TrainConfig::default()
        };
        let (_, checkpoint) =
            train::train_from(&self.net(), &self.data, None, &self.norm, &config, from, &mut |_| {}).expect("trains");
        checkpoint
    }
}

/// A checkpoint's progress without the epochs' durations.
fn timeless(checkpoint: &Checkpoint) -> train::TrainProgress {
    let mut progress = checkpoint.progress.clone();
    progress.epochs.iter_mut().for_each(|e| e.seconds = 0.0);
    progress
}

#[test]
fn one_then_three_epochs_are_four_epochs() {
    let s = setup();
    for optimizer in [OptimizerKind::AdamW, OptimizerKind::Sgd { momentum: 0.9, nesterov: true }] {
        let direct = s.train(Budget::Epochs(4), optimizer, None);
        let one = s.train(Budget::Epochs(1), optimizer, None);
        let continued = s.train(Budget::Epochs(4), optimizer, Some(&one));
        assert!(continued.same_weights(&direct).expect("compare"), "{optimizer:?}: continued ≠ uninterrupted");
        assert_eq!(timeless(&continued), timeless(&direct), "{optimizer:?}: same curve, same stream position");
        assert!(!one.same_weights(&direct).expect("compare"), "training went on after the first epoch");
    }
}

#[test]
fn a_run_stopped_inside_an_epoch_goes_on_from_there() {
    let s = setup();
    // 260 images: one epoch of 200 and three batches of 20 of the next.
    let part = s.train(Budget::Images(260), OptimizerKind::AdamW, None);
    assert_eq!(part.progress.unfinished_epoch.as_ref().map(|(_, at)| *at), Some(60));
    let direct = s.train(Budget::Epochs(2), OptimizerKind::AdamW, None);
    let continued = s.train(Budget::Epochs(2), OptimizerKind::AdamW, Some(&part));
    assert!(continued.same_weights(&direct).expect("compare"));
}

#[test]
fn checkpoints_on_disk_continue_promoted_trials() {
    let s = setup();
    let dir = std::env::temp_dir().join(format!("archspace-checkpoints-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = |epochs: usize| TrainConfig {
        batch_size: 20,
        budget: Budget::Epochs(epochs),
        horizon: Some(Budget::Epochs(3)),
        seed: 5,
        ..TrainConfig::default()
    };
    let rung0 = Trial { budget: Some(1.0), rung: Some(0), ..Trial::new(4, 5, s.arch.decisions().to_vec()) };
    let rung1 = Trial { id: 9, budget: Some(3.0), rung: Some(1), continues: Some(4), ..rung0.clone() };
    {
        let store = CheckpointStore::on_disk(&dir).expect("store");
        train::train_trial(&s.net(), &s.data, None, &s.norm, &config(1), &rung0, &store, &mut |_| {}).expect("rung 0");
    }
    // A new store on the same directory (a resumed search) finds trial 4's checkpoint.
    let store = CheckpointStore::on_disk(&dir).expect("store");
    let net = s.net();
    let report =
        train::train_trial(&net, &s.data, None, &s.norm, &config(3), &rung1, &store, &mut |_| {}).expect("rung 1");
    assert_eq!(report.images, 400, "two epochs past rung 0");
    let direct = s.net();
    let (_, expected) =
        train::train_from(&direct, &s.data, None, &s.norm, &config(3), None, &mut |_| {}).expect("direct");
    let saved = store.load(9, &candle_core::Device::Cpu).expect("load").expect("trial 9 saved");
    assert!(saved.same_weights(&expected).expect("compare"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_checkpoint_of_another_network_is_refused() {
    let s = setup();
    let one = s.train(Budget::Epochs(1), OptimizerKind::AdamW, None);
    let other = chain(vec![ops::flatten(), ops::dense(10)]);
    let config = NetworkConfig { classes: Some(10), ..NetworkConfig::default() };
    let net = Network::build(&other, &[1, 28, 28], &ops::Registry::standard(), &config).expect("builds");
    let budget = TrainConfig { budget: Budget::Epochs(2), ..TrainConfig::default() };
    let err = train::train_from(&net, &s.data, None, &s.norm, &budget, Some(&one), &mut |_| {}).expect_err("refused");
    assert!(matches!(err, BackendError::Checkpoint(_)), "{err}");
    let short = TrainConfig { budget: Budget::Images(10), ..TrainConfig::default() };
    let err = train::train_from(&s.net(), &s.data, None, &s.norm, &short, Some(&one), &mut |_| {}).expect_err("past");
    assert!(err.to_string().contains("more than the budget"), "{err}");
}
