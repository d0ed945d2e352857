//! The charts, drawn by plotters' SVG backend: each ladder's rung over time above how
//! hard each answered step felt, on one time axis. Every coordinate is an integer.

use chrono::TimeDelta;
use plotters::coord::combinators::{BindKeyPoints, WithKeyPoints};
use plotters::coord::types::RangedCoordi32;
use plotters::prelude::*;

use super::append;
use super::facts::{DAY, Facts, LadderFacts};
use crate::journal::AnswerKind;
use crate::markup::html as escape;

/// The chart colours: plotters writes them as `#RRGGBB` attributes; the page's CSS
/// swaps each for its dark-mode twin (`dark_chart_css`).
struct Swatch {
    light: RGBColor,
    dark: &'static str,
}

const LINE: Swatch = Swatch {
    light: RGBColor(0x3B, 0x6E, 0xA5),
    dark: "#8DB4E2",
};
const DONE: Swatch = Swatch {
    light: RGBColor(0x2E, 0x7D, 0x5B),
    dark: "#6CCB9F",
};
const HARD: Swatch = Swatch {
    light: RGBColor(0xB5, 0x65, 0x1D),
    dark: "#E3A869",
};
const SKIP: Swatch = Swatch {
    light: RGBColor(0x7A, 0x82, 0x8C),
    dark: "#9AA4AE",
};
const GRID: Swatch = Swatch {
    light: RGBColor(0xE1, 0xE5, 0xEA),
    dark: "#30363D",
};
const AXIS: Swatch = Swatch {
    light: RGBColor(0xA9, 0xB1, 0xBA),
    dark: "#5A626B",
};
const LABEL: Swatch = Swatch {
    light: RGBColor(0x57, 0x60, 0x6A),
    dark: "#AEB7C0",
};
/// The card behind the charts, to fill the ring of a skipped step.
const CARD: Swatch = Swatch {
    light: RGBColor(0xFF, 0xFF, 0xFF),
    dark: "#1C2026",
};
const SWATCHES: [&Swatch; 8] = [&LINE, &DONE, &HARD, &SKIP, &GRID, &AXIS, &LABEL, &CARD];

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

pub(super) fn dark_chart_css() -> String {
    let mut css = String::from("@media (prefers-color-scheme: dark) {\n");
    for s in SWATCHES {
        let light = hex(s.light);
        append(
            &mut css,
            format_args!(
                "  svg [fill=\"{light}\"] {{ fill: {d}; }}\n  svg [stroke=\"{light}\"] {{ stroke: {d}; }}\n",
                d = s.dark
            ),
        );
    }
    css.push_str("}\n");
    css
}

const WIDTH: u32 = 760;
const RUNG_HEIGHT: u32 = 200;
const FELT_HEIGHT: u32 = 130;
const Y_LABELS: u32 = 56;
/// The y axes count tenths (of a rung, of a distress point), so a little room can be left
/// above and below the values while every coordinate stays an integer.
const TENTH: i32 = 10;

type ChartError = Box<dyn std::error::Error>;
type Axis = WithKeyPoints<RangedCoordi32>;
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

