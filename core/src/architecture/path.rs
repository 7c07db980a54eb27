//! [`SpacePath`]: the path of a module or decision in a space, shared between
//! the architectures that contain it.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The path of a module or hyperparameter in a space, e.g. `left/1/conv2d`.
///
/// Immutable and reference-counted: architectures frozen from the same part
/// of a space share their paths instead of each owning a copy, so copying
/// or dropping an architecture allocates and frees no path. It reads as a
/// `&str` (it dereferences to one, and compares with `str`, `&str` and
/// `String`), and serializes as a plain string.
///
/// ```
/// use archspace_core::SpacePath;
/// let path = SpacePath::from("left/1/conv2d");
/// assert_eq!(path, "left/1/conv2d");
/// assert!(path.starts_with("left/"));
/// assert_eq!(serde_json::to_string(&path).unwrap(), "\"left/1/conv2d\"");
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpacePath(Arc<str>);

impl SpacePath {
    /// The path as text.
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for SpacePath {
    fn default() -> Self {
        SpacePath::from("")
    }
}

impl Deref for SpacePath {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SpacePath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for SpacePath {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SpacePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SpacePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for SpacePath {
    fn from(path: &str) -> Self {
        SpacePath(Arc::from(path))
    }
}

impl From<String> for SpacePath {
    fn from(path: String) -> Self {
        SpacePath(Arc::from(path))
    }
}

impl From<SpacePath> for String {
    fn from(path: SpacePath) -> Self {
        path.0.as_ref().to_owned()
    }
}

impl PartialEq<str> for SpacePath {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for SpacePath {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for SpacePath {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<SpacePath> for str {
    fn eq(&self, other: &SpacePath) -> bool {
        self == &*other.0
    }
}

impl PartialEq<SpacePath> for &str {
    fn eq(&self, other: &SpacePath) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<SpacePath> for String {
    fn eq(&self, other: &SpacePath) -> bool {
        **self == *other.0
    }
}

impl Serialize for SpacePath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SpacePath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SpacePath::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_compares_and_serializes_as_text() {
        let p = SpacePath::from("right/3/conv2d/filters".to_owned());
        let q = p.clone();
        assert!(std::ptr::eq(p.as_str(), q.as_str()), "copies share the text");
        assert_eq!(p, "right/3/conv2d/filters");
        assert_eq!("right/3/conv2d/filters", p);
        assert_eq!(p, "right/3/conv2d/filters".to_owned());
        assert_ne!(p, SpacePath::from("right/3"));
        assert_eq!(format!("{p} {p:?}"), "right/3/conv2d/filters \"right/3/conv2d/filters\"");
        assert_eq!(p.rsplit('/').next(), Some("filters"));
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<SpacePath>(&json).unwrap(), p);
        let set: std::collections::HashSet<SpacePath> = [p.clone()].into();
        assert!(set.contains("right/3/conv2d/filters"));
        assert_eq!(String::from(p), "right/3/conv2d/filters");
        assert_eq!(SpacePath::default(), "");
    }
}
