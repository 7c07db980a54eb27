//! [`Skeleton`]: the shared structure of a frozen architecture kept with
//! where each of its values comes from, so that a space with the same graph
//! freezes by looking up its values (an architecture in the skeleton's
//! frame) instead of walking the graph again.
//!
//! Two spaces have the same graph when one was copied from a space the other
//! also went through and only decisions that nothing waits for (none that
//! fires a substitution, computes a dependent or checks a constraint) were
//! made since; the [`PrefixCache`](crate::prefix_cache) knows when that is so.
//! Such a space need not even be made: a kept space and the decisions made
//! after it (`overlay`) are enough to give the values.

use super::Space;
use super::records::{ModuleKind, ParamSlot};
use std::sync::Arc;

use crate::architecture::{Architecture, EncodingTemplate, Frame, Site, ValueSite};
use crate::error::SpecError;
use crate::ids::HyperId;

/// The shared structure of a frozen architecture and where its values come from.
pub(crate) struct Skeleton {
    /// The structure: its sites are the parameters read from hyperparameters.
    frame: Arc<Frame>,
    /// The hyperparameter of each decision, in order.
    decisions: Vec<HyperId>,
    /// The hyperparameters that are not decisions (dependents) whose values
    /// follow the decisions' among the architecture's values.
    others: Vec<HyperId>,
    /// The architecture's canonical encoding without the values at the sites
    /// and of the globals.
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
        let ids = self.frozen_module_ids(arch.modules().len())?;
        let decisions: Vec<HyperId> = self.made.iter().map(|d| d.hyper).collect();
        let mut others = Vec::new();
        // Where the value of `h` is among the architecture's values.
        let mut position = |h: HyperId| -> u32 {
            let at = match decisions.iter().position(|d| *d == h) {
                Some(at) => at,
                None => match others.iter().position(|o| *o == h) {
                    Some(other) => decisions.len() + other,
                    None => {
                        others.push(h);
                        decisions.len() + others.len() - 1
                    }
                },
            };
            at as u32
        };
        let mut sites = Vec::new();
        for (index, m) in ids.iter().enumerate() {
            let ModuleKind::Basic { params: slots, .. } = &self.module_def(*m).kind else { return None };
            for (param, (_, slot)) in slots.iter().enumerate() {
                if let ParamSlot::Hyper(h) = slot {
                    sites.push(Site { module: index as u32, param: param as u32, value: position(*h) });
                }
            }
        }
        let global_hypers = self.global_hypers();
        if global_hypers.len() != arch.globals().len() {
            return None;
        }
        let globals = global_hypers.into_iter().map(|(path, h)| (path, position(h))).collect();
        let encoded: Vec<ValueSite> = sites
            .iter()
            .map(|site| ValueSite::Param { module: site.module as usize, param: site.param as usize })
            .chain((0..arch.globals().len()).map(ValueSite::Global))
            .collect();
        let encoding = arch.encoding_template(&encoded);
        let frame = Arc::new(arch.to_frame(sites, globals));
        Some(Skeleton { frame, decisions, others, encoding })
    }

    /// Freezes the space made of this one (whose graph is the one `skeleton`
    /// was made from) and then the decisions `overlay` (hyperparameter and
    /// index, none with anything waiting for it), by looking up the values;
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
        let mut values = Vec::with_capacity(skeleton.decisions.len() + skeleton.others.len());
        for made in &self.made {
            values.push(self.value_of(made.hyper)?.clone());
        }
        for &(h, index) in overlay {
            values.push(self.domain(h)?.get(index as usize)?.clone());
        }
        for &h in &skeleton.others {
            values.push(self.value_of(h)?.clone());
        }
        let hash = Architecture::hash_from_template(&skeleton.encoding, skeleton.frame.encoded_values(&values));
        Some(Architecture::in_frame(skeleton.frame.clone(), values, hash))
    }
}
