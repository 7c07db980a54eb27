//! `dense_block`: DenseNet-style applications that read all earlier outputs.

use crate::combinators::{as_siso, flag, positive_int};
use crate::error::SpecError;
use crate::io::Io;
use crate::op::{Name, Param};
use crate::space::{Space, Substitution};

impl Space {
    /// A dense block (DeepArchitect's `dense_block`): application `k` of
    /// `apply` reads the block input (k = 0) or a `combine(k + 1)` of the block
    /// input and every earlier application's output; the block's output is a
    /// final `combine(num_applies + 1)` of all of them if `end_in_combine`, the
    /// last application's output otherwise.
    ///
    /// ```
    /// use archspace_core::{choice, Op, Space};
    /// let mut s = Space::build(|s| {
    ///     s.dense_block(
    ///         choice([1, 2, 3]), // num_applies
    ///         true,              // end_in_combine
    ///         |s| s.basic(Op::new("conv")),
    ///         |s, k| s.basic(Op::new("concat").inputs_indexed(k)),
    ///     )
    /// })?;
    /// let n = s.next_decision().unwrap();
    /// assert_eq!(s.hyper_path(n), "dense_block/num_applies");
    /// s.assign_index(n, 1)?; // two applications
    /// let ops: Vec<String> = s.freeze()?.modules().iter().map(|m| m.op.to_string()).collect();
    /// // conv 0 reads the input; conv 1 reads concat(input, conv 0); the end concatenates all three.
    /// assert_eq!(ops, ["conv", "concat", "conv", "concat"]);
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn dense_block(
        &mut self,
        num_applies: impl Into<Param>,
        end_in_combine: impl Into<Param>,
        apply: impl Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync + 'static,
        combine: impl Fn(&mut Space, usize) -> Result<Io, SpecError> + Send + Sync + 'static,
    ) -> Result<Io, SpecError> {
        let hypers = vec![
            (Name::Borrowed("end_in_combine"), end_in_combine.into()),
            (Name::Borrowed("num_applies"), num_applies.into()),
        ];
        self.substitution(Substitution::siso("dense_block", hypers, move |s, values| {
            let n = positive_int(values, "num_applies")?;
            let end_in_combine = flag(values, "end_in_combine")?;
            let input = s.identity_named("input")?;
            let mut outs = vec![input.single_output()?];
            let combine_all =
                |s: &mut Space, outs: &[crate::OutputId], tag: &str| -> Result<crate::OutputId, SpecError> {
                    let join = s.in_scope(tag, |s| combine(s, outs.len()))?;
                    for (j, o) in outs.iter().enumerate() {
                        s.connect(*o, join.input(&format!("in{j}"))?)?;
                    }
                    join.single_output()
                };
            for k in 0..n {
                let src = if k == 0 { outs[0] } else { combine_all(s, &outs, &format!("combine{k}"))? };
                let app = as_siso(&s.in_index_scope(k, &apply)?)?;
                s.connect(src, app.single_input()?)?;
                outs.push(app.single_output()?);
            }
            let out = if end_in_combine { combine_all(s, &outs, "combine")? } else { *outs.last().unwrap_or(&outs[0]) };
            Ok(Io::single(input.single_input()?, out))
        }))
    }
}
