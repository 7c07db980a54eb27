//! The four figures, each drawn on any plotters backend.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use super::SearchTrace;
use super::data::{best_so_far, marginals, pareto_front};
use super::render::{FAMILY, Figure, message};

/// The padded range of `values` for an axis (a unit-wide one around a
/// single value).
fn axis(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if !low.is_finite() {
        return 0.0..1.0;
    }
    let pad = if high > low { (high - low) * 0.06 } else { 0.5_f64.max(low.abs() * 0.05) };
    low - pad..high + pad
}

/// `v` with an SI suffix and at most three significant digits (`20k`, `1.5M`).
fn compact(v: f64) -> String {
    let (scaled, suffix) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let text = format!("{scaled:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{suffix}")
}

/// The series' legend, lower right.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(chart: &mut ChartContext<'a, DB, CT>) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FAMILY, 15))
        .draw()
        .map_err(message)
}

/// The best-so-far line of `trace` as steps: `(trial, objective value)`.
fn steps(trace: &SearchTrace) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for (id, score) in best_so_far(&trace.records) {
        let value = trace.objective.value_of(score);
        if let Some(&(_, previous)) = out.last() {
            out.push((id as f64, previous));
        }
        out.push((id as f64, value));
    }
    out
}

/// The highest trial index among `traces`, plus one (at least 1).
fn trial_span(traces: &[&SearchTrace]) -> f64 {
    traces.iter().flat_map(|t| t.records.iter().map(|r| r.trial.id + 1)).max().unwrap_or(1) as f64
}

fn no_scores(traces: &[&SearchTrace]) -> Option<String> {
    let any = traces.iter().any(|t| t.records.iter().any(|r| r.score.is_some()));
    (!any).then(|| "no trial has a score".to_owned())
}

/// Best so far against the trial, one line per search.
pub(super) struct BestSoFarFigure<'a> {
    pub(super) traces: &'a [SearchTrace],
}

impl Figure for BestSoFarFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (900, 540)
    }

    fn empty_reason(&self) -> Option<String> {
        no_scores(&self.traces.iter().collect::<Vec<_>>())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let traces: Vec<&SearchTrace> = self.traces.iter().collect();
        let lines: Vec<Vec<(f64, f64)>> = traces.iter().map(|t| steps(t)).collect();
        let y = axis(lines.iter().flatten().map(|p| p.1));
        let metric = traces.first().map_or("score", |t| t.objective.metric.as_str());
        let mut chart = ChartBuilder::on(root)
            .caption(format!("Best {metric} so far"), (FAMILY, 24))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..trial_span(&traces), y)
            .map_err(message)?;
        chart.configure_mesh().x_desc("trial").y_desc(metric).draw().map_err(message)?;
        for (i, (trace, line)) in traces.iter().zip(&lines).enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(line.iter().copied(), color.stroke_width(2)))
                .map_err(message)?
                .label(trace.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        }
        if traces.len() > 1 || !traces.iter().all(|t| t.name.is_empty()) {
            legend(&mut chart)?;
        }
        Ok(())
    }
}

/// Every trial's score, failed trials marked along the bottom.
pub(super) struct ScoresFigure<'a> {
    pub(super) trace: &'a SearchTrace,
}

impl Figure for ScoresFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (900, 540)
    }

    fn empty_reason(&self) -> Option<String> {
        no_scores(&[self.trace])
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let trace = self.trace;
        let points: Vec<(f64, f64)> = trace.values().map(|(r, v)| (r.trial.id as f64, v)).collect();
        let y = axis(points.iter().map(|p| p.1));
        let bottom = y.start;
        let metric = trace.objective.metric.as_str();
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{metric} of every trial: {}", trace.name), (FAMILY, 22))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..trial_span(&[trace]), y)
            .map_err(message)?;
        chart.configure_mesh().x_desc("trial").y_desc(metric).draw().map_err(message)?;
        let blue = Palette99::pick(0).to_rgba();
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 4, blue.filled())))
            .map_err(message)?
            .label("trial")
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, blue.filled()));
        let orange = Palette99::pick(1).to_rgba();
        chart
            .draw_series(LineSeries::new(steps(trace), orange.stroke_width(2)))
            .map_err(message)?
            .label("best so far")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], orange.stroke_width(2)));
        let failed: Vec<f64> = trace.records.iter().filter(|r| r.score.is_none()).map(|r| r.trial.id as f64).collect();
        if !failed.is_empty() {
            chart
                .draw_series(failed.iter().map(|&x| Cross::new((x, bottom), 5, RED.stroke_width(2))))
                .map_err(message)?
                .label("failed")
                .legend(|(x, y)| Cross::new((x + 10, y), 5, RED.stroke_width(2)));
        }
        legend(&mut chart)?;
        Ok(())
    }
}

/// Score against a cost metric, the Pareto front as a line.
pub(super) struct ParetoFigure<'a> {
    pub(super) trace: &'a SearchTrace,
    pub(super) cost: &'a str,
}

impl ParetoFigure<'_> {
    /// `(cost, objective value, score)` of every scored trial with a positive cost.
    fn points(&self) -> Vec<(f64, f64, f64)> {
        let cost = |r: &super::TrialRecord| r.metrics.get(self.cost).filter(|c| *c > 0.0 && c.is_finite());
        self.trace.values().filter_map(|(r, v)| Some((cost(r)?, v, r.score?))).collect()
    }
}

