//! Typed identifiers of the elements of a [`Space`](crate::Space).
//!
//! They are plain indices into the space's arenas: cheap to copy, `Send`, and
//! meaningless in another space (checked where the space can tell).

use std::fmt;

/// An identifier that is a plain `u32` index (for code generic over ID kinds).
pub(crate) trait ArenaId: Copy + PartialEq {
    fn from_raw(raw: u32) -> Self;
    fn raw(self) -> u32;
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $label:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub(crate) u32);

        impl $name {
            /// The raw index inside its space.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            pub(crate) fn from_index(index: usize) -> Self {
                Self(u32::try_from(index).expect("internal invariant: fewer than 2^32 elements per space"))
            }
        }

        impl ArenaId for $name {
            #[inline]
            fn from_raw(raw: u32) -> Self {
                Self(raw)
            }

            #[inline]
            fn raw(self) -> u32 {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($label, "#{}"), self.0)
            }
        }
    };
}

typed_id!(
    /// A module (basic, identity, substitution or carrier).
    ModuleId,
    "module"
);
typed_id!(
    /// An input port of a module.
    InputId,
    "input"
);
typed_id!(
    /// An output port of a module.
    OutputId,
    "output"
);
typed_id!(
    /// A hyperparameter, independent or dependent.
    HyperId,
    "hyper"
);
typed_id!(
    /// A naming scope (a node of the path tree).
    ScopeId,
    "scope"
);
typed_id!(
    /// A declared constraint.
    ConstraintId,
    "constraint"
);
