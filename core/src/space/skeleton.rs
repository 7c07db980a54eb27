//! [`Skeleton`]: a frozen architecture kept with where each of its values
//! comes from, so that a space with the same graph freezes by filling in
//! values instead of walking the graph again.
//!
//! Two spaces have the same graph when one was copied from a space the other
//! also went through and only decisions that nothing waits for (none that
//! fires a substitution, computes a dependent or checks a constraint) were
//! made since; the [`PrefixCache`](crate::prefix_cache) knows when that is so.

use super::Space;
use super::records::{ModuleKind, ParamSlot};
use crate::architecture::Architecture;
use crate::error::SpecError;
use crate::ids::HyperId;

/// A frozen architecture and the hyperparameters its values were read from.
pub(crate) struct Skeleton {
    arch: Architecture,
    /// (module, parameter, hyperparameter) for every parameter read from one.
    params: Vec<(u32, u32, HyperId)>,
    /// The hyperparameter of each decision, in order.
    decisions: Vec<HyperId>,
    /// The hyperparameter of each carried global, in order.
    globals: Vec<HyperId>,
}

impl Space {
    /// Freezes this space, and makes the skeleton that freezes spaces with
    /// the same graph (`None` if it cannot be made).
    pub(crate) fn freeze_with_skeleton(&mut self) -> Result<(Architecture, Option<Skeleton>), SpecError> {
        let arch = self.freeze()?;
        let skeleton = self.skeleton_of(&arch);
        Ok((arch, skeleton))
    }

    fn skeleton_of(&self, arch: &Architecture) -> Option<Skeleton> {
        let ids = self.frozen_module_ids(arch.modules.len())?;
        let mut params = Vec::new();
        for (index, m) in ids.iter().enumerate() {
            let ModuleKind::Basic { params: slots, .. } = &self.module_def(*m).kind else { return None };
            for (param, (_, slot)) in slots.iter().enumerate() {
                if let ParamSlot::Hyper(h) = slot {
                    params.push((index as u32, param as u32, *h));
                }
            }
        }
        let decisions = self.made.iter().map(|d| d.hyper).collect();
        let globals: Vec<HyperId> = self.global_hypers().into_iter().map(|(_, h)| h).collect();
        (globals.len() == arch.globals.len()).then(|| Skeleton { arch: arch.clone(), params, decisions, globals })
    }

    /// Freezes this space, whose graph is the one `skeleton` was made from,
    /// by filling in the values; `None` if the space does not fit it after all.
    pub(crate) fn freeze_from_skeleton(&mut self, skeleton: &Skeleton) -> Option<Architecture> {
        if self.broken.is_some()
            || self.next_decision().is_some()
            || self.made.len() != skeleton.decisions.len()
            || self.made.iter().zip(&skeleton.decisions).any(|(d, h)| d.hyper != *h)
        {
            return None;
        }
        let mut arch = skeleton.arch.clone();
        for &(module, param, h) in &skeleton.params {
            arch.modules[module as usize].params[param as usize].1 = self.value_of(h)?.clone();
        }
        for (decision, made) in arch.decisions.iter_mut().zip(&self.made) {
            decision.value = self.value_of(made.hyper)?.clone();
        }
        for (global, h) in arch.globals.iter_mut().zip(&skeleton.globals) {
            global.1 = self.value_of(*h)?.clone();
        }
        Some(arch)
    }
}
