//! Writing a figure to a PNG or SVG file, and the embedded font its text
//! is drawn with.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::PlotError;

/// DejaVu Sans cut down to Latin-1 (`core/assets/README.md`: source, licence).
const FONT: &[u8] = include_bytes!("../../../assets/DejaVuSans-subset.ttf");

/// The font family every figure's text uses.
pub(super) const FAMILY: &str = "sans-serif";

/// A figure that can be drawn on any plotters backend.
pub(super) trait Figure {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);

    /// Why there is nothing to draw, if so (checked before any file is made).
    fn empty_reason(&self) -> Option<String>;

    /// Draws the figure on a white `root`; errors are plotters' messages.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Turns any displayable plotters error into its message.
pub(super) fn message<E: std::fmt::Display>(error: E) -> String {
    error.to_string()
}

/// Registers the embedded font, once per process.
fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FAMILY, FontStyle::Normal, FONT)
                .map_err(|_| "the embedded font is not a valid TrueType font".to_owned())
        })
        .clone()
}

/// Draws `figure` into `path`, PNG or SVG by the extension.
pub(super) fn render(figure: &impl Figure, path: &Path) -> Result<(), PlotError> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if !matches!(extension.as_deref(), Some("png" | "svg")) {
        return Err(PlotError::Format { path: path.to_owned() });
    }
    if let Some(reason) = figure.empty_reason() {
        return Err(PlotError::Empty { path: path.to_owned(), reason });
    }
    let draw_error = |message: String| PlotError::Draw { path: path.to_owned(), message };
    register_font().map_err(draw_error)?;
    let size = figure.size();
    let outcome = if extension.as_deref() == Some("png") {
        draw_and_present(figure, &BitMapBackend::new(path, size).into_drawing_area())
    } else {
        draw_and_present(figure, &SVGBackend::new(path, size).into_drawing_area())
    };
    outcome.map_err(draw_error)
}

fn draw_and_present<DB: DrawingBackend>(figure: &impl Figure, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
    root.fill(&WHITE).map_err(message)?;
    figure.draw(root)?;
    root.present().map_err(message)
}
