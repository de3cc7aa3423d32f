//! Charts as inline SVG, drawn on the server: no CDN, no JavaScript, readable when printed. Pure:
//! labels and numbers in, markup out (every text escaped).

use std::fmt::Write;

/// One bar: its label, its segments (value and CSS colour) stacked left to right.
pub struct Bar {
    pub label: String,
    pub segments: Vec<(f64, &'static str)>,
    /// Printed at the end of the bar (e.g. `38/40`).
    pub note: String,
}

/// Colours used by the dashboard, distinguishable in greyscale print as well.
pub const BLUE: &str = "#0b5cad";
pub const GREEN: &str = "#1f7a3a";
pub const AMBER: &str = "#c77700";
pub const RED: &str = "#b42318";
pub const GREY: &str = "#9aa3af";

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart; `max` is the value of a full-width bar (the largest total when `None`).
pub fn bars(title: &str, rows: &[Bar], max: Option<f64>) -> String {
    let label_w = 150.0;
    let bar_w = 330.0;
    let note_w = 80.0;
    let row_h = 24.0;
    let width = label_w + bar_w + note_w;
    let height = row_h * rows.len().max(1) as f64 + 8.0;
    let top = rows
        .iter()
        .map(|r| r.segments.iter().map(|s| s.0).sum::<f64>())
        .fold(0.0, f64::max);
    let max = max.unwrap_or(top).max(1.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        escape(title),
        escape(title)
    );
    if rows.is_empty() {
        let _ = write!(svg, r##"<text x="4" y="18" font-size="13" fill="#5b6472">—</text>"##);
    }
    for (i, r) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * row_h;
        let label: String = r.label.chars().take(14).collect();
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" font-size="13" text-anchor="end" fill="#1d2430">{}</text>"##,
            label_w - 6.0,
            y + 15.0,
            escape(&label)
        );
        let _ = write!(
            svg,
            r##"<rect x="{label_w}" y="{}" width="{bar_w}" height="16" fill="#eef1f5"/>"##,
            y + 2.0
        );
        let mut x = label_w;
        for (value, colour) in &r.segments {
            let w = (value / max * bar_w).clamp(0.0, bar_w - (x - label_w));
            if w > 0.0 {
                let _ = write!(
                    svg,
                    r#"<rect x="{x:.1}" y="{}" width="{w:.1}" height="16" fill="{colour}"/>"#,
                    y + 2.0
                );
            }
            x += w;
        }
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" font-size="12" fill="#1d2430">{}</text>"##,
            label_w + bar_w + 6.0,
            y + 15.0,
            escape(&r.note)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A legend for stacked bars.
pub fn legend(items: &[(&str, &'static str)]) -> String {
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

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = bars(
            "fill <test>",
            &[
                Bar {
                    label: "数控<技术>".into(),
                    segments: vec![(30.0, BLUE), (10.0, GREY)],
                    note: "30/40".into(),
                },
                Bar {
                    label: "护理".into(),
                    segments: vec![(20.0, BLUE)],
                    note: "20/20".into(),
                },
            ],
            None,
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("数控&lt;技术&gt;") && svg.contains("fill &lt;test&gt;"));
        assert!(!svg.contains("<技术>"));
        // The first bar's blue part is 30/40 of the width: 247.5 of 330.
        assert!(svg.contains(r#"width="247.5""#), "{svg}");
        assert!(bars("empty", &[], None).contains("—"));
    }
}
