//! Values that hyperparameters take, and the domains they are drawn from.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use crate::error::SpecError;

/// A hyperparameter value: the one serializable type every domain is made of.
///
/// ```
/// use archspace_core::Value;
/// assert_eq!(Value::from(64), Value::Int(64));
/// assert_eq!(Value::from("relu").as_str(), Some("relu"));
/// assert_eq!(Value::from(0.5).kind(), "float");
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A boolean flag.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// A floating-point number (compared by bit pattern, so `NaN == NaN`).
    Float(f64),
    /// A string, such as an operation name.
    Str(Arc<str>),
    /// A list of values, such as a kernel shape.
    List(Arc<[Value]>),
}

impl Value {
    /// The name of this value's type, as used in error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::List(_) => "list",
        }
    }

    /// The integer inside, if this is an `Int`.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// The number inside as `f64`, if this is an `Int` or a `Float`.
    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Float(v) => Some(*v),
            Value::Int(v) => Some(*v as f64),
            _ => None,
        }
    }

    /// The flag inside, if this is a `Bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(v) => Some(*v),
            _ => None,
        }
    }

    /// The string inside, if this is a `Str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(v) => Some(v),
            _ => None,
        }
    }

    /// The elements inside, if this is a `List`.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) => Some(v),
            _ => None,
        }
    }

    /// Feeds a canonical, platform-independent encoding of this value to `out`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::Bool(v) => out.extend_from_slice(&[1, u8::from(*v)]),
            Value::Int(v) => {
                out.push(2);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Value::Float(v) => {
                out.push(3);
                out.extend_from_slice(&canonical_float_bits(*v).to_le_bytes());
            }
            Value::Str(v) => {
                out.push(4);
                out.extend_from_slice(&(v.len() as u64).to_le_bytes());
                out.extend_from_slice(v.as_bytes());
            }
            Value::List(items) => {
                out.push(5);
                out.extend_from_slice(&(items.len() as u64).to_le_bytes());
                for item in items.iter() {
                    item.encode(out);
                }
            }
        }
    }
}

/// Bits of a float with `-0.0` folded onto `0.0` and every NaN onto one NaN.
pub(crate) fn canonical_float_bits(v: f64) -> u64 {
    if v.is_nan() {
        f64::NAN.to_bits()
    } else if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => canonical_float_bits(*a) == canonical_float_bits(*b),
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

/// Consistent with `==`: floats hash by their canonical bits.
impl std::hash::Hash for Value {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Value::Bool(v) => {
                state.write_u8(1);
                state.write_u8(u8::from(*v));
            }
            Value::Int(v) => {
                state.write_u8(2);
                state.write_i64(*v);
            }
            Value::Float(v) => {
                state.write_u8(3);
                state.write_u64(canonical_float_bits(*v));
            }
            Value::Str(v) => {
                state.write_u8(4);
                v.hash(state);
            }
            Value::List(items) => {
                state.write_u8(5);
                items.hash(state);
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(v) => write!(f, "{v}"),
            Value::Int(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{v:?}"),
            Value::Str(v) => write!(f, "{v:?}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

macro_rules! value_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::Int(i64::from(v))
            }
        }
    )*};
}
value_from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Self {
        Value::Float(f64::from(v))
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Str(intern(v))
    }
}

/// A shared copy of `s`. Short strings are interned per thread, because
/// spaces are rebuilt for every sample and their string choices (`"relu"`,
/// `"same"`) would otherwise be allocated anew each time.
fn intern(s: &str) -> Arc<str> {
    /// Longer strings are rarely repeated choices; they are not interned.
    const MAX_LEN: usize = 64;
    /// The table stops growing here (it never evicts).
    const MAX_ENTRIES: usize = 4096;
    thread_local! {
        static STRINGS: std::cell::RefCell<rustc_hash::FxHashSet<Arc<str>>> = std::cell::RefCell::default();
    }
    if s.len() > MAX_LEN {
        return Arc::from(s);
    }
    STRINGS.with(|strings| {
        let Ok(mut strings) = strings.try_borrow_mut() else { return Arc::from(s) };
        if let Some(shared) = strings.get(s) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(s);
        if strings.len() < MAX_ENTRIES {
            strings.insert(Arc::clone(&shared));
        }
        shared
    })
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Str(Arc::from(v))
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

/// The finite set of values an independent hyperparameter chooses from.
///
/// A domain is non-empty, holds values of one type and no value twice. A
/// domain with a single value is a constant: it is assigned at once and is
/// never a decision.
///
/// ```
/// use archspace_core::Domain;
/// let d = Domain::new([64, 128]).unwrap();
/// assert_eq!(d.len(), 2);
/// assert!(Domain::new(Vec::<i64>::new()).is_err());
/// ```
///
/// Domains of up to four values are stored inline: spaces build
/// one per choice each time they are instantiated, so this saves an
/// allocation per choice (measured with callgrind on the searchers' bench
/// spaces).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain(SmallVec<[Value; INLINE_VALUES]>);

/// Values a [`Domain`] holds without a heap allocation.
const INLINE_VALUES: usize = 4;

impl Domain {
    /// Builds a domain, checking it is non-empty, of one type and without repeats.
    pub fn new<I, V>(values: I) -> Result<Self, SpecError>
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        Self::checked(values.into_iter().map(Into::into).collect())
    }

    /// Builds a domain from values already converted.
    pub fn from_values(values: impl IntoIterator<Item = Value>) -> Result<Self, SpecError> {
        Self::checked(values.into_iter().collect())
    }

    fn checked(values: SmallVec<[Value; INLINE_VALUES]>) -> Result<Self, SpecError> {
        let Some(first) = values.first() else {
            return Err(SpecError::EmptyDomain { path: String::new() });
        };
        let kind = std::mem::discriminant(first);
        for (i, v) in values.iter().enumerate() {
            if std::mem::discriminant(v) != kind {
                return Err(SpecError::MixedDomain { path: String::new(), first: first.kind(), other: v.kind() });
            }
            if values[..i].contains(v) {
                return Err(SpecError::DuplicateValue { path: String::new(), value: v.clone() });
            }
        }
        Ok(Domain(values))
    }

    /// The booleans `[false, true]`.
    pub fn bool() -> Self {
        Domain(SmallVec::from_iter([Value::Bool(false), Value::Bool(true)]))
    }

    /// The indices `0..k`.
    pub fn indices(k: usize) -> Result<Self, SpecError> {
        Self::new((0..k).map(Value::from))
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: domains are never empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values, in declaration order.
    pub fn values(&self) -> &[Value] {
        &self.0
    }

    /// The position of `value` in the domain.
    pub fn index_of(&self, value: &Value) -> Option<usize> {
        self.0.iter().position(|v| v == value)
    }

    /// The value at `index`.
    pub fn get(&self, index: usize) -> Option<&Value> {
        self.0.get(index)
    }
}

/// A domain serializes as the list of its values.
impl Serialize for Domain {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.values().serialize(serializer)
    }
}

