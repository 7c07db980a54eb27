//! Where a multi-fidelity search keeps its trials' checkpoints: in memory
//! (the most recent ones) or on disk (every one, surviving a crash), and
//! [`train_trial`], which continues a promoted trial from the checkpoint of
//! the trial it continues.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use archspace_core::search::Trial;
use candle_core::{Device, Tensor};

use super::checkpoint::{Checkpoint, TrainProgress};
use super::optim::OptimizerState;
use super::trainer::{Progress, TrainConfig, TrainReport, train_from};
use crate::data::{Dataset, Normalization};
use crate::error::BackendError;
use crate::network::Network;

/// The checkpoints of a search's trials, by trial id.
///
/// In memory it keeps the `capacity` most recently saved; on disk it keeps
/// every one as `trial-<id>.safetensors` (tensors) and `trial-<id>.json`
/// (progress), each written to a temporary file and renamed, so a crash
/// leaves no half-written checkpoint and a resumed search continues its
/// promoted trials from them. A checkpoint that is not there is not an
/// error: [`train_trial`] then trains from scratch, to the same network.
#[derive(Debug)]
pub struct CheckpointStore {
    dir: Option<PathBuf>,
    capacity: usize,
    memory: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    checkpoints: HashMap<u64, Arc<Checkpoint>>,
    /// Trial ids by the order they were saved in.
    order: BTreeMap<u64, u64>,
    saved: u64,
}

fn io(file: &Path) -> impl FnOnce(std::io::Error) -> BackendError + '_ {
    move |source| BackendError::Io { file: file.display().to_string(), source }
}

impl CheckpointStore {
    /// A store in memory that keeps the `capacity` most recent checkpoints.
    pub fn in_memory(capacity: usize) -> Self {
        CheckpointStore { dir: None, capacity: capacity.max(1), memory: Mutex::default() }
    }

    /// A store in `dir` (created if missing) that keeps every checkpoint,
    /// and the most recent few in memory too.
    pub fn on_disk(dir: impl Into<PathBuf>) -> Result<Self, BackendError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        Ok(CheckpointStore { dir: Some(dir), capacity: 8, memory: Mutex::default() })
    }

    fn files(&self, trial: u64) -> Option<(PathBuf, PathBuf)> {
        let dir = self.dir.as_ref()?;
        Some((dir.join(format!("trial-{trial}.safetensors")), dir.join(format!("trial-{trial}.json"))))
    }

    /// Keeps `checkpoint` as trial `trial`'s.
    pub fn save(&self, trial: u64, checkpoint: Checkpoint) -> Result<(), BackendError> {
        if let Some((tensors, progress)) = self.files(trial) {
            write_files(&checkpoint, &tensors, &progress)?;
        }
        let mut memory =
            self.memory.lock().map_err(|_| BackendError::Config("a checkpoint store was poisoned".into()))?;
        let memory = &mut *memory;
        memory.saved += 1;
        memory.order.retain(|_, t| *t != trial);
        memory.order.insert(memory.saved, trial);
        memory.checkpoints.insert(trial, Arc::new(checkpoint));
        while memory.checkpoints.len() > self.capacity {
            let Some((_, oldest)) = memory.order.pop_first() else { break };
            memory.checkpoints.remove(&oldest);
        }
        Ok(())
    }

    /// Trial `trial`'s checkpoint, if the store has it.
    pub fn load(&self, trial: u64, device: &Device) -> Result<Option<Arc<Checkpoint>>, BackendError> {
        if let Ok(memory) = self.memory.lock()
            && let Some(found) = memory.checkpoints.get(&trial)
        {
            return Ok(Some(found.clone()));
        }
        let Some((tensors, progress)) = self.files(trial) else { return Ok(None) };
        if !progress.exists() {
            return Ok(None);
        }
        read_files(&tensors, &progress, device).map(|c| Some(Arc::new(c)))
    }
}

fn write_files(checkpoint: &Checkpoint, tensors: &Path, progress: &Path) -> Result<(), BackendError> {
    let mut map: HashMap<String, Tensor> = HashMap::new();
    for (name, t) in &checkpoint.params {
        map.insert(format!("param/{name}"), t.clone());
    }
    for (name, t) in &checkpoint.buffers {
        map.insert(format!("buffer/{name}"), t.clone());
    }
    for (name, t) in &checkpoint.averaged {
        map.insert(format!("average/{name}"), t.clone());
    }
    for (i, slot) in checkpoint.optimizer.slots.iter().enumerate() {
        for (j, t) in slot.iter().enumerate() {
            map.insert(format!("optimizer/{i}/{j}"), t.clone());
        }
    }
    let meta = Meta {
        params: checkpoint.params.iter().map(|(n, _)| n.clone()).collect(),
        buffers: checkpoint.buffers.iter().map(|(n, _)| n.clone()).collect(),
        averaged: checkpoint.averaged.iter().map(|(n, _)| n.clone()).collect(),
        optimizer_steps: checkpoint.optimizer.steps,
        optimizer_slots: checkpoint.optimizer.slots.iter().map(Vec::len).collect(),
        progress: checkpoint.progress.clone(),
    };
    let temporary = tensors.with_extension("safetensors.partial");
    candle_core::safetensors::save(&map, &temporary)?;
    std::fs::rename(&temporary, tensors).map_err(io(tensors))?;
    let text = serde_json::to_vec(&meta).map_err(|e| BackendError::Checkpoint(e.to_string()))?;
    let temporary = progress.with_extension("json.partial");
    std::fs::write(&temporary, text).map_err(io(&temporary))?;
    std::fs::rename(&temporary, progress).map_err(io(progress))
}

