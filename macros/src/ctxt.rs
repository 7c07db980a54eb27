//! The error context: errors accumulate here and are reported together.

use std::fmt::Display;

use proc_macro2::{Span, TokenStream};

/// Most errors reported for one invocation; the rest are follow-ons.
const MAX_ERRORS: usize = 32;

/// Accumulates errors of one invocation, deduplicated, in source order of reporting.
#[derive(Default)]
pub struct Ctxt {
    errors: Vec<(String, Span)>,
}

impl Ctxt {
    /// An empty context.
    pub fn new() -> Self {
        Ctxt::default()
    }

    /// Records an error at `span`.
    pub fn error(&mut self, span: Span, message: impl Display) {
        let message = message.to_string();
        let dup = self.errors.iter().any(|(m, s)| *m == message && format!("{s:?}") == format!("{span:?}"));
        if !dup && self.errors.len() < MAX_ERRORS {
            self.errors.push((message, span));
        }
    }

    /// Records a parse error.
    pub fn syn_error(&mut self, error: syn::Error) {
        for e in error {
            self.error(e.span(), e);
        }
    }

    /// True when nothing was recorded.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors, one `syn::Error` combined, if any.
    pub fn into_error(self) -> Option<syn::Error> {
        let mut all: Option<syn::Error> = None;
        for (message, span) in self.errors {
            let e = syn::Error::new(span, message);
            match &mut all {
                Some(all) => all.combine(e),
                None => all = Some(e),
            }
        }
        all
    }

    /// The errors as `compile_error!` invocations.
    pub fn into_compile_errors(self) -> TokenStream {
        self.into_error().map(|e| e.to_compile_error()).unwrap_or_default()
    }

    /// The recorded messages with their spans (for tests).
    #[cfg(test)]
    pub fn messages(&self) -> &[(String, Span)] {
        &self.errors
    }
}

/// `; did you mean `x`?` when one of `candidates` is close to `name`, else "".
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let best = candidates
        .into_iter()
        .filter(|c| {
            let close = strsim::levenshtein(name, c) <= (name.chars().count() / 2).max(1);
            close || strsim::jaro_winkler(name, c) >= 0.8
        })
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, c)) => format!("; did you mean `{c}`?"),
        None => String::new(),
    }
}