/// A domain deserializes from a list of values, checked as [`Domain::new`] checks.
impl<'de> Deserialize<'de> for Domain {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let values = Vec::<Value>::deserialize(deserializer)?;
        Domain::from_values(values).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_hash_equal() {
        use std::hash::BuildHasher;
        let hash = |v: &Value| rustc_hash::FxBuildHasher.hash_one(v);
        assert_eq!(hash(&Value::Float(0.0)), hash(&Value::Float(-0.0)));
        assert_eq!(hash(&Value::from(vec![1, 2])), hash(&Value::from(vec![1, 2])));
        assert_ne!(hash(&Value::Int(1)), hash(&Value::Float(1.0)));
        assert_ne!(hash(&Value::from("a")), hash(&Value::from(vec!["a"])));
    }

    #[test]
    fn short_strings_are_shared_and_long_ones_still_equal() {
        let (Value::Str(a), Value::Str(b)) = (Value::from("relu"), Value::from("relu")) else { unreachable!() };
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(Value::from("relu"), Value::from(String::from("relu")));
        assert_ne!(Value::from("relu"), Value::from("gelu"));
        let long = "x".repeat(100);
        assert_eq!(Value::from(long.as_str()), Value::from(long.clone()));
        assert_eq!(Value::from(long.as_str()).as_str(), Some(long.as_str()));
    }

    #[test]
    fn domains_reject_empty_mixed_and_repeated_values() {
        assert!(matches!(Domain::new(Vec::<i64>::new()), Err(SpecError::EmptyDomain { .. })));
        let mixed = Domain::from_values([Value::Int(1), Value::Float(1.0)]);
        assert!(matches!(mixed, Err(SpecError::MixedDomain { .. })));
        assert!(matches!(Domain::new([1, 2, 1]), Err(SpecError::DuplicateValue { .. })));
    }

    #[test]
    fn domains_round_trip_through_json_and_are_checked_on_the_way_in() {
        for d in [Domain::new([64, 128]).unwrap(), Domain::new(1..=9).unwrap(), Domain::bool()] {
            let text = serde_json::to_string(&d).unwrap();
            assert!(text.starts_with('['), "a domain is a list: {text}");
            assert_eq!(serde_json::from_str::<Domain>(&text).unwrap(), d);
        }
        assert_eq!(Domain::new(1..=9).unwrap().values().len(), 9, "longer than the inline room");
        assert!(serde_json::from_str::<Domain>("[1, 2, 1]").is_err());
        assert!(serde_json::from_str::<Domain>("[]").is_err());
        assert!(serde_json::from_str::<Domain>(r#"[1, "a"]"#).is_err());
    }

    #[test]
    fn floats_compare_canonically() {
        assert_eq!(Value::Float(0.0), Value::Float(-0.0));
        assert_eq!(Value::Float(f64::NAN), Value::Float(f64::NAN));
        assert_ne!(Value::Float(1.0), Value::Int(1));
    }

    #[test]
    fn values_round_trip_through_json() {
        let vs =
            vec![Value::Bool(true), Value::Int(-3), Value::Float(0.25), Value::from("relu"), Value::from(vec![3, 3])];
        let text = serde_json::to_string(&vs).unwrap();
        let back: Vec<Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(vs, back);
    }

    #[test]
    fn encoding_distinguishes_types() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        Value::Int(1).encode(&mut a);
        Value::Bool(true).encode(&mut b);
        assert_ne!(a, b);
    }
}
