//! [`SpacePath`]: the path of a module or decision in a space, shared between
//! the architectures that contain it.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The path of a module or hyperparameter in a space, e.g. `left/1/conv2d`.
///
/// Immutable and reference-counted: architectures frozen from the same part
/// of a space share their paths instead of each owning a copy, so copying
/// or dropping an architecture allocates and frees no path. The paths of one
/// freeze are parts of one shared text (one allocation for all of them; a
/// path kept alone keeps that text alive). It reads as a `&str` (it
/// dereferences to one, and compares, orders and hashes as one, with `str`,
/// `&str` and `String`), and serializes as a plain string.
///
/// ```
/// use archspace_core::SpacePath;
/// let path = SpacePath::from("left/1/conv2d");
/// assert_eq!(path, "left/1/conv2d");
/// assert!(path.starts_with("left/"));
/// assert_eq!(serde_json::to_string(&path).unwrap(), "\"left/1/conv2d\"");
/// ```
#[derive(Clone)]
pub struct SpacePath {
    /// The text this path is a part of.
    text: Arc<str>,
    /// Where in `text` it starts (a byte offset on a char boundary).
    start: u32,
    /// Where it ends, or [`WHOLE`] for a path that is all of `text`.
    end: u32,
}

/// The end of a path that is all of its text, however long.
const WHOLE: u32 = u32::MAX;

impl SpacePath {
    /// The path as text.
    #[inline]
    pub fn as_str(&self) -> &str {
        if self.end == WHOLE {
            return &self.text;
        }
        self.text.get(self.start as usize..self.end as usize).unwrap_or_default()
    }

    /// The part `range` of `text`, sharing `text` (a copy of its own where
    /// the offsets are too large for the compact form, past 4 GiB). A range
    /// that is not a part of `text` reads as an empty path.
    pub(crate) fn within(text: &Arc<str>, range: Range<usize>) -> SpacePath {
        match (u32::try_from(range.start), u32::try_from(range.end)) {
            // Checked where it is read (`as_str`), not here: a freeze makes
            // thousands of these from ranges it has just rendered.
            (Ok(start), Ok(end)) if end != WHOLE => SpacePath { text: Arc::clone(text), start, end },
            _ => SpacePath::from(text.get(range).unwrap_or_default()),
        }
    }

    /// All of `text`, however long.
    fn whole(text: Arc<str>) -> SpacePath {
        SpacePath { text, start: 0, end: WHOLE }
    }
}

impl PartialEq for SpacePath {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SpacePath {}

impl PartialOrd for SpacePath {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SpacePath {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for SpacePath {
    /// Hashes as the `str` it reads as (as [`Borrow<str>`] requires).
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
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
        self.as_str()
    }
}

impl AsRef<str> for SpacePath {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for SpacePath {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for SpacePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SpacePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<&str> for SpacePath {
    fn from(path: &str) -> Self {
        SpacePath::whole(Arc::from(path))
    }
}

impl From<String> for SpacePath {
    fn from(path: String) -> Self {
        SpacePath::whole(Arc::from(path))
    }
}

impl From<SpacePath> for String {
    fn from(path: SpacePath) -> Self {
        path.as_str().to_owned()
    }
}

impl PartialEq<str> for SpacePath {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SpacePath {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SpacePath {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<SpacePath> for str {
    fn eq(&self, other: &SpacePath) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<SpacePath> for &str {
    fn eq(&self, other: &SpacePath) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<SpacePath> for String {
    fn eq(&self, other: &SpacePath) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for SpacePath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
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

    #[test]
    fn parts_of_one_text_share_it_and_read_compare_and_hash_as_their_part() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |x: &dyn Fn(&mut DefaultHasher)| {
            let mut h = DefaultHasher::new();
            x(&mut h);
            h.finish()
        };
        let text: Arc<str> = Arc::from("left/1/conv2dleft/1/conv2d/filtersé/x");
        let module = SpacePath::within(&text, 0..13);
        let param = SpacePath::within(&text, 13..34);
        assert_eq!(module, "left/1/conv2d");
        assert_eq!(param, "left/1/conv2d/filters");
        assert!(std::ptr::eq(module.text.as_ptr(), param.text.as_ptr()), "both parts share the text");
        // Equal to, ordered and hashed as the same path standing alone.
        let alone = SpacePath::from("left/1/conv2d");
        assert_eq!(module, alone);
        assert_eq!(module.cmp(&alone), Ordering::Equal);
        assert!(module < param && param > alone);
        assert_eq!(hash(&|h| module.hash(h)), hash(&|h| alone.hash(h)));
        assert_eq!(hash(&|h| module.hash(h)), hash(&|h| "left/1/conv2d".hash(h)));
        let set: std::collections::HashSet<SpacePath> = [module.clone()].into();
        assert!(set.contains("left/1/conv2d") && set.contains(&alone));
        assert_eq!(format!("{module} {param:?}"), "left/1/conv2d \"left/1/conv2d/filters\"");
        assert_eq!(serde_json::to_string(&param).unwrap(), "\"left/1/conv2d/filters\"");
        assert_eq!(String::from(param.clone()), "left/1/conv2d/filters");
        // A range off the text or off a char boundary is an empty path, not a panic.
        assert_eq!(SpacePath::within(&text, 30..99), "");
        assert_eq!(SpacePath::within(&text, 35..36), "");
        assert_eq!(SpacePath::within(&text, 34..38), "é/x");
        assert_eq!(SpacePath::within(&text, 0..0), SpacePath::default());
    }
}
