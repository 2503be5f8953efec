//! Tables and the small formats they hold: aligned text for terminals, GitHub markdown for
//! pull-request comments, Go-style durations and percentages.

/// A table with a header row; numeric columns are right-aligned.
#[derive(Clone, Debug)]
pub struct Table {
    headers: Vec<String>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these columns; a `>` prefix right-aligns a column (`">Step"`).
    pub fn new(columns: &[&str]) -> Table {
        Table {
            headers: columns.iter().map(|c| c.trim_start_matches('>').to_owned()).collect(),
            right: columns.iter().map(|c| c.starts_with('>')).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (one cell per column).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Aligned columns, each line prefixed with `indent`.
    pub fn text(&self, indent: &str) -> String {
        let headers: Vec<String> = self.headers.iter().map(|h| h.to_uppercase()).collect();
        let widths: Vec<usize> = (0..headers.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                    .chain([headers[i].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in std::iter::once(&headers).chain(&self.rows) {
            let mut line = String::from(indent);
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                let pad = width - cell.chars().count();
                if i > 0 {
                    line.push_str("  ");
                }
                if self.right[i] {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// A GitHub-flavoured markdown table.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let line = |cells: &mut dyn Iterator<Item = String>| {
            let cells: Vec<String> = cells.collect();
            format!("| {} |\n", cells.join(" | "))
        };
        out.push_str(&line(&mut self.headers.iter().map(|h| escape(h))));
        out.push_str(&line(&mut self.right.iter().map(|&r| {
            if r {
                "---:".to_owned()
            } else {
                "---".to_owned()
            }
        })));
        for row in &self.rows {
            out.push_str(&line(&mut row.iter().map(|c| escape(c))));
        }
        out
    }
}

/// A markdown table cell: pipes escaped, line breaks flattened.
fn escape(cell: &str) -> String {
    cell.replace('|', "\\|").replace('\n', " ")
}

/// A percentage without float noise: `2.5 %`, `100 %`.
pub fn percent(p: f64) -> String {
    let text = format!("{p:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    // An empty sum of exposures is -0.0, and tiny negative noise rounds to "-0".
    let text = if text == "-0" { "0" } else { text };
    format!("{text} %")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_hide_float_noise() {
        assert_eq!(percent(2.5), "2.5 %");
        assert_eq!(percent(100.0), "100 %");
        assert_eq!(percent(0.1 + 0.2), "0.3 %");
        assert_eq!(percent(-0.0), "0 %");
    }

    #[test]
    fn markdown_escapes_pipes_and_aligns_numbers() {
        let mut t = Table::new(&["Name", ">Step"]);
        t.row(vec!["a|b".into(), "5 %".into()]);
        assert_eq!(t.markdown(), "| Name | Step |\n| --- | ---: |\n| a\\|b | 5 % |\n");
        assert_eq!(t.text(""), "NAME  STEP\na|b    5 %\n");
    }
}
