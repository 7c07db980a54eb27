//! Checks that keep a wrong result from passing as a trial's result: data
//! that does not fit the network (before any step), and a network whose
//! parameters or metrics stopped being finite (after the last step, in
//! evaluation).

use candle_core::DType;

use crate::data::{Dataset, shape_text};
use crate::error::BackendError;
use crate::network::Network;

/// Checks that `net` takes `data`'s samples and scores each of its classes;
/// `name` names the set in the error ("the validation set").
pub(crate) fn check_fits(net: &Network, data: &Dataset, name: &str) -> Result<(), BackendError> {
    let report = net.report();
    if report.input != data.shape {
        return Err(BackendError::Mismatch(format!(
            "the network takes samples of shape {}, but {name} has {}",
            shape_text(&report.input),
            shape_text(&data.shape)
        )));
    }
    match report.output() {
        [scores] if *scores >= data.classes => Ok(()),
        output => Err(BackendError::Mismatch(format!(
            "the network outputs {} per sample, not a score for each of the {} classes of {name}",
            shape_text(output),
            data.classes
        ))),
    }
}

/// Fails with [`BackendError::NonFinite`] unless `value` is finite.
pub(crate) fn check_finite(what: impl FnOnce() -> String, value: f64) -> Result<(), BackendError> {
    if value.is_finite() { Ok(()) } else { Err(BackendError::NonFinite { what: what(), value }) }
}

/// Fails with [`BackendError::NonFinite`], naming the first parameter of
/// `net` with a NaN or infinite element; `when` says when it was checked.
pub(crate) fn check_parameters(net: &Network, when: &str) -> Result<(), BackendError> {
    for (name, var) in net.store().trainable_vars() {
        // NaN and infinities survive a sum (±∞ together give NaN).
        let sum = f64::from(var.as_tensor().sum_all()?.to_dtype(DType::F32)?.to_scalar::<f32>()?);
        check_finite(|| format!("parameter `{name}` {when} (sum of its elements)"), sum)?;
    }
    Ok(())
}
