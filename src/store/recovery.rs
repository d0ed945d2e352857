//! Records the daemon could not write to the journal (a full disk, a locked or unwritable
//! journal) are never dropped: when it stops, they go to a recovery file in the state dir
//! (`unsaved.jsonl`, one JSON record a line), which the next start replays into the
//! journal, once, and then removes. When even that file cannot be written, each record is
//! printed whole to stderr, one parseable line each.
//!
//! Invariants: the file is 0600 and written atomically (`files::write_private`), never
//! read or written through a symlink, and only ever a regular file (read without blocking:
//! a FIFO put there is reported and left alone, never waited on); a stop adds to what an earlier stop left; replaying is one journal
//! transaction and idempotent (a prompt already stored is not stored again, an answer
//! already stored is recorded once), so a replay cut short and done again doubles
//! nothing. This module moves records; what an answer does is `record::answer`'s.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::content::Library;
use crate::journal::{AnswerKind, Journal, JournalError, NewAnswer, NewSent, Shown};
use crate::progress::Felt;
use crate::record::{self, AnswerError, FollowedUp, HowItWent};

/// The recovery file's name in the state dir.
pub const FILE_NAME: &str = "unsaved.jsonl";

/// What stderr lines carry before each record, when the file cannot be written.
pub const STDERR_PREFIX: &str = "closer: unsaved record: ";

/// One record that is not in the journal yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case", deny_unknown_fields)]
pub enum Unsaved {
    /// A prompt that went out, with the notification it was shown as.
    Sent {
        at: String,
        due: String,
        rule: String,
        category: String,
        prompt: Option<String>,
        ladder: Option<String>,
        rung: Option<u8>,
        notification: Option<u32>,
        /// The words it was sent with (`journal::Shown`); absent from files written
        /// before closer kept them, which replay as rows without words.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ladder_name: Option<String>,
    },
    /// An answer from a notification: to the journal's prompt `sent_id` when it was
    /// known, or else to the unsaved prompt shown as `notification`.
    Answer {
        sent_id: Option<i64>,
        notification: u32,
        kind: String,
        at: String,
    },
    /// How a step went (a follow-up), for the journal's answer `answer_id`: whether what
    /// was feared happened ("yes", "partly", "no") and "too-much" when it was said.
    HowItWent {
        answer_id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        happened: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        felt: Option<String>,
    },
}

impl Unsaved {
    pub fn sent(sent: &NewSent, notification: Option<u32>) -> Unsaved {
        Unsaved::Sent {
            at: time_text(sent.at),
            due: time_text(sent.due),
            rule: sent.rule.clone(),
            category: sent.category.as_str().to_owned(),
            prompt: sent.prompt.clone(),
            ladder: sent.ladder.map(|l| l.as_str().to_owned()),
            rung: sent.rung,
            notification,
            title: sent.shown.title.clone(),
            body: sent.shown.body.clone(),
            ladder_name: sent.shown.ladder_name.clone(),
        }
    }

    /// How the step went, for the journal's answer `answer_id`.
    pub fn how_it_went(answer_id: i64, how: HowItWent) -> Unsaved {
        Unsaved::HowItWent {
            answer_id,
            happened: how.happened.map(|h| h.as_str().to_owned()),
            felt: how.felt.map(|f| f.as_str().to_owned()),
        }
    }

    pub fn answer(
        sent_id: Option<i64>,
        notification: u32,
        kind: AnswerKind,
        at: DateTime<Utc>,
    ) -> Unsaved {
        Unsaved::Answer {
            sent_id,
            notification,
            kind: kind.as_str().to_owned(),
            at: time_text(at),
        }
    }

    /// The record as one line of JSON.
    pub fn line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"unprintable\":\"{e}\"}}"))
    }
}

/// Adds `records` to the recovery file at `path` (creating it 0600, atomically). What is
/// there already is kept byte for byte, readable or not.
pub fn keep(path: &Path, records: &[Unsaved]) -> io::Result<()> {
    let mut lines = read_bytes(path)?.unwrap_or_default();
    if lines.last().is_some_and(|b| *b != b'\n') {
        lines.push(b'\n');
    }
    for record in records {
        lines.extend_from_slice(record.line().as_bytes());
        lines.push(b'\n');
    }
    crate::files::write_private(path, |f| f.write_all(&lines))
}

/// Where the lines a replay could not use are set aside, beside the recovery file at
/// `path`: `unsaved.jsonl.bad`.
pub fn set_aside_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(SET_ASIDE_SUFFIX);
    path.with_file_name(name)
}

