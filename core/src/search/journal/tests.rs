//! The log reader on damaged input: any bytes give a log or an error, never
//! a panic; any prefix of a log (a crash mid-write) reads as that log's first
//! records; retries are accepted only as next attempts of failed trials.

use proptest::prelude::*;

use super::*;
use crate::search::outcome::Metrics;
use crate::search::record::{Trial, TrialStatus};

fn header() -> LogHeader {
    LogHeader {
        archspace_search_log: LOG_FORMAT,
        searcher: "random".to_owned(),
        seed: 7,
        in_flight: 2,
        objective: Objective::maximize("score"),
        tradeoffs: Vec::new(),
        dedup: false,
        space_fingerprint: None,
    }
}

fn record(id: u64, status: TrialStatus, attempt: u32) -> TrialRecord {
    let failed = status == TrialStatus::Failed;
    TrialRecord {
        trial: Trial::new(id, 100 + id, Vec::new()),
        hash: format!("{id:016x}"),
        status,
        metrics: if failed { Metrics::new() } else { Metrics::new().with("score", id as f64 / 8.0) },
        score: if failed { None } else { Some(id as f64 / 8.0) },
        error: failed.then(|| "out of memory".to_owned()),
        duplicate_of: None,
        seconds: 0.5,
        attempt,
    }
}

fn log_text(records: &[TrialRecord]) -> Vec<u8> {
    let mut text = serde_json::to_vec(&header()).expect("header");
    text.push(b'\n');
    for r in records {
        text.extend(serde_json::to_vec(r).expect("record"));
        text.push(b'\n');
    }
    text
}

fn sample_records() -> Vec<TrialRecord> {
    vec![
        record(0, TrialStatus::Completed, 1),
        record(1, TrialStatus::Failed, 1),
        record(2, TrialStatus::Completed, 1),
        record(1, TrialStatus::Completed, 2),
    ]
}

fn parse(bytes: &[u8]) -> Result<LogContents, SearchError> {
    parse_log(Path::new("fuzz.jsonl"), bytes)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_give_a_log_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(contents) = parse(&bytes) {
            prop_assert!(contents.valid_len as usize <= bytes.len());
        }
    }

    #[test]
    fn arbitrary_lines_after_a_header_give_a_log_or_an_error(
        lines in prop::collection::vec("[ -~]{0,80}", 0..6),
    ) {
        let mut text = log_text(&[]);
        for line in &lines {
            text.extend(line.as_bytes());
            text.push(b'\n');
        }
        let _ = parse(&text);
    }

    #[test]
    fn a_damaged_log_gives_a_log_or_an_error(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..8),
    ) {
        let mut text = log_text(&sample_records());
        for (at, byte, kind) in edits {
            let i = at.index(text.len());
            match kind {
                0 => text[i] = byte,
                1 => text.insert(i, byte),
                _ => { text.remove(i); }
            }
        }
        let _ = parse(&text);
    }

    #[test]
    fn every_prefix_of_a_log_reads_as_its_first_records(cut in any::<prop::sample::Index>()) {
        let records = sample_records();
        let text = log_text(&records);
        let cut = cut.index(text.len() + 1);
        let contents = parse(&text[..cut]).expect("a crash cuts only the last line, which is tolerated");
        prop_assert!(records.starts_with(&contents.records));
        let whole_lines = text[..cut].iter().filter(|&&b| b == b'\n').count();
        let cut_in_a_line = cut > 0 && text[cut - 1] != b'\n';
        prop_assert_eq!(contents.truncated_line.is_some(), cut_in_a_line && contents.valid_len < cut as u64);
        prop_assert!(contents.records.len() + 1 >= whole_lines);
    }
}

