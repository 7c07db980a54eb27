//! Conversions between [`Value`] and Rust types, for typed dependent
//! hyperparameters and substitution functions.

use std::sync::Arc;

use crate::value::Value;

/// A Rust type that can be read out of a [`Value`].
///
/// ```
/// use archspace_core::{FromValue, Value};
/// assert_eq!(i64::from_value(&Value::Int(4)), Ok(4));
/// assert!(bool::from_value(&Value::Int(4)).is_err());
/// ```
pub trait FromValue: Sized {
    /// Reads the value, or says what was expected.
    fn from_value(value: &Value) -> Result<Self, String>;
}

fn mismatch(expected: &str, value: &Value) -> String {
    format!("expected {expected}, got {} {value}", value.kind())
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: &Value) -> Result<Self, String> {
                match value {
                    Value::Int(v) => <$t>::try_from(*v).map_err(|_| format!("{v} does not fit in {}", stringify!($t))),
                    other => Err(mismatch("an integer", other)),
                }
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32, u64, usize);

impl FromValue for f64 {
    fn from_value(value: &Value) -> Result<Self, String> {
        value.as_float().ok_or_else(|| mismatch("a number", value))
    }
}

impl FromValue for f32 {
    fn from_value(value: &Value) -> Result<Self, String> {
        value.as_float().map(|v| v as f32).ok_or_else(|| mismatch("a number", value))
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Result<Self, String> {
        value.as_bool().ok_or_else(|| mismatch("a boolean", value))
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Result<Self, String> {
        value.as_str().map(str::to_owned).ok_or_else(|| mismatch("a string", value))
    }
}

impl FromValue for Arc<str> {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Str(s) => Ok(s.clone()),
            other => Err(mismatch("a string", other)),
        }
    }
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Result<Self, String> {
        Ok(value.clone())
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: &Value) -> Result<Self, String> {
        value.as_list().ok_or_else(|| mismatch("a list", value))?.iter().map(T::from_value).collect()
    }
}
