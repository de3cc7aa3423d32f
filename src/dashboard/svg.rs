//! Charts as inline SVG, drawn on the server: no CDN, no JavaScript, readable when printed. Pure:
//! labels and numbers in, markup out (every text escaped). The caller translates every word.

use std::fmt::Write;

/// One bar: its label, its segments (value and CSS colour) stacked left to right.
pub struct Bar {
    pub label: String,
    pub segments: Vec<(f64, &'static str)>,
    /// Printed at the end of the bar (e.g. `38/40`).
    pub note: String,
    /// The list behind the bar, if there is one.
    pub href: Option<String>,
}

/// What a full-width bar stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// The largest bar's total: bars compare with each other (counts of one thing).
    Largest,
    /// Each bar's own total: every bar is a share of its own whole (seats filled of capacity).
    Own,
}

/// Colours used by the dashboard, distinguishable in greyscale print as well.
pub const BLUE: &str = "#0b5cad";
pub const GREEN: &str = "#1f7a3a";
pub const AMBER: &str = "#c77700";
pub const RED: &str = "#b42318";
pub const GREY: &str = "#9aa3af";
/// The unfilled part of a bar drawn against its own total.
pub const EMPTY: &str = "#cfd8e3";

/// The width of the label column, of a full bar and of the note, in the chart's own units.
const LABEL_W: f64 = 150.0;
pub const BAR_W: f64 = 290.0;
const NOTE_W: f64 = 80.0;
/// Text size in chart units: the chart is drawn about as wide as its units on a 1366-px screen,
/// so this stays at 13 px or more there.
const FONT: f64 = 15.0;
const ROW_H: f64 = 26.0;
/// How wide a label left of its bar may be, a CJK character counting two.
const LABEL_WIDTH: usize = 18;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A label cut to `max` widths (a CJK character counting two), with an ellipsis when cut.
fn fit(label: &str, max: usize) -> String {
    let mut width = 0;
    let mut out = String::new();
    for c in label.chars() {
        width += if c.is_ascii() { 1 } else { 2 };
        if width > max {
            out.push('…');
            return out;
        }
        out.push(c);
    }
    out
}

/// Where a chart's parts go, in its own units.
struct Layout {
    /// Extra CSS class (the narrow layout is shown on phones only).
    class: &'static str,
    label_w: f64,
    bar_w: f64,
    note_w: f64,
    row_h: f64,
    /// The label on its own line above the bar (narrow) or left of it (wide).
    label_above: bool,
    /// How wide a label may be, a CJK character counting two.
    label_chars: usize,
}

/// Label left of the bar: on a laptop the chart is drawn at about its own size.
const WIDE: Layout = Layout {
    class: "chart",
    label_w: LABEL_W,
    bar_w: BAR_W,
    note_w: NOTE_W,
    row_h: ROW_H,
    label_above: false,
    label_chars: LABEL_WIDTH,
};

/// Label above the bar, 300 units wide: on a 360-px phone the text stays about 14 px.
const NARROW: Layout = Layout {
    class: "chart chart-narrow",
    label_w: 0.0,
    bar_w: 220.0,
    note_w: 80.0,
    row_h: 42.0,
    label_above: true,
    label_chars: 36,
};

/// A horizontal bar chart, twice: for wide screens and print (`chart`), and for phones
/// (`chart chart-narrow`, hidden elsewhere by the style sheet).
pub fn bars(title: &str, rows: &[Bar], scale: Scale) -> String {
    let mut svg = draw(&WIDE, title, rows, scale);
    svg.push_str(&draw(&NARROW, title, rows, scale));
    svg
}

