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
    /// The case the rounds are compared with, round by round ([`Summary::with_round_reference`]).
    round_reference: Option<usize>,
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
        let case = case_key(case);
        match self.cases.iter_mut().find(|(name, _)| *name == case) {
            Some((_, rows)) => rows.push(numbers),
            None => self.cases.push((case, vec![numbers])),
        }
    }

    /// Adds a column: each case's first figure against the `index`-th case's in the same round
    /// (the median of the rounds' changes, and their middle half). Runs that alternate cases
    /// round by round share the machine's state of that moment, which a median of each case
    /// over all rounds does not cancel.
    pub(crate) fn with_round_reference(mut self, index: usize) -> Self {
        self.round_reference = Some(index);
        self
    }

    /// The round-by-round column of [`with_round_reference`](Self::with_round_reference).
    fn round_changes(&self, rows: &[Vec<f64>]) -> Option<String> {
        let (_, reference) = self.cases.get(self.round_reference?)?;
        let mut changes: Vec<f64> = rows
            .iter()
            .zip(reference)
            .filter_map(|(row, base)| match (row.first(), base.first()) {
                (Some(value), Some(base)) if *base != 0.0 => Some(value / base - 1.0),
                _ => None,
            })
            .collect();
        if changes.is_empty() {
            return None;
        }
        changes.sort_by(f64::total_cmp);
        let at = |quantile: f64| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let rank = ((changes.len() - 1) as f64 * quantile).round() as usize;
            changes[rank] * 100.0
        };
        Some(format!(
            "{:+.1} % [{:+.1} %, {:+.1} %]",
            at(0.5),
            at(0.25),
            at(0.75)
        ))
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
                if let Some((reference, _)) =
                    self.round_reference.and_then(|index| self.cases.get(index))
                {
                    header.push(format!(
                        "{name} vs {reference}, same round (median [middle half])"
                    ));
                }
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
                    if self.round_reference.is_some() {
                        cells.push(self.round_changes(rows).unwrap_or_default());
                    }
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

/// The case a row belongs to: its name without the round, and without the figures a run adds
/// to it (`, 1.00 spans/task`, `, 12 spans dropped`), which differ from round to round.
fn case_key(case: &str) -> String {
    without_round(case)
        .split(", ")
        .filter(|part| {
            let mut words = part.split(' ');
            let counted = words.next().is_some_and(|n| n.parse::<f64>().is_ok());
            !(counted && matches!(words.next(), Some("spans/task" | "spans")))
        })
        .collect::<Vec<_>>()
        .join(", ")
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
    fn rounds_group_whatever_their_span_counts_and_compare_with_the_reference_round_by_round() {
        let run = |off: u32, on: u32, spans: &str| {
            format!(
                "| case | tasks/s |\n| --- | ---: |\n| off (round 1) | {off} |\n| on (info, simple), {spans} spans/task, 3 spans dropped (round 1) | {on} |\n"
            )
        };
        let mut summary = Summary::default().with_round_reference(0);
        // The host's speed moves from round to round; the change within a round is -6 % to
        // -14 %, and the medians of the cases over all rounds say -14 %.
        for (off, on, spans) in [
            (20000, 17200, "1.00"),
            (10000, 8800, "1.01"),
            (30000, 27000, "0.99"),
            (20000, 18400, "1.00"),
            (10000, 9400, "1.00"),
        ] {
            summary.add_output(&run(off, on, spans));
        }
        let table = summary.render().expect("five rounds make a summary");
        let rows: Vec<&str> = table.lines().collect();
        assert_eq!(rows.len(), 4, "{table}");
        assert_eq!(
            rows[0],
            "| case (median of rounds) | rounds | tasks/s | tasks/s vs first case | tasks/s vs off, same round (median [middle half]) |"
        );
        assert_eq!(
            rows[2],
            "| off | 5 | 20000 | +0.0 % | +0.0 % [+0.0 %, +0.0 %] |"
        );
        assert_eq!(
            rows[3],
            "| on (info, simple) | 5 | 17200 | -14.0 % | -10.0 % [-12.0 %, -8.0 %] |"
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
