//! Reusable sub-spaces: what a `#[search_space]` function returns.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::combinators::Factory;
use crate::definition::SpaceDef;
use crate::error::SpecError;
use crate::io::Io;
use crate::ports::{Placeable, PortSet};
use crate::space::Space;

/// A reusable sub-space (DeepArchitect's auxiliary function) with ports `P`.
///
/// Placed in another space it builds its modules in a scope of its own
/// (named after the binding, or the function); on its own,
/// [`def`](Self::def) makes it a [`SpaceDef`].
///
/// ```
/// use archspace_core::ports::Siso;
/// use archspace_core::{Op, SubSpace};
/// let relu: SubSpace<Siso> = SubSpace::new("relu", |s| s.basic(Op::new("relu")));
/// assert_eq!(relu.def().count()?, 1u32.into());
/// # Ok::<(), archspace_core::SpecError>(())
/// ```
pub struct SubSpace<P> {
    name: &'static str,
    build: Factory,
    ports: PhantomData<fn() -> P>,
}

impl<P> Clone for SubSpace<P> {
    fn clone(&self) -> Self {
        SubSpace { name: self.name, build: self.build.clone(), ports: PhantomData }
    }
}

impl<P> std::fmt::Debug for SubSpace<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubSpace").field("name", &self.name).finish_non_exhaustive()
    }
}

impl<P> SubSpace<P> {
    /// A sub-space named `name` built by `build`.
    pub fn new(
        name: &'static str,
        build: impl Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync + 'static,
    ) -> Self {
        SubSpace { name, build: Arc::new(build), ports: PhantomData }
    }

    /// A sub-space that fails to build: what a `#[search_space]` function
    /// with compile errors expands to, so that code using it still type-checks.
    pub fn failed(name: &'static str) -> Self {
        SubSpace::new(name, move |_| {
            Err(SpecError::Unusable { reason: format!("the search space `{name}` did not compile") })
        })
    }

    /// The function's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// A definition that builds this sub-space as a whole space.
    pub fn def(&self) -> SpaceDef {
        let build = self.build.clone();
        SpaceDef::new(move |s| build(s))
    }

    /// The sub-space as a factory, for combinators.
    pub fn factory(&self) -> Factory {
        self.build.clone()
    }
}

impl<P> From<SubSpace<P>> for SpaceDef {
    fn from(sub: SubSpace<P>) -> SpaceDef {
        sub.def()
    }
}

impl<P: PortSet> Placeable for SubSpace<P> {
    type Ports = P;
    fn place_io(self, s: &mut Space, name: Option<&'static str>) -> Result<Io, SpecError> {
        s.in_scope(name.unwrap_or(self.name), |s| (self.build)(s))
    }
}

/// A factory places as a single-input single-output sub-space.
impl Placeable for Factory {
    type Ports = crate::ports::Siso;
    fn place_io(self, s: &mut Space, name: Option<&'static str>) -> Result<Io, SpecError> {
        match name {
            Some(name) => s.in_scope(name, |s| self(s)),
            None => self(s),
        }
    }
}
