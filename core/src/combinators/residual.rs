//! `residual`: a main path and a residual path combined.

use crate::error::SpecError;
use crate::io::Io;
use crate::space::Space;

impl Space {
    /// An identity fanning out to `main` and `residual`, combined by
    /// `combine` (its `in0` reads `main`, `in1` reads `residual`). Wires at
    /// once (DeepArchitect's `siso_residual`); pass `|s| s.identity()` as the
    /// residual path for a plain skip connection.
    ///
    /// ```
    /// use archspace_core::{Op, Space};
    /// let mut s = Space::build(|s| {
    ///     s.residual(|s| s.basic(Op::new("conv")), |s| s.identity(), |s| s.basic(Op::new("add").inputs_indexed(2)))
    /// })?;
    /// let arch = s.freeze()?;
    /// let add = arch.modules().last().unwrap();
    /// assert_eq!((add.op.as_ref(), add.inputs.len()), ("add", 2)); // conv + skip
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn residual(
        &mut self,
        main: impl FnOnce(&mut Space) -> Result<Io, SpecError>,
        residual: impl FnOnce(&mut Space) -> Result<Io, SpecError>,
        combine: impl FnOnce(&mut Space) -> Result<Io, SpecError>,
    ) -> Result<Io, SpecError> {
        let split = self.identity_named("split")?;
        let main = main(self)?;
        let residual = residual(self)?;
        let join = combine(self)?;
        let split_out = split.single_output()?;
        self.connect(split_out, main.single_input()?)?;
        self.connect(split_out, residual.single_input()?)?;
        self.connect(main.single_output()?, join.input("in0")?)?;
        self.connect(residual.single_output()?, join.input("in1")?)?;
        Ok(Io::single(split.single_input()?, join.single_output()?))
    }
}
