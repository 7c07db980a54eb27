//! The error context: errors accumulate here and are reported together.

use std::fmt::Display;

use proc_macro2::{Span, TokenStream};

/// Most errors reported for one invocation; the rest are follow-ons.
const MAX_ERRORS: usize = 32;

/// Whether the code at fault can still be emitted for rustc to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The statement would not type-check (or would repeat this error as
    /// rustc's): it is left out of the expansion.
    Breaks,
    /// A mistake of values or wiring: the statement still type-checks, so
    /// it stays in the expansion and rustc checks its typed parts.
    Sound,
}

/// One recorded error.
struct Diagnostic {
    message: String,
    note: Option<String>,
    span: Span,
}

/// Accumulates errors of one invocation, deduplicated, in source order of reporting.
#[derive(Default)]
pub struct Ctxt {
    errors: Vec<Diagnostic>,
    /// Errors of kind [`Fault::Breaks`] reported so far, kept or not (the
    /// checker compares counts to tell which statements broke).
    breaks: usize,
}

impl Ctxt {
    /// An empty context.
    pub fn new() -> Self {
        Ctxt::default()
    }

    /// Records an error at `span` that keeps the statement out of the expansion.
    pub fn error(&mut self, span: Span, message: impl Display) {
        self.report(Fault::Breaks, span, message, None::<&str>);
    }

    /// Like [`error`](Self::error), with a note that says how to fix it.
    pub fn error_note(&mut self, span: Span, message: impl Display, note: impl Display) {
        self.report(Fault::Breaks, span, message, Some(note));
    }

    /// Records an error after which the statement still type-checks.
    pub fn sound(&mut self, span: Span, message: impl Display, note: impl Display) {
        self.report(Fault::Sound, span, message, Some(note));
    }

    /// Records an error of kind `fault`, with an optional note.
    pub fn report(&mut self, fault: Fault, span: Span, message: impl Display, note: Option<impl Display>) {
        if fault == Fault::Breaks {
            self.breaks += 1;
        }
        let message = message.to_string();
        let note = note.map(|n| n.to_string());
        let dup = self.errors.iter().any(|d| d.message == message && same_span(d.span, span));
        if !dup && self.errors.len() < MAX_ERRORS {
            self.errors.push(Diagnostic { message, note, span });
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

    /// How many errors of kind [`Fault::Breaks`] were reported so far.
    pub fn breaks(&self) -> usize {
        self.breaks
    }

    /// Sets the count of [`Fault::Breaks`] errors back to `count`: those
    /// reported since were settled (by leaving out the statements of a
    /// nested body) and must not leave out the statement around it.
    pub fn forget_breaks_since(&mut self, count: usize) {
        self.breaks = count;
    }

    /// The errors, one `syn::Error` combined, if any. A note follows its
    /// message on a line of its own, as rustc prints notes.
    pub fn into_error(self) -> Option<syn::Error> {
        let mut all: Option<syn::Error> = None;
        for Diagnostic { message, note, span } in self.errors {
            let text = match note {
                Some(note) => format!("{message}\n= note: {note}"),
                None => message,
            };
            let e = syn::Error::new(span, text);
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

    /// The recorded messages (without notes) with their spans (for tests).
    #[cfg(test)]
    pub fn messages(&self) -> Vec<(String, Span)> {
        self.errors.iter().map(|d| (d.message.clone(), d.span)).collect()
    }

    /// The recorded notes, in order (for tests).
    #[cfg(test)]
    pub fn notes(&self) -> Vec<Option<String>> {
        self.errors.iter().map(|d| d.note.clone()).collect()
    }
}

fn same_span(a: Span, b: Span) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// `; did you mean `x`?` when one of `candidates` is close to `name`, else "".
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    match closest(name, candidates) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => String::new(),
    }
}

/// The candidate closest to `name`, if one is close enough to be meant.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| {
            let close = strsim::levenshtein(name, c) <= (name.chars().count() / 2).max(1);
            close || strsim::jaro_winkler(name, c) >= 0.8
        })
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
