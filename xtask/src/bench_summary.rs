//! The medians of a benchmark repeated over rounds: each row of the bench binaries' tables,
//! grouped by case, with each figure's median and the first column's change against the first
//! case (the baseline the bench measures in the same run).
//!
//! On a shared 2-vCPU machine one round can be 30 % off; the median of many is the figure that
//! `docs/*-benchmarks.md` records, and computing it here keeps that figure mechanical.

/// The rows seen so far, by case, in the order the cases first appeared.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    /// The column names of the first table seen (case name first).
    header: Vec<String>,
    cases: Vec<(String, Vec<Vec<f64>>)>,
}

impl Summary {
    /// Takes the table rows in one run's output: `| case | n | n | … |` lines whose cells after
    /// the first are all numbers. Header and separator lines only set the column names.
    pub(crate) fn add_output(&mut self, output: &str) {
        for line in output.lines() {
            let Some(cells) = table_cells(line) else {
                continue;
            };
            let Some((case, figures)) = cells.split_first() else {
                continue;
            };
            let numbers: Option<Vec<f64>> = figures
                .iter()
                .map(|cell| cell.replace(',', "").parse::<f64>().ok())
                .collect();
            match numbers {
                Some(numbers) if !numbers.is_empty() => self.add_row(case, numbers),
                _ if self.header.is_empty() && !cells.iter().all(|c| c.starts_with("---")) => {
                    self.header = cells.iter().map(|cell| (*cell).to_owned()).collect();
                }
                _ => {}
            }
        }
    }

    fn add_row(&mut self, case: &str, numbers: Vec<f64>) {
        let case = without_round(case);
        match self.cases.iter_mut().find(|(name, _)| name == case) {
            Some((_, rows)) => rows.push(numbers),
            None => self.cases.push((case.to_owned(), vec![numbers])),
        }
    }

    /// The medians as a Markdown table; `None` when no case ran more than once (nothing to add
    /// to what the runs printed).
    pub(crate) fn render(&self) -> Option<String> {
        if self.cases.iter().all(|(_, rows)| rows.len() < 2) {
            return None;
        }
        let columns = self.cases.iter().map(|(_, rows)| rows[0].len()).max()?;
        let mut text = String::new();
        let mut header = vec!["case (median of rounds)".to_owned(), "rounds".to_owned()];
        for column in 0..columns {
            let name = self
                .header
                .get(column + 1)
                .cloned()
                .unwrap_or_else(|| format!("column {}", column + 1));
            header.push(name.clone());
            if column == 0 {
                header.push(format!("{name} vs first case"));
            }
        }
        text.push_str(&format!("| {} |\n", header.join(" | ")));
        text.push_str(&format!("|{}\n", " --- |".repeat(header.len())));
        let baseline = self
            .cases
            .first()
            .and_then(|(_, rows)| median(rows.iter().filter_map(|row| row.first().copied())));
        for (case, rows) in &self.cases {
            let mut cells = vec![case.clone(), rows.len().to_string()];
            for column in 0..columns {
                let value = median(rows.iter().filter_map(|row| row.get(column).copied()));
                cells.push(value.map_or_else(String::new, format_figure));
                if column == 0 {
                    cells.push(match (value, baseline) {
                        (Some(value), Some(base)) if base != 0.0 => {
                            format!("{:+.1} %", (value / base - 1.0) * 100.0)
                        }
                        _ => String::new(),
                    });
                }
            }
            text.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        Some(text)
    }
}

/// The cells of a Markdown table line, trimmed; `None` for any other line.
fn table_cells(line: &str) -> Option<Vec<&str>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    Some(inner.split('|').map(str::trim).collect())
}

/// The case name without the bench binary's ` (round N)` suffix.
fn without_round(case: &str) -> &str {
    match case.rfind(" (round ") {
        Some(at) if case.ends_with(')') => &case[..at],
        _ => case,
    }
}

fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut values: Vec<f64> = values.collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    })
}

/// A figure as the tables print them: whole numbers above 100, else three decimals.
fn format_figure(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = "\
worker runtime benchmark: 20000 no-op tasks
| case | tasks/s | worker CPU ms/task |
| --- | ---: | ---: |
| TaskHandler (round 1) | 20000 | 0.040 |
| TaskHandler, tracing on (round 1) | 18000 | 0.050 |
";

    #[test]
    fn medians_group_rows_by_case_and_compare_with_the_first() {
        let mut summary = Summary::default();
        summary.add_output(RUN);
        summary.add_output(&RUN.replace("20000 |", "24000 |").replace("18000", "21000"));
        summary.add_output(&RUN.replace("20000 |", "22000 |").replace("18000", "19800"));
        let table = summary.render().expect("three rounds make a summary");
        let rows: Vec<&str> = table.lines().collect();
        assert_eq!(
            rows[0],
            "| case (median of rounds) | rounds | tasks/s | tasks/s vs first case | worker CPU ms/task |"
        );
        assert_eq!(rows[2], "| TaskHandler | 3 | 22000 | +0.0 % | 0.040 |");
        assert_eq!(
            rows[3],
            "| TaskHandler, tracing on | 3 | 19800 | -10.0 % | 0.050 |"
        );
    }

    #[test]
    fn one_round_adds_nothing() {
        let mut summary = Summary::default();
        summary.add_output(RUN);
        assert!(summary.render().is_none());
    }

    #[test]
    fn an_even_count_takes_the_mean_of_the_middle_two() {
        assert_eq!(median([4.0, 1.0, 3.0, 2.0].into_iter()), Some(2.5));
        assert_eq!(median(std::iter::empty()), None);
    }
}
