//! [`Skeleton`]: a frozen architecture kept with where each of its values
//! comes from, so that a space with the same graph freezes by filling in
//! values instead of walking the graph again.
//!
//! Two spaces have the same graph when one was copied from a space the other
//! also went through and only decisions that nothing waits for (none that
//! fires a substitution, computes a dependent or checks a constraint) were
//! made since; the [`PrefixCache`](crate::prefix_cache) knows when that is so.
//! Such a space need not even be made: a kept space and the decisions made
//! after it (`overlay`) are enough to fill the skeleton in.

use super::Space;
use super::records::{ModuleKind, ParamSlot};
use crate::architecture::{Architecture, EncodingTemplate, KnownHash, ValueSite};
use crate::error::SpecError;
use crate::ids::HyperId;
use crate::value::Value;

/// Where a value of the architecture comes from.
#[derive(Clone, Copy)]
enum Origin {
    /// The decision at this position.
    Decision(u32),
    /// A hyperparameter that is not a decision (a dependent).
    Hyper(HyperId),
}

/// A frozen architecture and where its values come from.
pub(crate) struct Skeleton {
    arch: Architecture,
    /// (module, parameter, origin) for every parameter read from a hyperparameter.
    params: Vec<(u32, u32, Origin)>,
    /// The hyperparameter of each decision, in order.
    decisions: Vec<HyperId>,
    /// The origin of each carried global, in order.
    globals: Vec<Origin>,
    /// The architecture's canonical encoding without the values above.
    encoding: EncodingTemplate,
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
        let decisions: Vec<HyperId> = self.made.iter().map(|d| d.hyper).collect();
        let origin = |h: HyperId| match decisions.iter().position(|d| *d == h) {
            Some(position) => Origin::Decision(position as u32),
            None => Origin::Hyper(h),
        };
        let mut params = Vec::new();
        for (index, m) in ids.iter().enumerate() {
            let ModuleKind::Basic { params: slots, .. } = &self.module_def(*m).kind else { return None };
            for (param, (_, slot)) in slots.iter().enumerate() {
                if let ParamSlot::Hyper(h) = slot {
                    params.push((index as u32, param as u32, origin(*h)));
                }
            }
        }
        let globals: Vec<Origin> = self.global_hypers().into_iter().map(|(_, h)| origin(h)).collect();
        if globals.len() != arch.globals.len() {
            return None;
        }
        let sites: Vec<ValueSite> = params
            .iter()
            .map(|&(module, param, _)| ValueSite::Param { module: module as usize, param: param as usize })
            .chain((0..globals.len()).map(ValueSite::Global))
            .collect();
        let encoding = arch.encoding_template(&sites);
        Some(Skeleton { arch: arch.clone(), params, decisions, globals, encoding })
    }

    /// Freezes the space made of this one (whose graph is the one `skeleton`
    /// was made from) and then the decisions `overlay` (hyperparameter and
    /// index, none with anything waiting for it), by filling in the values;
    /// `None` if they do not fit the skeleton after all.
    pub(crate) fn freeze_from_skeleton(&self, overlay: &[(HyperId, u32)], skeleton: &Skeleton) -> Option<Architecture> {
        let base = self.made.len();
        if self.broken.is_some()
            || base + overlay.len() != skeleton.decisions.len()
            || self.made.iter().map(|d| d.hyper).ne(skeleton.decisions[..base].iter().copied())
            || overlay.iter().map(|(h, _)| *h).ne(skeleton.decisions[base..].iter().copied())
        {
            return None;
        }
        let decision = |position: usize| -> Option<&Value> {
            match position.checked_sub(base) {
                None => self.value_of(self.made[position].hyper),
                Some(i) => {
                    let (h, index) = overlay[i];
                    self.domain(h)?.get(index as usize)
                }
            }
        };
        let value = |origin: Origin| match origin {
            Origin::Decision(position) => decision(position as usize),
            Origin::Hyper(h) => self.value_of(h),
        };
        let mut arch = skeleton.arch.clone();
        for &(module, param, origin) in &skeleton.params {
            arch.modules[module as usize].params[param as usize].1 = value(origin)?.clone();
        }
        for (position, d) in arch.decisions.iter_mut().enumerate() {
            d.value = decision(position)?.clone();
        }
        for (global, origin) in arch.globals.iter_mut().zip(&skeleton.globals) {
            global.1 = value(*origin)?.clone();
        }
        let values = skeleton
            .params
            .iter()
            .map(|&(module, param, _)| &arch.modules[module as usize].params[param as usize].1)
            .chain(arch.globals.iter().map(|(_, v)| v));
        let hash = Architecture::hash_from_template(&skeleton.encoding, values);
        arch.known_hash = KnownHash(Some(hash));
        Some(arch)
    }
}
