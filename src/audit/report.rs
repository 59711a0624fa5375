//! The audit's report: one row per session, a summary per verdict and per
//! account and Region, the errors met on the way; as a table, JSON or CSV.

use super::classify::Verdict;
use super::window::iso;
use serde::Serialize;
use std::collections::BTreeMap;

/// One session and the verdict on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub account: String,
    pub region: String,
    pub session_id: String,
    pub owner: String,
    pub target: String,
    pub document: String,
    /// `Standard` or `JustInTime`.
    pub access_type: String,
    pub start: String,
    pub end: String,
    pub status: String,
    pub reason: String,
    pub verdict: Verdict,
    /// The transcript's key in the bucket, when found.
    pub transcript: String,
    /// Whether its CloudWatch Logs stream exists; absent without CloudWatch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_stream: Option<bool>,
    pub note: String,
}

/// An account and Region (or a whole account) that could not be audited.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Failure {
    pub account: String,
    pub region: String,
    pub doing: String,
    pub error: String,
}

/// Sessions per verdict in one account and Region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub sessions: usize,
    pub found: usize,
    pub missing: usize,
    pub pending: usize,
    pub not_loggable: usize,
}

impl Counts {
    fn add(&mut self, verdict: Verdict) {
        self.sessions += 1;
        match verdict {
            Verdict::Found => self.found += 1,
            Verdict::Missing => self.missing += 1,
            Verdict::Pending => self.pending += 1,
            Verdict::NotLoggable => self.not_loggable += 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    pub account: String,
    pub region: String,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub since: String,
    pub until: String,
    pub bucket: String,
    pub accounts: usize,
    pub regions: Vec<String>,
    pub sessions: Vec<Row>,
    pub total: Counts,
    /// Per account and Region with at least one session.
    pub places: Vec<Place>,
    pub errors: Vec<Failure>,
}

impl Report {
    /// A report from rows and failures in any order: sorted, and summed up.
    pub fn new(
        window: super::window::Window,
        bucket: &str,
        accounts: usize,
        regions: Vec<String>,
        mut sessions: Vec<Row>,
        mut errors: Vec<Failure>,
    ) -> Report {
        sessions.sort_by(|a, b| {
            (&a.account, &a.region, &a.start, &a.session_id).cmp(&(
                &b.account,
                &b.region,
                &b.start,
                &b.session_id,
            ))
        });
        errors.sort();
        let mut total = Counts::default();
        let mut by_place: BTreeMap<(String, String), Counts> = BTreeMap::new();
        for row in &sessions {
            total.add(row.verdict);
            by_place
                .entry((row.account.clone(), row.region.clone()))
                .or_default()
                .add(row.verdict);
        }
        Report {
            since: iso(window.since),
            until: iso(window.until),
            bucket: bucket.to_owned(),
            accounts,
            regions,
            sessions,
            total,
            places: by_place
                .into_iter()
                .map(|((account, region), counts)| Place {
                    account,
                    region,
                    counts,
                })
                .collect(),
            errors,
        }
    }

    /// Whether every loggable session left a transcript (pending ones aside).
    pub fn complete(&self) -> bool {
        self.total.missing == 0
    }
}

/// The owner as people read it: `Admin/alice` for an assumed role's session.
fn short_owner(owner: &str) -> &str {
    match owner.find(":assumed-role/") {
        Some(i) => &owner[i + ":assumed-role/".len()..],
        None => owner.rsplit(':').next().unwrap_or(owner),
    }
}

/// Rows of cells as aligned columns, two spaces apart.
fn columns(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn summary_line(counts: &Counts) -> String {
    format!(
        "{} sessions: {} found, {} missing, {} pending, {} not loggable",
        counts.sessions, counts.found, counts.missing, counts.pending, counts.not_loggable
    )
}

/// The report for people.
pub fn table(report: &Report) -> String {
    let mut out = format!(
        "Sessions from {} to {} in {} account(s) × {} Region(s), transcripts in {}:\n",
        report.since,
        report.until,
        report.accounts,
        report.regions.len(),
        report.bucket
    );
    let mut rows = vec![[
        "account", "region", "session", "owner", "target", "document", "access", "start", "end",
        "verdict",
    ]
    .map(str::to_owned)
    .to_vec()];
    for s in &report.sessions {
        rows.push(vec![
            s.account.clone(),
            s.region.clone(),
            s.session_id.clone(),
            short_owner(&s.owner).to_owned(),
            s.target.clone(),
            s.document.clone(),
            s.access_type.clone(),
            s.start.clone(),
            s.end.clone(),
            s.verdict.name().to_owned(),
        ]);
    }
    if report.sessions.is_empty() {
        out.push_str("no sessions in the window\n");
    } else {
        out.push_str(&columns(&rows));
    }
    out.push_str("\nPer account and Region:\n");
    out.push_str(&places_table(&report.places));
    for s in report
        .sessions
        .iter()
        .filter(|s| s.verdict == Verdict::Missing)
    {
        out.push_str(&format!(
            "✘ {} {} {}: no transcript{}\n",
            s.account,
            s.region,
            s.session_id,
            if s.note.is_empty() {
                String::new()
            } else {
                format!(" ({})", s.note)
            }
        ));
    }
    out.push_str(&errors_text(&report.errors));
    out.push_str(&summary_line(&report.total));
    out.push('\n');
    out
}

fn places_table(places: &[Place]) -> String {
    let mut rows = vec![[
        "account",
        "region",
        "sessions",
        "found",
        "missing",
        "pending",
        "not loggable",
    ]
    .map(str::to_owned)
    .to_vec()];
    for p in places {
        let c = &p.counts;
        rows.push(vec![
            p.account.clone(),
            p.region.clone(),
            c.sessions.to_string(),
            c.found.to_string(),
            c.missing.to_string(),
            c.pending.to_string(),
            c.not_loggable.to_string(),
        ]);
    }
    columns(&rows)
}

/// The errors, one line each (the table prints them; with CSV they go to stderr).
pub fn errors_text(errors: &[Failure]) -> String {
    errors
        .iter()
        .map(|e| {
            format!(
                "✘ (error) {} {} {}: {}\n",
                e.account, e.region, e.doing, e.error
            )
        })
        .collect()
}

/// The summary line and errors that go to stderr when stdout holds CSV.
pub fn csv_epilogue(report: &Report) -> String {
    format!(
        "{}{}\n",
        errors_text(&report.errors),
        summary_line(&report.total)
    )
}

fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The sessions as CSV (RFC 4180), one header line.
pub fn csv(report: &Report) -> String {
    let mut out = String::from(
        "account,region,session_id,owner,target,document,access_type,start,end,status,reason,verdict,transcript,log_stream,note\r\n",
    );
    for s in &report.sessions {
        let log_stream = match s.log_stream {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        let cells = [
            &s.account,
            &s.region,
            &s.session_id,
            &s.owner,
            &s.target,
            &s.document,
            &s.access_type,
            &s.start,
            &s.end,
            &s.status,
            &s.reason,
        ]
        .map(|c| csv_cell(c))
        .to_vec();
        out.push_str(&cells.join(","));
        out.push_str(&format!(
            ",{},{},{},{}\r\n",
            s.verdict.name(),
            csv_cell(&s.transcript),
            log_stream,
            csv_cell(&s.note)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(account: &str, id: &str, verdict: Verdict) -> Row {
        Row {
            account: account.to_owned(),
            region: "us-east-1".to_owned(),
            session_id: id.to_owned(),
            owner: "arn:aws:sts::111111111111:assumed-role/Admin/alice".to_owned(),
            target: "i-0123".to_owned(),
            document: "SSM-SessionManagerRunShell".to_owned(),
            access_type: "Standard".to_owned(),
            start: "2026-11-28T12:00:00Z".to_owned(),
            end: "2026-11-28T12:05:00Z".to_owned(),
            status: "Terminated".to_owned(),
            reason: "ticket \"42\", urgent".to_owned(),
            verdict,
            transcript: String::new(),
            log_stream: None,
            note: String::new(),
        }
    }

    fn report() -> Report {
        Report::new(
            super::super::window::Window {
                since: 0,
                until: 60,
            },
            "logs",
            2,
            vec!["us-east-1".to_owned()],
            vec![
                row("222222222222", "b", Verdict::Found),
                row("111111111111", "a", Verdict::Missing),
                row("222222222222", "c", Verdict::NotLoggable),
            ],
            vec![],
        )
    }

    #[test]
    fn rows_are_sorted_and_counted() {
        let r = report();
        assert_eq!(r.sessions[0].session_id, "a");
        assert_eq!(
            (
                r.total.sessions,
                r.total.found,
                r.total.missing,
                r.total.not_loggable
            ),
            (3, 1, 1, 1)
        );
        assert_eq!(r.places.len(), 2);
        assert_eq!(r.places[1].counts.sessions, 2);
        assert!(!r.complete());
    }

    #[test]
    fn the_table_names_each_missing_transcript() {
        let text = table(&report());
        assert!(
            text.contains("✘ 111111111111 us-east-1 a: no transcript"),
            "{text}"
        );
        assert!(text.contains("Admin/alice"));
        assert!(text.ends_with("3 sessions: 1 found, 1 missing, 0 pending, 1 not loggable\n"));
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let text = csv(&report());
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(
            lines[1].contains(",\"ticket \"\"42\"\", urgent\",missing,"),
            "{}",
            lines[1]
        );
    }
}