/// What the file of set-aside lines adds to the recovery file's name.
pub const SET_ASIDE_SUFFIX: &str = ".bad";

/// Keeps `records` in the recovery file; when that fails, prints each whole to stderr.
/// Returns whether they are in the file.
pub fn keep_or_print(path: &Path, records: &[Unsaved]) -> bool {
    if records.is_empty() {
        return true;
    }
    match keep(path, records) {
        Ok(()) => {
            tracing::warn!(
                "{} record(s) could not be written to the journal; they are kept in {} for the next start",
                records.len(),
                path.display()
            );
            true
        }
        Err(e) => {
            tracing::error!(
                "cannot keep {} unsaved record(s) in {}: {e}; here they are, one a line:",
                records.len(),
                path.display()
            );
            let mut stderr = io::stderr().lock();
            for record in records {
                let _ = writeln!(stderr, "{STDERR_PREFIX}{}", record.line());
            }
            false
        }
    }
}

/// What a replay did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Replayed {
    /// Records read from the file.
    pub records: usize,
    /// Records that could not be (a bad line, an answer refused): each was warned about.
    pub skipped: usize,
}

/// Replays the recovery file at `path` into `journal` (answers as given at `now`), in one
/// transaction, then removes the file. Each line that can be replayed is; a line that
/// cannot (not UTF-8, not a record, an answer the rules refuse) is warned about and set
/// aside, as it was, in [`set_aside_path`], so one bad byte never blocks the rest. Nothing
/// to replay: `Ok(None)`. A journal error, or lines that cannot be set aside, leave the
/// file as it was, for the next start.
pub fn replay(
    journal: &Journal,
    config: &Config,
    library: &Library,
    path: &Path,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Replayed>> {
    let Some(bytes) = read_bytes(path)? else {
        return Ok(None);
    };
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let mut done = Replayed::default();
    // The lines set aside, by their index in `lines`.
    let mut aside = Vec::new();
    journal.write(|journal| -> Result<(), JournalError> {
        // The notification id each replayed prompt was shown as, to its row.
        let mut shown = HashMap::new();
        for (n, bytes) in lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.trim_ascii().is_empty())
        {
            done.records += 1;
            let mut skip = |why: String| {
                tracing::warn!("{}:{}: not replayed: {why}", path.display(), n + 1);
                aside.push(n);
            };
            let Ok(line) = std::str::from_utf8(bytes) else {
                skip("not UTF-8 text".to_owned());
                done.skipped += 1;
                continue;
            };
            match serde_json::from_str::<Unsaved>(line) {
                Err(e) => {
                    skip(format!("not a record ({e})"));
                    done.skipped += 1;
                }
                Ok(Unsaved::Sent {
                    at,
                    due,
                    rule,
                    category,
                    prompt,
                    ladder,
                    rung,
                    notification,
                    title,
                    body,
                    ladder_name,
                }) => {
                    let sent = (|| -> Result<NewSent, String> {
                        Ok(NewSent {
                            at: parse_time(&at)?,
                            due: parse_time(&due)?,
                            rule,
                            category: category.parse()?,
                            prompt,
                            ladder: ladder.map(|l| l.parse()).transpose()?,
                            rung,
                            shown: Shown {
                                title,
                                body,
                                ladder_name,
                            },
                        })
                    })();
                    match sent {
                        Ok(sent) => {
                            let id = journal.record_shown(&sent, notification)?;
                            if let Some(n) = notification {
                                shown.insert(n, id);
                            }
                        }
                        Err(why) => {
                            skip(why);
                            done.skipped += 1;
                        }
                    }
                }
                Ok(Unsaved::Answer {
                    sent_id,
                    notification,
                    kind,
                    at,
                }) => {
                    let Some(sent_id) = sent_id.or_else(|| shown.get(&notification).copied())
                    else {
                        skip(format!(
                            "no prompt was shown as notification {notification}"
                        ));
                        done.skipped += 1;
                        continue;
                    };
                    let answer = match (kind.parse::<AnswerKind>(), parse_time(&at)) {
                        (Ok(kind), Ok(at)) => NewAnswer::from_notification(sent_id, kind, at),
                        (Err(why), _) | (_, Err(why)) => {
                            skip(why);
                            done.skipped += 1;
                            continue;
                        }
                    };
                    match record::answer(journal, config, library, &answer, now) {
                        Ok(_) => {}
                        Err(AnswerError::Refused(why)) => {
                            skip(why);
                            done.skipped += 1;
                        }
                        Err(AnswerError::Journal(JournalError::UnknownSent {
                            sent_id, ..
                        })) => {
                            skip(format!("the journal has no prompt #{sent_id}"));
                            done.skipped += 1;
                        }
                        Err(AnswerError::Journal(e)) => return Err(e),
                    }
                }
                Ok(Unsaved::HowItWent {
                    answer_id,
                    happened,
                    felt,
                }) => {
                    let how = (|| -> Result<HowItWent, String> {
                        Ok(HowItWent {
                            happened: happened.map(|h| h.parse()).transpose()?,
                            felt: felt
                                .map(|f| {
                                    Felt::ALL
                                        .iter()
                                        .copied()
                                        .find(|x| x.as_str() == f)
                                        .ok_or_else(|| format!("`{f}` is not how a step can feel"))
                                })
                                .transpose()?,
                        })
                    })();
                    let how = match how {
                        Ok(how) => how,
                        Err(why) => {
                            skip(why);
                            done.skipped += 1;
                            continue;
                        }
                    };
                    match record::follow_up(journal, config, library, answer_id, how, now)? {
                        FollowedUp::Recorded(_) => {}
                        FollowedUp::AlreadySaid(_) => {
                            skip(format!("how answer {answer_id} went was already said"));
                            done.skipped += 1;
                        }
                        FollowedUp::Unknown => {
                            skip(format!("the journal has no answer {answer_id} to complete"));
                            done.skipped += 1;
                        }
                    }
                }
            }
        }
        Ok(())
    })?;
    if !aside.is_empty() {
        let bad = set_aside_path(path);
        let mut kept = read_bytes(&bad)?.unwrap_or_default();
        for n in &aside {
            kept.extend_from_slice(lines[*n]);
            kept.push(b'\n');
        }
        crate::files::write_private(&bad, |f| f.write_all(&kept)).map_err(|e| {
            anyhow::anyhow!(
                "cannot set {} line(s) aside in {}: {e}",
                aside.len(),
                bad.display()
            )
        })?;
        tracing::warn!(
            "{} line(s) of {} could not be replayed; they are set aside in {}, as they were",
            aside.len(),
            path.display(),
            bad.display()
        );
    }
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => anyhow::bail!(
            "replayed {}, but cannot remove it: {e}; replaying it again adds nothing",
            path.display()
        ),
    }
    Ok(Some(done))
}