impl Figure for ParetoFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (900, 540)
    }

    fn empty_reason(&self) -> Option<String> {
        self.points().is_empty().then(|| format!("no trial with a score reports a positive `{}`", self.cost))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let points = self.points();
        let pairs: Vec<(f64, f64)> = points.iter().map(|&(c, _, s)| (c, s)).collect();
        let front: Vec<(f64, f64)> = pareto_front(&pairs).into_iter().map(|i| (points[i].0, points[i].1)).collect();
        let (low, high) = points.iter().fold((f64::INFINITY, 0f64), |(l, h), p| (l.min(p.0), h.max(p.0)));
        let x = (low / 1.3)..(high * 1.3);
        let y = axis(points.iter().map(|p| p.1));
        let metric = self.trace.objective.metric.as_str();
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{metric} against {} (Pareto front)", self.cost), (FAMILY, 22))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x.log_scale(), y)
            .map_err(message)?;
        chart
            .configure_mesh()
            .x_desc(format!("{} (log scale)", self.cost))
            .y_desc(metric)
            .x_label_formatter(&|v| compact(*v))
            .draw()
            .map_err(message)?;
        let grey = BLACK.mix(0.35);
        chart
            .draw_series(points.iter().map(|&(c, v, _)| Circle::new((c, v), 4, grey.filled())))
            .map_err(message)?
            .label("trial")
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, grey.filled()));
        // Steps: each front point holds its value until the next, cheaper-to-dearer.
        let mut line = Vec::new();
        for &(c, v) in &front {
            if let Some(&(_, previous)) = line.last() {
                line.push((c, previous));
            }
            line.push((c, v));
        }
        chart
            .draw_series(LineSeries::new(line, RED.stroke_width(2)))
            .map_err(message)?
            .label("Pareto front")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(2)));
        chart.draw_series(front.iter().map(|&p| Circle::new(p, 5, RED.filled()))).map_err(message)?;
        legend(&mut chart)?;
        Ok(())
    }
}

#[cfg(test)]
#[test]
fn compact_numbers() {
    assert_eq!([20_000.0, 1_500_000.0, 950.0, 2.5e9, 12_345.0].map(compact), ["20k", "1.5M", "950", "2.5G", "12.35k"]);
}

/// Most panels a marginals figure shows (the decisions with the largest spread).
const MAX_PANELS: usize = 24;

/// Panels per row of a marginals figure.
const PANEL_COLUMNS: usize = 3;

/// Mean score per value, one panel per decision.
pub(super) struct MarginalsFigure<'a> {
    pub(super) trace: &'a SearchTrace,
}

impl MarginalsFigure<'_> {
    fn panels(&self) -> usize {
        marginals(&self.trace.records).len().min(MAX_PANELS)
    }
}

/// `text` cut to its last `width` characters (a long path keeps its end).
fn tail(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        text.to_owned()
    } else {
        format!("…{}", text.chars().skip(count + 1 - width).collect::<String>())
    }
}

impl Figure for MarginalsFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (1050, 70 + 230 * self.panels().div_ceil(PANEL_COLUMNS).max(1) as u32)
    }

    fn empty_reason(&self) -> Option<String> {
        (self.panels() == 0).then(|| "no trial with a score made a decision".to_owned())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let trace = self.trace;
        let mut all = marginals(&trace.records);
        all.truncate(MAX_PANELS);
        let value = |score: f64| trace.objective.value_of(score);
        let y = axis(all.iter().flat_map(|m| m.values.iter().map(|v| value(v.1))));
        let metric = trace.objective.metric.as_str();
        let root = root
            .titled(&format!("Mean {metric} per value of each decision (largest spread first)"), (FAMILY, 22))
            .map_err(message)?;
        let rows = all.len().div_ceil(PANEL_COLUMNS);
        for (panel, m) in root.split_evenly((rows, PANEL_COLUMNS)).iter().zip(&all) {
            let labels: Vec<String> = m.values.iter().map(|(v, _, n)| format!("{} ({n})", tail(v, 10))).collect();
            let mut chart = ChartBuilder::on(panel)
                .caption(tail(&m.path, 38), (FAMILY, 15))
                .margin(8)
                .x_label_area_size(28)
                .y_label_area_size(52)
                .build_cartesian_2d((0..m.values.len()).into_segmented(), y.clone())
                .map_err(message)?;
            let formatter = |v: &SegmentValue<usize>| match v {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            };
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_label_formatter(&formatter)
                .y_labels(5)
                .label_style((FAMILY, 12))
                .draw()
                .map_err(message)?;
            let color = Palette99::pick(0).to_rgba().filled();
            let bars = m.values.iter().enumerate().map(|(i, (_, mean, _))| {
                let mut bar = Rectangle::new(
                    [(SegmentValue::Exact(i), y.start), (SegmentValue::Exact(i + 1), value(*mean))],
                    color,
                );
                bar.set_margin(0, 0, 6, 6);
                bar
            });
            chart.draw_series(bars).map_err(message)?;
        }
        Ok(())
    }
}