#[test]
fn retries_are_the_next_attempt_of_a_failed_trial() {
    let contents = parse(&log_text(&sample_records())).expect("a log with a retry reads");
    let latest: Vec<(u64, u32)> = contents.latest().iter().map(|r| (r.trial.id, r.attempt)).collect();
    assert_eq!(latest, [(0, 1), (1, 2), (2, 1)]);

    let corrupt = |records: &[TrialRecord], expected: &str| {
        let err = parse(&log_text(records)).expect_err(expected);
        assert!(matches!(err, SearchError::CorruptLog { .. }) && err.to_string().contains(expected), "{err}");
    };
    let completed_twice = [record(0, TrialStatus::Completed, 1), record(0, TrialStatus::Completed, 2)];
    corrupt(&completed_twice, "trial 0 is recorded twice");
    let skipped = [record(0, TrialStatus::Failed, 1), record(0, TrialStatus::Completed, 3)];
    corrupt(&skipped, "attempt 3 is not a retry");
    corrupt(&[record(4, TrialStatus::Completed, 2)], "no earlier attempt");
    let first_twice = [record(0, TrialStatus::Failed, 1), record(0, TrialStatus::Failed, 1)];
    corrupt(&first_twice, "recorded twice");
}

#[test]
fn a_first_attempt_is_left_out_of_the_line_and_read_back_as_one() {
    let line = serde_json::to_string(&record(0, TrialStatus::Completed, 1)).expect("json");
    assert!(!line.contains("attempt"), "{line}");
    let retry = serde_json::to_string(&record(0, TrialStatus::Completed, 2)).expect("json");
    assert!(retry.contains("\"attempt\":2"), "{retry}");
    let back: TrialRecord = serde_json::from_str(&line).expect("reads");
    assert_eq!(back.attempt, 1);
}

#[test]
fn a_resume_with_other_settings_says_how_to_proceed() {
    let logged = header();
    let now = LogHeader { in_flight: 1, ..header() };
    let err = check_header(Path::new("l.jsonl"), &logged, &now).expect_err("in flight differs");
    let text = err.to_string();
    assert!(
        text.contains("trials in flight is 2 in the log but 1 now; to resume it, run 2 trials in flight"),
        "{text}"
    );
    assert!(text.contains("any number of threads can run them") && text.contains("another log path"), "{text}");
    let now = LogHeader { seed: 8, ..header() };
    let text = check_header(Path::new("l.jsonl"), &logged, &now).expect_err("seed differs").to_string();
    assert!(text.contains("the seed is 7 in the log but 8 now; to resume it, set the seed back to 7"), "{text}");
}

#[test]
fn a_log_of_another_space_is_refused_and_a_log_without_a_fingerprint_is_not() {
    let space = |f: &str| LogHeader { space_fingerprint: Some(f.to_owned()), ..header() };
    let err = check_header(Path::new("l.jsonl"), &space("aa"), &space("bb")).expect_err("another space");
    let text = err.to_string();
    assert!(text.contains("the space's fingerprint is aa in the log but bb now"), "{text}");
    assert!(text.contains("another log path"), "{text}");
    check_header(Path::new("l.jsonl"), &space("aa"), &space("aa")).expect("the same space");
    check_header(Path::new("l.jsonl"), &header(), &space("aa")).expect("an older log names no space");
    check_header(Path::new("l.jsonl"), &space("aa"), &header()).expect("a search that names no space");
    let line = serde_json::to_string(&header()).expect("json");
    assert!(!line.contains("space_fingerprint"), "{line}");
}

#[test]
fn log_paths_that_cannot_be_logs_are_errors_naming_them() {
    let dir = std::env::temp_dir().join(format!("archspace-journal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let err = SearchLog::open(&dir, &header(), false).expect_err("a directory");
    assert!(
        err.to_string().contains(&format!("`{}`", dir.display())) && err.to_string().contains("directory"),
        "{err}"
    );

    let file = dir.join("a-file");
    std::fs::write(&file, b"not a folder").expect("write");
    let log = file.join("search.jsonl");
    let err = SearchLog::open(&log, &header(), false).expect_err("the folder is a file");
    assert!(err.to_string().contains(&format!("cannot create the folder of `{}`", log.display())), "{err}");

    let nested = dir.join("new/folder/search.jsonl");
    let _ = std::fs::remove_dir_all(dir.join("new"));
    SearchLog::open(&nested, &header(), false).expect("a missing folder is created");
    assert!(nested.exists());
    let _ = std::fs::remove_dir_all(dir);
}