fn draw(l: &Layout, title: &str, rows: &[Bar], scale: Scale) -> String {
    let width = l.label_w + l.bar_w + l.note_w;
    let height = l.row_h * rows.len().max(1) as f64 + 8.0;
    let total = |r: &Bar| r.segments.iter().map(|s| s.0).sum::<f64>();
    let largest = rows.iter().map(total).fold(0.0, f64::max);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="{class}" role="img" aria-label="{t}" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        class = l.class,
        t = escape(title)
    );
    if rows.is_empty() {
        let _ = write!(
            svg,
            r##"<text x="4" y="18" font-size="{FONT}" fill="#5b6472">—</text>"##
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let max = match scale {
            Scale::Largest => largest,
            Scale::Own => total(r),
        }
        .max(1.0);
        let top = 4.0 + i as f64 * l.row_h;
        // The bar's top; the label's baseline.
        let (y, label_x, label_y, anchor) = if l.label_above {
            (top + 20.0, 0.0, top + 15.0, "start")
        } else {
            (top, l.label_w - 6.0, top + 16.0, "end")
        };
        if let Some(href) = &r.href {
            let _ = write!(svg, r#"<a href="{}">"#, escape(href));
        }
        let label = fit(&r.label, l.label_chars);
        let _ = write!(
            svg,
            r##"<text x="{label_x}" y="{label_y}" font-size="{FONT}" text-anchor="{anchor}" fill="#1d2430">{}</text>"##,
            escape(&label)
        );
        let _ = write!(
            svg,
            r##"<rect x="{}" y="{}" width="{}" height="18" fill="#eef1f5"/>"##,
            l.label_w,
            y + 2.0,
            l.bar_w
        );
        let mut x = l.label_w;
        for (value, colour) in &r.segments {
            let w = (value / max * l.bar_w).clamp(0.0, l.bar_w - (x - l.label_w));
            if w > 0.0 {
                let _ = write!(
                    svg,
                    r#"<rect x="{x:.1}" y="{}" width="{w:.1}" height="18" fill="{colour}"/>"#,
                    y + 2.0
                );
            }
            x += w;
        }
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" font-size="{FONT}" fill="#1d2430">{}</text>"##,
            l.label_w + l.bar_w + 6.0,
            y + 16.0,
            escape(&r.note)
        );
        if r.href.is_some() {
            svg.push_str("</a>");
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A legend for stacked bars.
pub fn legend(items: &[(String, &'static str)]) -> String {
    let mut out = String::from(r#"<p class="legend">"#);
    for (label, colour) in items {
        let _ = write!(
            out,
            r#"<span><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="{colour}"/></svg> {}</span> "#,
            escape(label)
        );
    }
    out.push_str("</p>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, segments: Vec<(f64, &'static str)>) -> Bar {
        Bar {
            label: label.into(),
            segments,
            note: String::new(),
            href: None,
        }
    }

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = bars(
            "fill <test>",
            &[
                bar("数控<技术>", vec![(30.0, BLUE), (10.0, GREY)]),
                bar("护理", vec![(20.0, BLUE)]),
            ],
            Scale::Largest,
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<svg class=\"chart\"").count(), 1);
        assert_eq!(svg.matches("<svg class=\"chart chart-narrow\"").count(), 1);
        assert!(svg.contains("数控&lt;技术&gt;") && svg.contains("fill &lt;test&gt;"));
        assert!(!svg.contains("<技术>"));
        // The first bar's blue part is 30/40 of the width; the second bar half of it.
        assert!(svg.contains(r#"width="217.5""#), "{svg}");
        assert!(svg.contains(r##"width="145.0" height="18" fill="#0b5cad""##), "{svg}");
        assert!(bars("empty", &[], Scale::Largest).contains("—"));
    }

    #[test]
    fn a_full_programme_draws_a_full_bar_whatever_the_largest_is() {
        let svg = bars(
            "fill",
            &[
                bar("大", vec![(260.0, BLUE), (0.0, EMPTY)]),
                bar("小", vec![(20.0, BLUE), (0.0, EMPTY)]),
                bar("半", vec![(10.0, BLUE), (10.0, EMPTY)]),
            ],
            Scale::Own,
        );
        assert_eq!(
            svg.matches(r##"width="290.0" height="18" fill="#0b5cad""##).count(),
            2,
            "{svg}"
        );
        assert!(svg.contains(r##"width="145.0" height="18" fill="#0b5cad""##), "{svg}");
    }

    #[test]
    fn a_bar_with_a_list_behind_it_links_there_and_long_labels_are_cut() {
        let mut b = bar("巩义市第一中等职业学校数控技术应用", vec![(1.0, BLUE)]);
        b.href = Some("/ledger?state=open&intake_year=2026".into());
        let svg = bars("t", &[b], Scale::Largest);
        assert!(
            svg.contains(r#"<a href="/ledger?state=open&amp;intake_year=2026">"#),
            "{svg}"
        );
        assert!(svg.contains("巩义市第一中等职业…"), "{svg}");
        assert!(svg.contains(r#"font-size="15""#));
    }
}