/// The most a recovery file may hold: far more than a stop leaves.
const MAX_FILE: u64 = 64 << 20;

/// The file's bytes, whatever they are; None when there is none. A symlink is refused, not
/// followed, and only a regular file is read, without blocking: a FIFO there is an error,
/// never a hang.
fn read_bytes(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match crate::files::read_own(path, MAX_FILE) {
        Ok(bytes) => Ok(bytes),
        Err(crate::files::ReadError::Io(e)) => {
            Err(io::Error::new(e.kind(), format!("it cannot be read: {e}")))
        }
        Err(e) => Err(io::Error::other(format!("it {e}"))),
    }
}

fn time_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("`{text}` is not an RFC 3339 time"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Category, Ladder};
    use crate::journal::Entry;
    use chrono::TimeDelta;

    fn setup() -> (Config, Library) {
        let (config, diags) = crate::config::load(
            &crate::diag::Source::new(
                "t.toml",
                "timezone = \"UTC\"\n[content]\nladders = [\"emotional\"]\n",
            ),
            None,
        );
        assert!(diags.is_empty(), "{diags:?}");
        (config, Library::load(None).0)
    }

    fn step(at: DateTime<Utc>) -> NewSent {
        NewSent {
            at,
            due: at,
            rule: "evening".into(),
            category: Category::Step,
            prompt: Some("emotional-1".into()),
            ladder: Some(Ladder::Emotional),
            rung: Some(1),
            shown: Shown {
                title: Some("Name a feeling".into()),
                body: Some("Name one feeling to yourself.".into()),
                ladder_name: Some("Emotional".into()),
            },
        }
    }

    fn kinds(journal: &Journal) -> Vec<&'static str> {
        journal
            .entries(None)
            .unwrap()
            .iter()
            .map(|e| match e {
                Entry::Sent(_) => "sent",
                Entry::Answer(_) => "answer",
                Entry::Move(_) => "move",
            })
            .collect()
    }

    /// How a step went, kept at a stop, completes its answer at the next start; kept
    /// twice, the second is set aside (the first word stands).
    #[test]
    fn how_it_went_is_kept_and_replayed_on_its_answer() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state").join(FILE_NAME);
        let (config, library) = setup();
        let (journal, _) = Journal::open(&dir.path().join("j.sqlite3")).unwrap();
        let now = parse_time(&time_text(Utc::now())).unwrap();
        let sent = journal
            .record_sent(&step(now - TimeDelta::hours(2)))
            .unwrap();
        let answer =
            NewAnswer::from_notification(sent, AnswerKind::Hard, now - TimeDelta::hours(1));
        let answer_id = journal.record_answer_id(&answer).unwrap().unwrap();
        let too_much = HowItWent {
            happened: None,
            felt: Some(Felt::TooMuch),
        };
        let twice = [
            Unsaved::how_it_went(answer_id, too_much),
            Unsaved::how_it_went(answer_id, too_much),
        ];
        keep(&file, &twice).unwrap();
        let done = replay(&journal, &config, &library, &file, now)
            .unwrap()
            .unwrap();
        assert_eq!((done.records, done.skipped), (2, 1));
        assert!(journal.answer(answer_id).unwrap().unwrap().too_much);
    }

    #[test]
    fn kept_records_are_replayed_once_and_the_file_removed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state").join(FILE_NAME);
        let (config, library) = setup();
        let journal_path = dir.path().join("data").join(crate::journal::FILE_NAME);
        let (journal, _) = Journal::open(&journal_path).unwrap();
        // The journal keeps milliseconds.
        let now = parse_time(&time_text(Utc::now())).unwrap();
        let stored = journal
            .record_sent(&step(now - TimeDelta::hours(2)))
            .unwrap();

        // Two stops: the second adds to the first.
        keep(
            &file,
            &[Unsaved::answer(
                Some(stored),
                3,
                AnswerKind::Skip,
                now - TimeDelta::hours(1),
            )],
        )
        .unwrap();
        let unsaved = step(now - TimeDelta::minutes(30));
        keep(
            &file,
            &[
                Unsaved::sent(&unsaved, Some(9)),
                Unsaved::answer(None, 9, AnswerKind::Done, now - TimeDelta::minutes(20)),
            ],
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let copy = std::fs::read(&file).unwrap();
        assert_eq!(String::from_utf8_lossy(&copy).lines().count(), 3);

        let done = replay(&journal, &config, &library, &file, now).unwrap();
        assert_eq!(
            done,
            Some(Replayed {
                records: 3,
                skipped: 0
            })
        );
        assert!(!file.exists());
        assert_eq!(kinds(&journal), ["sent", "answer", "sent", "answer"]);
        let entries = journal.entries(None).unwrap();
        let Entry::Sent(row) = &entries[2] else {
            panic!()
        };
        assert_eq!((row.at, row.notification), (unsaved.at, Some(9)));
        let Entry::Answer(answer) = &entries[3] else {
            panic!()
        };
        assert_eq!((answer.sent_id, answer.kind), (row.id, AnswerKind::Done));

        // Nothing to replay; then the same file again (say the removal had failed):
        // nothing is doubled.
        assert_eq!(
            replay(&journal, &config, &library, &file, now).unwrap(),
            None
        );
        std::fs::write(&file, &copy).unwrap();
        replay(&journal, &config, &library, &file, now).unwrap();
        assert_eq!(kinds(&journal), ["sent", "answer", "sent", "answer"]);
    }

    /// A file written by the version before prompts kept their words still replays, as
    /// rows without words; a record written now keeps them.
    #[test]
    fn a_file_from_before_the_words_were_kept_still_replays() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE_NAME);
        let (config, library) = setup();
        let (journal, _) = Journal::open(&dir.path().join("journal.sqlite3")).unwrap();
        let now = parse_time(&time_text(Utc::now())).unwrap();
        let at = |minutes| time_text(now - TimeDelta::minutes(minutes));
        // Exactly the lines the previous version wrote.
        std::fs::write(
            &file,
            format!(
                "{{\"record\":\"sent\",\"at\":\"{}\",\"due\":\"{}\",\"rule\":\"evening\",\"category\":\"step\",\"prompt\":\"emotional-1\",\"ladder\":\"emotional\",\"rung\":1,\"notification\":9}}\n\
                 {{\"record\":\"answer\",\"sent_id\":null,\"notification\":9,\"kind\":\"done\",\"at\":\"{}\"}}\n",
                at(30),
                at(30),
                at(20)
            ),
        )
        .unwrap();
        let done = replay(&journal, &config, &library, &file, now).unwrap();
        assert_eq!(
            done,
            Some(Replayed {
                records: 2,
                skipped: 0
            })
        );
        let entries = journal.entries(None).unwrap();
        let [Entry::Sent(old), Entry::Answer(answer)] = &entries[..] else {
            panic!("{entries:?}")
        };
        assert_eq!(
            (old.prompt.as_deref(), old.notification, &old.shown),
            (Some("emotional-1"), Some(9), &Shown::default())
        );
        assert_eq!((answer.sent_id, answer.kind), (old.id, AnswerKind::Done));

        let new = step(now - TimeDelta::minutes(10));
        keep(&file, &[Unsaved::sent(&new, Some(10))]).unwrap();
        replay(&journal, &config, &library, &file, now).unwrap();
        let row = journal.sent_by_notification(10).unwrap().unwrap();
        assert_eq!(row.shown, new.shown);
    }

    #[test]
    fn a_journal_that_refuses_writes_keeps_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE_NAME);
        let (config, library) = setup();
        let (journal, _) = Journal::open(&dir.path().join("journal.sqlite3")).unwrap();
        keep(&file, &[Unsaved::sent(&step(Utc::now()), None)]).unwrap();
        journal.refuse_writes(true).unwrap();
        assert!(replay(&journal, &config, &library, &file, Utc::now()).is_err());
        assert!(file.exists());
        journal.refuse_writes(false).unwrap();
        replay(&journal, &config, &library, &file, Utc::now()).unwrap();
        assert_eq!(kinds(&journal), ["sent"]);
    }

    #[test]
    fn bad_lines_are_skipped_with_a_warning_and_the_rest_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE_NAME);
        let (config, library) = setup();
        let (journal, _) = Journal::open(&dir.path().join("journal.sqlite3")).unwrap();
        let good = Unsaved::sent(&step(Utc::now()), None).line();
        // An answer to a notification no prompt was shown as.
        let orphan = Unsaved::answer(None, 4, AnswerKind::Done, Utc::now()).line();
        std::fs::write(&file, format!("not json\n{good}\n{orphan}\n")).unwrap();
        let done = replay(&journal, &config, &library, &file, Utc::now()).unwrap();
        assert_eq!(
            done,
            Some(Replayed {
                records: 3,
                skipped: 2
            })
        );
        assert_eq!(kinds(&journal), ["sent"]);
        // Nothing is lost: what could not be replayed is set aside, as it was.
        assert!(!file.exists());
        assert_eq!(
            std::fs::read_to_string(set_aside_path(&file)).unwrap(),
            format!("not json\n{orphan}\n")
        );
    }

    #[test]
    fn a_file_with_invalid_bytes_is_added_to_and_replayed_line_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE_NAME);
        let (config, library) = setup();
        let (journal, _) = Journal::open(&dir.path().join("journal.sqlite3")).unwrap();
        // A bad byte, and no line break at the end.
        std::fs::write(&file, b"\xff\xfe").unwrap();
        keep(&file, &[Unsaved::sent(&step(Utc::now()), None)]).unwrap();
        let bytes = std::fs::read(&file).unwrap();
        assert!(bytes.starts_with(b"\xff\xfe\n{"), "{bytes:?}");
        let done = replay(&journal, &config, &library, &file, Utc::now()).unwrap();
        assert_eq!(
            done,
            Some(Replayed {
                records: 2,
                skipped: 1
            })
        );
        assert_eq!(kinds(&journal), ["sent"]);
        assert_eq!(std::fs::read(set_aside_path(&file)).unwrap(), b"\xff\xfe\n");
    }

    #[test]
    fn records_that_cannot_be_kept_are_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        // The state dir is a file: nothing can be written under it.
        let blocker = dir.path().join("state");
        std::fs::write(&blocker, "").unwrap();
        let records = [Unsaved::sent(&step(Utc::now()), Some(1))];
        assert!(keep(&blocker.join(FILE_NAME), &records).is_err());
        assert!(!keep_or_print(&blocker.join(FILE_NAME), &records));
        // What goes to stderr reads back as the same record.
        let line = records[0].line();
        assert_eq!(serde_json::from_str::<Unsaved>(&line).unwrap(), records[0]);
    }
}