/// One ladder: the rung over time above, how hard each answered step felt below, on one
/// time axis.
pub(super) fn ladder_chart(l: &LadderFacts, f: &Facts) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, RUNG_HEIGHT + FELT_HEIGHT))
            .into_drawing_area();
        let (upper, lower) = root.split_vertically(RUNG_HEIGHT);
        let width = i32::try_from(f.days).unwrap_or(i32::MAX / DAY) * DAY;
        let first = f.first;
        let date_label = move |x: &i32| {
            (first + TimeDelta::days(i64::from(x.div_euclid(DAY))))
                .format("%-d %b")
                .to_string()
        };
        let tenths = |y: &i32| (y / TENTH).to_string();
        let font = |size: u32| ("sans-serif", size).into_font().color(&LABEL.light);

        // The rung: up to two above the highest reached (at least five), not always the
        // ladder's top, so that a move of one rung can be seen.
        let peak = l
            .line
            .iter()
            .map(|p| p.1)
            .chain(l.answers.iter().filter_map(|a| a.rung))
            .max()
            .unwrap_or(1);
        let shown = l.top.min(peak.saturating_add(2).max(5));
        let top = i32::from(shown) * TENTH;
        let rung_ticks: Vec<i32> = (1..=i32::from(shown))
            .filter(|r| shown <= 8 || r % 2 == 1)
            .map(|r| r * TENTH)
            .collect();
        let floor = TENTH / 2;
        let mut chart = ChartBuilder::on(&upper)
            .margin_top(12)
            .margin_right(18)
            .margin_left(6)
            .x_label_area_size(0)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(
                (0..width).with_key_points(day_ticks(f.days)),
                (floor..top + TENTH / 2).with_key_points(rung_ticks),
            )?;
        chart
            .configure_mesh()
            .bold_line_style(GRID.light.stroke_width(1))
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS.light.stroke_width(1))
            .y_desc("rung")
            .y_label_formatter(&tenths)
            .y_label_style(font(13))
            .axis_desc_style(font(13))
            .draw()?;
        let line: Vec<(i32, i32)> = l
            .line
            .iter()
            .map(|&(x, rung)| (x, i32::from(rung) * TENTH))
            .collect();
        chart.draw_series(AreaSeries::new(
            line.iter().copied(),
            floor,
            LINE.light.mix(0.12).filled(),
        ))?;
        chart.draw_series(LineSeries::new(
            line.iter().copied(),
            LINE.light.stroke_width(3),
        ))?;
        for a in &l.answers {
            let y = i32::from(a.rung.unwrap_or(l.now_rung)) * TENTH;
            draw_marker(&mut chart, a.kind, (a.x, y))?;
        }

        // How hard each step felt.
        let mut chart = ChartBuilder::on(&lower)
            .margin_top(8)
            .margin_right(18)
            .margin_left(6)
            .x_label_area_size(30)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(
                (0..width).with_key_points(day_ticks(f.days)),
                (-8..108).with_key_points(vec![0, 50, 100]),
            )?;
        chart
            .configure_mesh()
            .bold_line_style(GRID.light.stroke_width(1))
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS.light.stroke_width(1))
            .y_desc("how hard")
            .x_label_formatter(&date_label)
            .y_label_formatter(&tenths)
            .x_label_style(font(13))
            .y_label_style(font(13))
            .axis_desc_style(font(13))
            .draw()?;
        for a in &l.answers {
            if let Some(d) = a.distress {
                draw_marker(&mut chart, a.kind, (a.x, i32::from(d.get()) * TENTH))?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}

/// Where the dates go: at noon of today and of every week (or day) before it.
fn day_ticks(days: u32) -> Vec<i32> {
    let step = if days <= 8 { 1 } else { 7 * days.div_ceil(56) };
    let mut ticks: Vec<i32> = (0..days)
        .rev()
        .step_by(step as usize)
        .filter_map(|d| i32::try_from(d).ok())
        .map(|d| d * DAY + DAY / 2)
        .collect();
    ticks.reverse();
    ticks
}

/// A filled circle for done, a triangle for hard, a ring for skipped: told apart by
/// shape as well as colour.
fn draw_marker(chart: &mut Chart, kind: AnswerKind, at: (i32, i32)) -> Result<(), ChartError> {
    match kind {
        AnswerKind::Done => {
            chart.draw_series(std::iter::once(Circle::new(at, 5, DONE.light.filled())))?;
        }
        AnswerKind::Hard => {
            chart.draw_series(std::iter::once(TriangleMarker::new(
                at,
                7,
                HARD.light.filled(),
            )))?;
        }
        AnswerKind::Skip => {
            chart.draw_series(std::iter::once(Circle::new(at, 5, CARD.light.filled())))?;
            chart.draw_series(std::iter::once(Circle::new(
                at,
                5,
                SKIP.light.stroke_width(2),
            )))?;
        }
        AnswerKind::Snooze | AnswerKind::NoChance => {}
    }
    Ok(())
}

/// Makes plotters' standalone SVG fit inline HTML: no namespace URL (inline SVG needs
/// none, and the page holds no address), a role and a label for screen readers.
pub(super) fn tidy_svg(svg: &str, label: &str) -> String {
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
        .replacen(
            "<svg ",
            &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(label)),
            1,
        )
}