/// The JSON side of a checkpoint on disk.
#[derive(serde::Serialize, serde::Deserialize)]
struct Meta {
    params: Vec<String>,
    buffers: Vec<String>,
    #[serde(default)]
    averaged: Vec<String>,
    optimizer_steps: u64,
    optimizer_slots: Vec<usize>,
    progress: TrainProgress,
}

fn read_files(tensors: &Path, progress: &Path, device: &Device) -> Result<Checkpoint, BackendError> {
    let text = std::fs::read(progress).map_err(io(progress))?;
    let meta: Meta = serde_json::from_slice(&text)
        .map_err(|e| BackendError::Checkpoint(format!("`{}`: {e}", progress.display())))?;
    let mut map = candle_core::safetensors::load(tensors, device)?;
    let mut take = |name: String| {
        map.remove(&name).ok_or_else(|| BackendError::Checkpoint(format!("`{}` lacks `{name}`", tensors.display())))
    };
    let params = meta
        .params
        .iter()
        .map(|n| Ok((n.clone(), take(format!("param/{n}"))?)))
        .collect::<Result<_, BackendError>>()?;
    let buffers = meta
        .buffers
        .iter()
        .map(|n| Ok((n.clone(), take(format!("buffer/{n}"))?)))
        .collect::<Result<_, BackendError>>()?;
    let averaged = meta
        .averaged
        .iter()
        .map(|n| Ok((n.clone(), take(format!("average/{n}"))?)))
        .collect::<Result<_, BackendError>>()?;
    let slots = meta
        .optimizer_slots
        .iter()
        .enumerate()
        .map(|(i, &len)| (0..len).map(|j| take(format!("optimizer/{i}/{j}"))).collect::<Result<Vec<_>, _>>())
        .collect::<Result<_, _>>()?;
    Ok(Checkpoint {
        params,
        buffers,
        optimizer: OptimizerState { steps: meta.optimizer_steps, slots },
        averaged,
        progress: meta.progress,
    })
}

/// Trains `net` for `trial` of a multi-fidelity search, to `config.budget`
/// in all: a promoted trial continues from the checkpoint of the trial it
/// continues ([`Trial::continues`]) when `store` has it, and trains from
/// scratch otherwise (the same network, when the search's budgets end on
/// batch boundaries and [`TrainConfig::horizon`] is the largest budget; the
/// driver gives a promoted trial the seed of the trial it continues). The
/// trial's own checkpoint is saved for the rungs above.
///
/// ```
/// use archspace_candle::train::{self, Budget, CheckpointStore, TrainConfig};
/// use archspace_candle::{Network, NetworkConfig, data, ops::{self, Registry}};
/// use archspace_core::search::Trial;
/// use archspace_core::Space;
/// let (train_set, _) = data::fashion_mnist_subset()?;
/// let (_, small) = train_set.split_off(128, 0)?;
/// let norm = small.normalization();
/// let arch = Space::build(|s| s.basic(ops::flatten()))?.freeze()?;
/// let store = CheckpointStore::in_memory(16);
/// let config = |epochs| TrainConfig { budget: Budget::Epochs(epochs), horizon: Some(Budget::Epochs(4)), ..TrainConfig::default() };
/// let build = || Network::build(&arch, &[1, 28, 28], &Registry::standard(), &NetworkConfig { classes: Some(10), ..Default::default() });
/// let rung0 = Trial { budget: Some(1.0), rung: Some(0), ..Trial::new(0, 7, arch.decisions().to_vec()) };
/// train::train_trial(&build()?, &small, None, &norm, &config(1), &rung0, &store, &mut |_| {})?;
/// let rung1 = Trial { id: 5, budget: Some(4.0), rung: Some(1), continues: Some(0), ..rung0.clone() };
/// let report = train::train_trial(&build()?, &small, None, &norm, &config(4), &rung1, &store, &mut |_| {})?;
/// assert_eq!(report.images, 3 * 128, "only the 3 epochs past rung 0 were trained");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn train_trial(
    net: &Network,
    data: &Dataset,
    validation: Option<&Dataset>,
    norm: &Normalization,
    config: &TrainConfig,
    trial: &Trial,
    store: &CheckpointStore,
    progress: &mut dyn FnMut(Progress),
) -> Result<TrainReport, BackendError> {
    let from = match trial.continues {
        Some(previous) => store.load(previous, net.store().device())?,
        None => None,
    };
    let (report, checkpoint) = train_from(net, data, validation, norm, config, from.as_deref(), progress)?;
    store.save(trial.id, checkpoint)?;
    Ok(report)
}
