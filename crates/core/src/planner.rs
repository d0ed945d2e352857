//! The planner: which prompt goes out when. One pure function of the config, the content,
//! what was sent before, a point in time and the seed — so the daemon and `closer next`
//! run the same code and cannot disagree.
//!
//! Each rule's due times pass through the limits in time order: quiet hours (defer to
//! their end, at most one per rule, or drop), the minimum gap (a prompt due too soon
//! waits), the daily cap (extras are dropped), and a pause the person asked for. Then
//! what the person said shapes the prompt: after a hard or skipped step the next prompt is
//! a kinder one; while steps go unanswered only every other step is sent; while steps are
//! paused after very hard days only compassion messages go out (in place of steps and
//! setback messages; critic, reflect, learn and support messages wait); a finished rung due for
//! review comes back; a snoozed prompt comes again. Last, a prompt is chosen from the
//! pool (with few people near, a rung's wording that needs nobody close whenever it has
//! one), weighted toward the fears and the kind of step the person asked for: messages
//! without repeating one until the pool is used up, steps with a rung's wordings taking
//! turns; never the same words twice in a row.
//!
//! Invariants: a rule's occurrence is answered at most once — once a later occurrence of
//! the same rule was sent, earlier ones are gone; nothing is planned at or before `after`;
//! no prompt waits more than [`MAX_WAIT`], which is what lets a plan made later (after
//! some of it was sent) agree with a plan made at once.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::config::{Config, People, QuietPolicy};
use crate::content::{Category, Event, Ladder, Library, Needs, Prompt, TimeOfDay};
use crate::progress::Review;
use crate::seed::{hash_str, mix};

/// A prompt that was sent: what the planner remembers of the past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// When it went out.
    pub at: DateTime<Utc>,
    /// The rule that sent it, by name.
    pub rule: String,
    /// The rule's occurrence it answered (earlier than `at` when it waited).
    pub due: DateTime<Utc>,
    pub category: Category,
    pub prompt: Option<String>,
    /// Whether the person answered it (only steps can be answered).
    pub answered: bool,
}

/// A prompt the person asked to see again later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snoozed {
    /// When to send it again.
    pub at: DateTime<Utc>,
    /// When they asked.
    pub asked: DateTime<Utc>,
    /// The sent prompt it repeats: its rule, occurrence, category and id.
    pub rule: String,
    pub due: DateTime<Utc>,
    pub category: Category,
    pub prompt: String,
}

/// What the planner knows besides the config and content: what the journal says.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Prompts sent so far, oldest first.
    pub sent: Vec<Sent>,
    /// The rung each ladder stands on; a ladder not listed is on rung 1.
    pub rungs: BTreeMap<Ladder, u8>,
    /// The latest answer to a step that was hard or skipped, if it is the latest answer.
    pub after_setback: Option<DateTime<Utc>>,
    /// The latest answer to a step and what it stands for: the first message after it
    /// is drawn from those whose `after` fits.
    pub last_answer: Option<Answered>,
    /// Prompts to send again.
    pub snoozed: Vec<Snoozed>,
    /// No prompts before this moment.
    pub paused_until: Option<DateTime<Utc>>,
    /// Steps are paused (very high distress); compassion messages stand in.
    pub steps_paused: bool,
    /// Finished rungs due for a review.
    pub reviews: Vec<Review>,
}

/// An answer to a step, as the events a message can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub at: DateTime<Utc>,
    pub events: Vec<Event>,
}

/// The events an answer can stand for, the most particular first: a message for "too
/// much" is a better answer to a very hard step than one for any hard step.
const SPECIFIC_FIRST: &[Event] = &[
    Event::TooMuch,
    Event::FearedHappened,
    Event::RungDown,
    Event::Return,
    Event::FearedPartly,
    Event::Hard,
    Event::Skip,
    Event::FearedDidNotHappen,
    Event::Done,
];

/// How long an answer can still be answered by a message: a day ("today" stays true).
pub const ANSWER_FRESH: TimeDelta = TimeDelta::days(1);

/// A prompt planned for a moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    pub at: DateTime<Utc>,
    pub due: DateTime<Utc>,
    /// The rule's index in the config's schedule.
    pub rule: usize,
    pub category: Category,
    /// None when the rule's pool has no prompt to give.
    pub prompt: Option<String>,
}

/// The longest a prompt waits (for quiet hours to end, then behind the minimum gap)
/// before it is let go.
pub const MAX_WAIT: TimeDelta = TimeDelta::days(1);

/// After this many unanswered steps in a row, closer sends every other step.
pub const UNANSWERED: usize = 3;

/// How far ahead the planner looks.
const HORIZON_DAYS: i64 = 400;
/// A bound on the work of one plan, for patterns that fire every second.
const MAX_STEPS: usize = 200_000;

/// A prompt waiting to be planned. Ordered by time, then fairly: of prompts ready at the
/// same moment (behind the gap, or at the end of quiet hours) the one due earliest — the
/// one that has waited longest — goes first, so no rule starves another by its place in
/// the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Item {
    at: DateTime<Utc>,
    due: DateTime<Utc>,
    rule: usize,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Straight from the rule; the rule's next occurrence is generated when it is taken.
    Fresh,
    /// Moved later by the minimum gap.
    Waiting,
    /// `State::snoozed[i]`, coming again.
    Snooze(usize),
}

/// Plans prompts for one config, content and seed.
#[derive(Debug, Clone, Copy)]
pub struct Planner<'a> {
    pub config: &'a Config,
    pub library: &'a Library,
    pub seed: u64,
}

impl<'a> Planner<'a> {
    pub fn new(config: &'a Config, library: &'a Library, seed: u64) -> Self {
        Planner {
            config,
            library,
            seed,
        }
    }

    /// The next `count` prompts strictly after `after`, given what was sent.
    pub fn upcoming(&self, state: &State, after: DateTime<Utc>, count: usize) -> Vec<Firing> {
        self.plan(state, after, count, DateTime::<Utc>::MAX_UTC)
    }

    /// Every prompt strictly after `after` and up to `until`, and the first one after
    /// `until` (last), given what was sent.
    pub fn through(
        &self,
        state: &State,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Vec<Firing> {
        self.plan(state, after, usize::MAX, until)
    }

    /// The prompts strictly after `after`: `count` of them, or up to `until` and one more.
    fn plan(
        &self,
        state: &State,
        after: DateTime<Utc>,
        count: usize,
        until: DateTime<Utc>,
    ) -> Vec<Firing> {
        let rules = &self.config.schedule;
        let gap = self.config.limits.min_gap;
        let mut timeline = state.sent.clone();
        timeline.sort_by_key(|s| s.at);
        // The latest occurrence of each rule already answered.
        let mut answered: Vec<Option<DateTime<Utc>>> = rules
            .iter()
            .map(|r| {
                timeline
                    .iter()
                    .filter(|s| s.rule == r.name)
                    .map(|s| s.due)
                    .max()
            })
            .collect();
        // A gap-deferred item waiting for each rule, by its occurrence.
        let mut waiting: Vec<Option<DateTime<Utc>>> = vec![None; rules.len()];

        // Look back far enough to find every prompt that was due earlier and still waits
        // past `after`: none waits longer than MAX_WAIT. (A rule that sent lately starts
        // from its last prompt instead, so frequent rules do not pay for the look back.)
        let mut start = after - MAX_WAIT - TimeDelta::seconds(1);

        if let Some(until) = state.paused_until {
            start = start.max(until - TimeDelta::seconds(1));
        }

        let mut heap = BinaryHeap::new();
        for (i, done) in answered.iter().enumerate() {
            let from = done.map_or(start, |d| d.max(start));
            if let Some(item) = self.next_item(i, from) {
                heap.push(Reverse(item));
            }
        }
        for (i, snoozed) in state.snoozed.iter().enumerate() {
            let rule = rules.iter().position(|r| r.name == snoozed.rule);
            if let (Some(rule), Some(at)) = (rule, self.settle(snoozed.at)) {
                heap.push(Reverse(Item {
                    at,
                    rule,
                    due: snoozed.due,
                    kind: Kind::Snooze(i),
                }));
            }
        }

        let horizon = after + TimeDelta::days(HORIZON_DAYS);
        let mut out = Vec::new();
        let mut steps = 0;
        while let Some(Reverse(item)) = heap.pop() {
            steps += 1;
            let past_until = out.last().is_some_and(|f: &Firing| f.at > until);
            if out.len() >= count || past_until || steps > MAX_STEPS || item.at > horizon {
                break;
            }
            match item.kind {
                Kind::Fresh => {
                    if let Some(next) = self.next_item(item.rule, item.due) {
                        heap.push(Reverse(next));
                    }
                }
                // A later occurrence of the rule took its place.
                Kind::Waiting if waiting[item.rule] != Some(item.due) => continue,
                Kind::Waiting => {}
                Kind::Snooze(i) => {
                    let s = &state.snoozed[i];
                    let again = |t: &Sent| {
                        t.at > s.asked
                            && t.rule == s.rule
                            && t.due == s.due
                            && t.prompt.as_deref() == Some(&s.prompt)
                    };
                    if timeline.iter().any(again) {
                        continue;
                    }
                }
            }
            let snooze = matches!(item.kind, Kind::Snooze(_));
            if !snooze && answered[item.rule].is_some_and(|d| d >= item.due) {
                continue;
            }
            // A prompt that has waited a day (quiet hours, then a queue behind the gap) is
            // let go: tomorrow brings its own.
            let waiting_since = match item.kind {
                Kind::Snooze(i) => state.snoozed[i].at,
                _ => item.due,
            };
            if item.at - waiting_since > MAX_WAIT {
                continue;
            }
            if state.paused_until.is_some_and(|until| item.at < until) {
                continue;
            }
            // The minimum gap after the last prompt before this one.
            if let Some(last) = timeline.iter().rev().map(|s| s.at).find(|t| *t <= item.at)
                && item.at < last + gap
            {
                if let Some(at) = self.settle(last + gap) {
                    let kind = if snooze { item.kind } else { Kind::Waiting };
                    if !snooze {
                        waiting[item.rule] = Some(item.due);
                    }
                    heap.push(Reverse(Item { at, kind, ..item }));
                }
                continue;
            }
            if item.at <= after {
                continue; // its moment has passed
            }
            let day = self.local_date(item.at);
            let sent_that_day = timeline
                .iter()
                .filter(|s| self.local_date(s.at) == day)
                .count();
            if sent_that_day >= self.config.limits.max_per_day as usize {
                continue;
            }
            let (category, prompt) = match item.kind {
                Kind::Snooze(i) => (
                    state.snoozed[i].category,
                    Some(state.snoozed[i].prompt.clone()),
                ),
                _ => {
                    let Some(category) = self.category(item, answered[item.rule], &timeline, state)
                    else {
                        continue;
                    };
                    let prompt = self
                        .pick(category, (item.rule, item.due), &timeline, state, item.at)
                        .map(|p| p.id.clone());
                    (category, prompt)
                }
            };
            let firing = Firing {
                at: item.at,
                due: item.due,
                rule: item.rule,
                category,
                prompt,
            };
            timeline.push(self.sent(&firing));
            if !snooze {
                answered[item.rule] = Some(item.due);
            }
            out.push(firing);
        }
        out
    }

    /// What a rule's occurrence sends, given what the person said; None to skip it.
    fn category(
        &self,
        item: Item,
        last_sent_due: Option<DateTime<Utc>>,
        timeline: &[Sent],
        state: &State,
    ) -> Option<Category> {
        let send = self.config.schedule[item.rule].send;
        // While steps are paused after very hard days, only gentle compassion messages go
        // out: in place of steps and setback messages; the other kinds wait.
        if state.steps_paused {
            return matches!(
                send,
                Category::Step | Category::Compassion | Category::Setback
            )
            .then_some(Category::Compassion);
        }
        // After a hard or skipped step, the next prompt is kind, whatever was due.
        if let Some(answer_at) = state.after_setback {
            let kind_since = timeline.iter().any(|s| {
                s.at > answer_at && matches!(s.category, Category::Setback | Category::Compassion)
            });
            if !kind_since {
                return Some(match send {
                    Category::Compassion => Category::Compassion,
                    _ if self.pool(Category::Setback, &state.rungs).is_empty() => {
                        Category::Compassion
                    }
                    _ => Category::Setback,
                });
            }
        }
        if send != Category::Step {
            return Some(send);
        }
        // While steps go unanswered, only every other occurrence of a step rule is sent.
        if self.fewer(timeline)
            && let Some(last) = last_sent_due
        {
            let rule = &self.config.schedule[item.rule];
            let skipped_one = rule
                .trigger
                .last_between(last, item.due, self.config.timezone, self.salt(item.rule))
                .is_some();
            if !skipped_one {
                return None;
            }
        }
        Some(Category::Step)
    }

    /// Whether the last [`UNANSWERED`] steps went unanswered: then closer sends fewer.
    pub fn fewer(&self, timeline: &[Sent]) -> bool {
        let steps: Vec<&Sent> = timeline
            .iter()
            .rev()
            .filter(|s| s.category == Category::Step)
            .take(UNANSWERED)
            .collect();
        steps.len() == UNANSWERED && steps.iter().all(|s| !s.answered)
    }

    /// The prompt for `category` from `rule`'s occurrence `due`, going out at `at`: a finished rung due for review, the
    /// next part of a series the rule is in the middle of, or a choice from the pool.
    fn pick(
        &self,
        category: Category,
        (rule, due): (usize, DateTime<Utc>),
        timeline: &[Sent],
        state: &State,
        at: DateTime<Utc>,
    ) -> Option<&'a Prompt> {
        if let Some(next) = self.series_next(category, (rule, due), timeline, state, at) {
            return Some(next);
        }
        if category == Category::Step {
            let review = state.reviews.iter().filter(|r| r.due <= at).find(|r| {
                !timeline.iter().any(|s| {
                    s.at >= r.due
                        && s.prompt
                            .as_deref()
                            .and_then(|id| self.library.get(id))
                            .is_some_and(|p| p.ladder == Some(r.ladder) && p.rung == Some(r.rung))
                })
            });
            if let Some(r) = review {
                // The rung's wordings take turns here too: not the one it showed last.
                let variants: Vec<&Prompt> = self.for_few_people(
                    self.library
                        .iter()
                        .filter(|p| {
                            p.category == Category::Step
                                && p.group() == Some((r.ladder, r.rung))
                                && self.config.enables(p)
                        })
                        .collect(),
                );
                let last = timeline
                    .iter()
                    .rev()
                    .filter_map(|s| s.prompt.as_deref())
                    .find(|id| variants.iter().any(|p| p.id == *id));
                let step = variants
                    .iter()
                    .find(|p| Some(p.id.as_str()) != last)
                    .or(variants.first());
                if let Some(step) = step {
                    return Some(step);
                }
            }
        }
        self.choose(category, timeline, state, at)
    }

    /// The next part of the series `rule` sent a part of last, for its occurrence `due`,
    /// if the series goes on: a series goes out one part per occurrence of its rule, in
    /// order. It restarts (None: the pool's choice, where only first parts stand) when an
    /// occurrence of the rule passed without its next part (a day left out, a pause, the
    /// daily cap), when the rule now sends another category, or when the next part may
    /// not be sent now.
    fn series_next(
        &self,
        category: Category,
        (rule, due): (usize, DateTime<Utc>),
        timeline: &[Sent],
        state: &State,
        at: DateTime<Utc>,
    ) -> Option<&'a Prompt> {
        let name = &self.config.schedule[rule].name;
        let last = timeline.iter().rev().find(|s| &s.rule == name)?;
        let part = self.library.get(last.prompt.as_deref()?)?.series.as_ref()?;
        let next = self.library.iter().find(|p| {
            p.series
                .as_ref()
                .is_some_and(|s| s.series == part.series && s.part == part.part + 1)
        })?;
        let trigger = &self.config.schedule[rule].trigger;
        let left_out = trigger
            .last_between(last.due, due, self.config.timezone, self.salt(rule))
            .is_some();
        let allowed = self.pool(category, &state.rungs).contains(&next)
            && self.fits_time(next, at)
            && !(next.sensitive && state.steps_paused);
        (!left_out && allowed).then_some(next)
    }

    /// Whether `prompt` may go out at `at` by the part of the day it names (local time:
    /// morning before 12:00, midday until 17:00, evening after).
    fn fits_time(&self, prompt: &Prompt, at: DateTime<Utc>) -> bool {
        prompt.time.is_none_or(|time| {
            let hour = chrono::Timelike::hour(&at.with_timezone(&self.config.timezone));
            time == match hour {
                0..12 => TimeOfDay::Morning,
                12..17 => TimeOfDay::Midday,
                _ => TimeOfDay::Evening,
            }
        })
    }

    /// The events the message at `at` may answer: those of the latest answer to a step,
    /// for at most [`ANSWER_FRESH`] and until a kind message (setback or compassion) was
    /// sent after it; none otherwise.
    fn moment<'s>(&self, timeline: &[Sent], state: &'s State, at: DateTime<Utc>) -> &'s [Event] {
        match &state.last_answer {
            Some(a)
                if a.at <= at
                    && at - a.at <= ANSWER_FRESH
                    && !timeline.iter().any(|s| {
                        s.at > a.at
                            && s.at <= at
                            && matches!(s.category, Category::Setback | Category::Compassion)
                    }) =>
            {
                &a.events
            }
            _ => &[],
        }
    }

    /// The prompts of `category` that fit `at`: allowed now (sensitive ones never while
    /// steps are paused), of the right part of the day, a series only by its first part;
    /// and by what just happened — after an answer (see `moment`), those whose `after`
    /// names its most particular event that any names (the untagged ones when none
    /// does); at any other time only untagged ones, so a message that answers an event is
    /// never sent without it.
    fn fitting(
        &self,
        category: Category,
        timeline: &[Sent],
        state: &State,
        at: DateTime<Utc>,
    ) -> Vec<&'a Prompt> {
        let open: Vec<&Prompt> = self
            .pool(category, &state.rungs)
            .into_iter()
            .filter(|p| !(p.sensitive && state.steps_paused))
            .filter(|p| self.fits_time(p, at))
            .filter(|p| p.series.as_ref().is_none_or(|s| s.part == 1))
            .collect();
        // The most particular event that some message answers is the one answered.
        let events = self.moment(timeline, state, at);
        for event in SPECIFIC_FIRST.iter().filter(|e| events.contains(e)) {
            let answering: Vec<&Prompt> = open
                .iter()
                .copied()
                .filter(|p| p.after.contains(event))
                .collect();
            if !answering.is_empty() {
                return answering;
            }
        }
        open.into_iter().filter(|p| p.after.is_empty()).collect()
    }

    /// A prompt from `rule` for right now, outside the schedule (`closer send`).
    pub fn off_schedule(&self, rule: usize, state: &State, now: DateTime<Utc>) -> Firing {
        let category = self.config.schedule[rule].send;
        let prompt = self
            .choose(category, &state.sent, state, now)
            .map(|p| p.id.clone());
        Firing {
            at: now,
            due: now,
            rule,
            category,
            prompt,
        }
    }

    /// The record of `firing` once it went out.
    pub fn sent(&self, firing: &Firing) -> Sent {
        Sent {
            at: firing.at,
            rule: self.config.schedule[firing.rule].name.clone(),
            due: firing.due,
            category: firing.category,
            prompt: firing.prompt.clone(),
            answered: false,
        }
    }

    /// The prompts a category can draw from, in id order.
    pub fn pool(&self, category: Category, rungs: &BTreeMap<Ladder, u8>) -> Vec<&'a Prompt> {
        let config = self.config;
        self.library
            .iter()
            .filter(|p| p.category == category)
            .filter(|p| config.enables(p))
            .filter(|p| {
                category != Category::Step
                    || p.ladder
                        .is_some_and(|l| p.rung == Some(rungs.get(&l).copied().unwrap_or(1)))
            })
            .collect()
    }

    /// Chooses a prompt of `category` for `at` from those that fit it (see
    /// [`Planner::fitting`]), drawn by [`Planner::weight`] with a roll fixed by the seed.
    /// Never the prompt of this pool sent last, so the same words never come twice in a
    /// row. Messages: none sent since the pool was last used up. Steps: with few people
    /// near, only a rung's wordings that need nobody close where it has one (see
    /// [`Planner::for_few_people`]); a rung's variants take turns (the one its rung
    /// showed last steps aside for another as preferred), and no round is forced, so the
    /// weights shape how often a ladder's rung comes and not only in which order.
    pub fn choose(
        &self,
        category: Category,
        timeline: &[Sent],
        state: &State,
        at: DateTime<Utc>,
    ) -> Option<&'a Prompt> {
        let pool = self.for_few_people(self.fitting(category, timeline, state, at));
        let ids: BTreeSet<&str> = pool.iter().map(|p| p.id.as_str()).collect();
        let mut used = BTreeSet::new();
        let mut last = None;
        // The variant each rung showed last.
        let mut shown: BTreeMap<(Ladder, u8), &str> = BTreeMap::new();
        for id in timeline.iter().filter_map(|s| s.prompt.as_deref()) {
            if let Some(id) = ids.get(id) {
                used.insert(*id);
                last = Some(*id);
                if used.len() == ids.len() {
                    used.clear();
                }
                if let Some(group) = self.library.get(id).and_then(Prompt::group) {
                    shown.insert(group, id);
                }
            }
        }
        let mut candidates: Vec<&Prompt> = if category == Category::Step {
            pool.iter()
                .copied()
                .filter(|p| {
                    let Some(group) = p.group() else { return true };
                    shown.get(&group) != Some(&p.id.as_str())
                        || !pool.iter().any(|q| {
                            q.group() == Some(group)
                                && q.id != p.id
                                && self.weight(q) >= self.weight(p)
                        })
                })
                .collect()
        } else {
            pool.into_iter()
                .filter(|p| !used.contains(p.id.as_str()))
                .collect()
        };
        if candidates.len() > 1 {
            candidates.retain(|p| Some(p.id.as_str()) != last);
        }
        let total: u64 = candidates.iter().map(|p| self.weight(p)).sum();
        if total == 0 {
            return None;
        }
        let roll = mix(
            mix(self.seed, hash_str(category.as_str())),
            at.timestamp() as u64,
        ) % total;
        let mut below = 0;
        candidates.into_iter().find(|p| {
            below += self.weight(p);
            roll < below
        })
    }

    /// With few people near (`[content] people = "few"`), the steps of `pool` without
    /// those that need someone close, on every rung that has a wording needing nobody
    /// close: a person with nobody close is never sent a step they cannot take when the
    /// rung offers one they can. A rung with no such wording keeps its wordings. Anything
    /// else passes unchanged.
    fn for_few_people(&self, pool: Vec<&'a Prompt>) -> Vec<&'a Prompt> {
        if self.config.people != People::Few {
            return pool;
        }
        let open: BTreeSet<(Ladder, u8)> = pool
            .iter()
            .filter(|p| p.category == Category::Step && p.needs() != Needs::Close)
            .filter_map(|p| p.group())
            .collect();
        pool.into_iter()
            .filter(|p| {
                p.category != Category::Step
                    || p.needs() != Needs::Close
                    || p.group().is_none_or(|g| !open.contains(&g))
            })
            .collect()
    }

    /// How strongly the draw leans toward `prompt`: three times for a fear the person
    /// chose to work on (`[content] fears`), three times for a step that needs nobody
    /// close when they have few people near (`[content] people = "few"`), so that
    /// ladders whose rung has such a wording come more often than those whose rung has
    /// none.
    pub fn weight(&self, prompt: &Prompt) -> u64 {
        let fear = !self.config.fears.is_empty()
            && prompt.fear.iter().any(|f| self.config.fears.contains(f));
        let alone = self.config.people == People::Few
            && prompt.category == Category::Step
            && prompt.needs() != Needs::Close;
        [fear, alone]
            .iter()
            .map(|&on| if on { 3 } else { 1 })
            .product()
    }

    /// The next occurrence of `rule` after `from`, with quiet hours applied.
    fn next_item(&self, rule: usize, from: DateTime<Utc>) -> Option<Item> {
        let trigger = &self.config.schedule[rule].trigger;
        let tz = self.config.timezone;
        let salt = self.salt(rule);
        let mut from = from;
        // Each pass skips one quiet period; a year of them is plenty.
        for _ in 0..400 {
            let due = trigger.next_after(from, tz, salt)?;
            let Some(end) = self.quiet_end(due) else {
                return Some(Item {
                    at: due,
                    rule,
                    due,
                    kind: Kind::Fresh,
                });
            };
            match self.config.limits.in_quiet_hours {
                QuietPolicy::Drop => from = end - TimeDelta::seconds(1),
                QuietPolicy::Defer => {
                    // One per rule when quiet hours end: the latest occurrence stands for all,
                    // counting one at the very moment they end (else it would come twice).
                    let latest = trigger
                        .last_between(
                            due - TimeDelta::seconds(1),
                            end + TimeDelta::seconds(1),
                            tz,
                            salt,
                        )
                        .unwrap_or(due);
                    return Some(Item {
                        at: end,
                        rule,
                        due: latest,
                        kind: Kind::Fresh,
                    });
                }
            }
        }
        None
    }

    /// Where a prompt moved to `at` may go: out of quiet hours, or nowhere.
    fn settle(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match (self.quiet_end(at), self.config.limits.in_quiet_hours) {
            (None, _) => Some(at),
            (Some(end), QuietPolicy::Defer) => Some(end),
            (Some(_), QuietPolicy::Drop) => None,
        }
    }

    /// When the quiet hours holding `at` end, if `at` is in them.
    fn quiet_end(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let quiet = self.config.limits.quiet_hours?;
        let local = at.with_timezone(&self.config.timezone);
        quiet
            .contains(local.time())
            .then(|| quiet.end_after(local).with_timezone(&Utc))
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.config.timezone).date_naive()
    }

    fn salt(&self, rule: usize) -> u64 {
        mix(self.seed, hash_str(&self.config.schedule[rule].name))
    }
}

/// What the daemon does on waking.
#[derive(Debug, Clone, PartialEq)]
pub struct Wake {
    /// The prompts to send now.
    pub send: Vec<Firing>,
    /// The prompts that came due while the daemon could not send them, let go.
    pub missed: Vec<Firing>,
    /// The next prompt after these, to sleep until.
    pub next: Option<Firing>,
}

impl Planner<'_> {
    /// What to do on waking at `now`, when everything up to `cursor` was dealt with: the
    /// daemon's one decision, with the clock passed in. Everything that came due since
    /// the cursor is looked at, however long the sleep (as far back as [`MAX_WAIT`]: no
    /// prompt waits longer, so nothing older could still be sent); after a suspend or a
    /// jump of the clock, only the most recent one is sent, if it is recent.
    pub fn wake(&self, state: &State, cursor: DateTime<Utc>, now: DateTime<Utc>) -> Wake {
        let after = cursor.max(now - MAX_WAIT);
        let mut plan = self.through(state, after, now);
        let later = plan.iter().position(|f| f.at > now).unwrap_or(plan.len());
        let next = plan.get(later).cloned();
        plan.truncate(later);
        let (send, missed) = catch_up(&plan, now, self.config.limits.catch_up);
        Wake { send, missed, next }
    }
}

/// How late a prompt may go out and still count as on time.
pub const ON_TIME: TimeDelta = TimeDelta::seconds(60);

/// Splits the prompts that came due by `now` into those to send and those missed. A wake
/// on time (what is due was due at one moment, at most [`ON_TIME`] ago) sends all of it:
/// rules due together go together, as planned. After any gap in which prompts came due at
/// more than one moment — a suspend, a stopped process, a clock jump, a wake held up,
/// however short — only the most recent one goes out, if it is at most `catch_up` old (or
/// on time): never a burst.
pub fn catch_up(
    due: &[Firing],
    now: DateTime<Utc>,
    catch_up: TimeDelta,
) -> (Vec<Firing>, Vec<Firing>) {
    let Some(latest) = due.last() else {
        return (Vec::new(), Vec::new());
    };
    if now - latest.at <= ON_TIME && due.iter().all(|f| f.at == latest.at) {
        return (due.to_vec(), Vec::new());
    }
    let mut missed = due.to_vec();
    let latest = missed.pop().filter(|f| now - f.at <= catch_up.max(ON_TIME));
    if latest.is_none() {
        missed.extend(due.last().cloned());
    }
    (latest.into_iter().collect(), missed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::diag::Source;
    use crate::model::AnswerKind;
    use chrono::Timelike;

    fn setup(toml: &str) -> (Config, Library) {
        let (config, diags) = config::load(&Source::new("test.toml", toml), None);
        assert!(diags.is_empty(), "{diags:#?}");
        (config, Library::load(None).0)
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// The planned times as local RFC 3339 strings with rule names.
    fn plan(toml: &str, from: &str, count: usize) -> Vec<String> {
        let (config, library) = setup(toml);
        let planner = Planner::new(&config, &library, 7);
        planner
            .upcoming(&State::default(), utc(from), count)
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f.at.with_timezone(&config.timezone)
                        .format("%a %Y-%m-%d %H:%M:%S"),
                    config.schedule[f.rule].name
                )
            })
            .collect()
    }

    const LIMITS_OFF: &str = "timezone = \"UTC\"\n[limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\nmax_per_day = 1000\n";

    /// A daily 09:00 step (and optionally more rules), limits out of the way.
    const DAILY_STEP: &str = "timezone = \"UTC\"\n[limits]\nquiet_hours = \"21:30-08:30\"\nmin_gap = \"0\"\nmax_per_day = 100\n\
                              [[schedule]]\nname = \"step\"\nsend = \"step\"\nat = \"09:00\"\n";

    fn sent(at: &str, category: Category, prompt: &str, answered: bool) -> Sent {
        Sent {
            at: utc(at),
            rule: "step".into(),
            due: utc(at),
            category,
            prompt: Some(prompt.into()),
            answered,
        }
    }

    fn categories(planner: &Planner, state: &State, from: &str, n: usize) -> Vec<String> {
        planner
            .upcoming(state, utc(from), n)
            .iter()
            .map(|f| format!("{} {}", f.at.format("%m-%d %H:%M"), f.category))
            .collect()
    }

    #[test]
    fn after_a_hard_or_skipped_step_the_next_prompt_is_kind_then_steps_return() {
        let (config, library) = setup(DAILY_STEP);
        let planner = Planner::new(&config, &library, 1);
        let mut state = State {
            sent: vec![sent(
                "2027-01-04T09:00:00Z",
                Category::Step,
                "emotional-name-a-feeling",
                true,
            )],
            after_setback: Some(utc("2027-01-04T12:00:00Z")),
            ..State::default()
        };
        assert_eq!(
            categories(&planner, &state, "2027-01-04T12:00:00Z", 2),
            ["01-05 09:00 setback", "01-06 09:00 step"]
        );
        // Once a kind message went out after the answer, steps come as before.
        state.sent.push(sent(
            "2027-01-04T13:00:00Z",
            Category::Compassion,
            "compassion-x",
            false,
        ));
        assert_eq!(
            categories(&planner, &state, "2027-01-04T12:00:00Z", 1),
            ["01-05 09:00 step"]
        );
    }

    #[test]
    fn unanswered_steps_thin_out_to_every_other_day() {
        let (config, library) = setup(DAILY_STEP);
        let planner = Planner::new(&config, &library, 1);
        let unanswered = |answered| State {
            sent: ["2027-01-01", "2027-01-02", "2027-01-03"]
                .iter()
                .map(|d| {
                    sent(
                        &format!("{d}T09:00:00Z"),
                        Category::Step,
                        "emotional-name-a-feeling",
                        answered,
                    )
                })
                .collect(),
            ..State::default()
        };
        let state = unanswered(false);
        assert!(planner.fewer(&state.sent));
        assert_eq!(
            categories(&planner, &state, "2027-01-03T12:00:00Z", 3),
            ["01-05 09:00 step", "01-07 09:00 step", "01-09 09:00 step"]
        );
        let state = unanswered(true);
        assert!(!planner.fewer(&state.sent));
        assert_eq!(
            categories(&planner, &state, "2027-01-03T12:00:00Z", 2),
            ["01-04 09:00 step", "01-05 09:00 step"]
        );
    }

    #[test]
    fn paused_steps_become_compassion_and_a_pause_holds_everything() {
        let (config, library) = setup(DAILY_STEP);
        let planner = Planner::new(&config, &library, 1);
        let state = State {
            steps_paused: true,
            ..State::default()
        };
        assert_eq!(
            categories(&planner, &state, "2027-01-04T00:00:00Z", 1),
            ["01-04 09:00 compassion"]
        );
        // Even right after a hard step, and whatever else the schedule sends.
        let toml = format!(
            "{LIMITS_OFF}[[schedule]]\nname = \"s\"\nsend = \"step\"\nat = \"09:00\"\n\
             [[schedule]]\nname = \"c\"\nsend = \"critic\"\nat = \"10:00\"\n\
             [[schedule]]\nname = \"r\"\nsend = \"reflect\"\nat = \"11:00\"\n\
             [[schedule]]\nname = \"b\"\nsend = \"setback\"\nat = \"12:00\"\n"
        );
        let (config, library) = setup(&toml);
        let planner = Planner::new(&config, &library, 1);
        let paused = State {
            steps_paused: true,
            after_setback: Some(utc("2027-01-03T20:00:00Z")),
            ..State::default()
        };
        assert_eq!(
            categories(&planner, &paused, "2027-01-04T00:00:00Z", 3),
            [
                "01-04 09:00 compassion",
                "01-04 12:00 compassion",
                "01-05 09:00 compassion"
            ]
        );
        let (config, library) = setup(DAILY_STEP);
        let planner = Planner::new(&config, &library, 1);
        let state = State {
            paused_until: Some(utc("2027-01-07T10:00:00Z")),
            ..State::default()
        };
        assert_eq!(
            categories(&planner, &state, "2027-01-04T00:00:00Z", 1),
            ["01-08 09:00 step"]
        );
    }

    #[test]
    fn a_snoozed_prompt_comes_again_later_but_not_in_quiet_hours() {
        let (config, library) = setup(DAILY_STEP);
        let planner = Planner::new(&config, &library, 1);
        let snoozed = |asked: &str| State {
            sent: vec![sent(
                "2027-01-04T09:00:00Z",
                Category::Step,
                "emotional-name-a-feeling",
                true,
            )],
            snoozed: vec![Snoozed {
                at: utc(asked) + TimeDelta::hours(1),
                asked: utc(asked),
                rule: "step".into(),
                due: utc("2027-01-04T09:00:00Z"),
                category: Category::Step,
                prompt: "emotional-name-a-feeling".into(),
            }],
            ..State::default()
        };
        let state = snoozed("2027-01-04T09:10:00Z");
        let plan = planner.upcoming(&state, utc("2027-01-04T09:10:00Z"), 2);
        assert_eq!(plan[0].at, utc("2027-01-04T10:10:00Z"));
        assert_eq!(plan[0].prompt.as_deref(), Some("emotional-name-a-feeling"));
        assert_eq!(plan[1].at, utc("2027-01-05T09:00:00Z"));
        // Once sent again, it is not planned a second time.
        let mut again = state.clone();
        again.sent.push(Sent {
            at: plan[0].at,
            ..state.sent[0].clone()
        });
        assert_eq!(
            planner.upcoming(&again, plan[0].at, 1)[0].at,
            utc("2027-01-05T09:00:00Z")
        );
        // Snoozed at 21:00: it waits for the end of quiet hours.
        let late = snoozed("2027-01-04T21:00:00Z");
        assert_eq!(
            planner.upcoming(&late, utc("2027-01-04T21:00:00Z"), 1)[0].at,
            utc("2027-01-05T08:30:00Z")
        );
    }

    #[test]
    fn a_finished_rung_due_for_review_comes_back_once() {
        let (config, library) = setup(DAILY_STEP);
        let planner = Planner::new(&config, &library, 1);
        let mut rungs = BTreeMap::new();
        for l in &config.ladders {
            rungs.insert(*l, 3);
        }
        let state = State {
            rungs,
            reviews: vec![Review {
                due: utc("2027-01-05T00:00:00Z"),
                ladder: Ladder::Emotional,
                rung: 1,
            }],
            ..State::default()
        };
        let plan = planner.upcoming(&state, utc("2027-01-04T12:00:00Z"), 3);
        let places: Vec<(Option<Ladder>, Option<u8>)> = plan
            .iter()
            .map(|f| {
                library
                    .get(f.prompt.as_ref().unwrap())
                    .map(|p| (p.ladder, p.rung))
                    .unwrap()
            })
            .collect();
        assert_eq!(places[0], (Some(Ladder::Emotional), Some(1)), "{plan:?}");
        assert!(places[1..].iter().all(|(_, r)| *r == Some(3)), "{places:?}");
    }

    #[test]
    fn a_review_brings_the_rung_back_in_other_words() {
        let (config, library) = setup(DAILY_STEP);
        let planner = Planner::new(&config, &library, 1);
        let rungs: BTreeMap<Ladder, u8> = config.ladders.iter().map(|l| (*l, 3)).collect();
        let review = |last: &str| State {
            rungs: rungs.clone(),
            sent: vec![sent("2027-01-01T09:00:00Z", Category::Step, last, true)],
            reviews: vec![Review {
                due: utc("2027-01-05T00:00:00Z"),
                ladder: Ladder::Emotional,
                rung: 1,
            }],
            ..State::default()
        };
        for (last, then) in [
            ("emotional-name-a-feeling", "emotional-three-checks"),
            ("emotional-three-checks", "emotional-name-a-feeling"),
        ] {
            let plan = planner.upcoming(&review(last), utc("2027-01-04T12:00:00Z"), 1);
            assert_eq!(plan[0].prompt.as_deref(), Some(then), "after {last}");
        }
    }

    #[test]
    fn after_a_suspend_only_the_latest_recent_prompt_goes_out_and_nothing_twice() {
        // The daemon's wake, with the clock passed in: asleep from 08:30 until 12:20.
        let toml = "timezone = \"UTC\"\n[limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\nmax_per_day = 100\n\
                    catch_up = \"30m\"\n\
                    [[schedule]]\nname = \"hourly\"\nsend = \"learn\"\ncron = \"0 * * * *\"\n";
        let (config, library) = setup(toml);
        let planner = Planner::new(&config, &library, 1);
        let mut state = State::default();
        let at = |w: &Wake| -> Vec<DateTime<Utc>> { w.send.iter().map(|f| f.at).collect() };

        let wake = planner.wake(
            &state,
            utc("2027-01-04T08:30:00Z"),
            utc("2027-01-04T08:30:00Z"),
        );
        assert!(wake.send.is_empty() && wake.missed.is_empty());
        assert_eq!(wake.next.unwrap().at, utc("2027-01-04T09:00:00Z"));

        // 09:00, 10:00, 11:00 and 12:00 came due in the sleep: only 12:00 goes out.
        let wake = planner.wake(
            &state,
            utc("2027-01-04T08:30:00Z"),
            utc("2027-01-04T12:20:00Z"),
        );
        assert_eq!(at(&wake), [utc("2027-01-04T12:00:00Z")]);
        assert_eq!(wake.missed.len(), 3);
        assert_eq!(wake.next.as_ref().unwrap().at, utc("2027-01-04T13:00:00Z"));
        state.sent.extend(wake.send.iter().map(|f| planner.sent(f)));

        // The latest missed one is older than the catch-up window (30 min): none goes out late.
        let wake = planner.wake(
            &state,
            utc("2027-01-04T12:20:00Z"),
            utc("2027-01-04T16:45:00Z"),
        );
        assert!(wake.send.is_empty(), "{wake:?}");
        assert_eq!(wake.missed.len(), 4);

        // The clock set back an hour: the cursor stays, nothing is sent again.
        let wake = planner.wake(
            &state,
            utc("2027-01-04T12:20:00Z"),
            utc("2027-01-04T11:20:00Z"),
        );
        assert!(wake.send.is_empty() && wake.missed.is_empty());
        assert_eq!(wake.next.unwrap().at, utc("2027-01-04T13:00:00Z"));
    }

    #[test]
    fn after_a_long_suspend_every_missed_prompt_is_seen_and_the_latest_recent_one_sent() {
        // Asleep from 08:30 until 20:10: eleven hourly prompts came due, 09:00 to 19:00
        // missed, 20:00 recent enough to send.
        let toml = "timezone = \"UTC\"\n[limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\nmax_per_day = 100\n\
                    catch_up = \"30m\"\n\
                    [[schedule]]\nname = \"hourly\"\nsend = \"learn\"\ncron = \"0 * * * *\"\n";
        let (config, library) = setup(toml);
        let planner = Planner::new(&config, &library, 1);
        let wake = planner.wake(
            &State::default(),
            utc("2027-01-04T08:30:00Z"),
            utc("2027-01-04T20:10:00Z"),
        );
        let hours = |fs: &[Firing]| -> Vec<u32> { fs.iter().map(|f| f.at.hour()).collect() };
        assert_eq!(hours(&wake.send), [20]);
        assert_eq!(hours(&wake.missed), (9..=19).collect::<Vec<_>>());
        assert_eq!(wake.next.unwrap().at, utc("2027-01-04T21:00:00Z"));

        // Asleep for a week: what is older than a day could not be sent anyway.
        let wake = planner.wake(
            &State::default(),
            utc("2027-01-04T08:30:00Z"),
            utc("2027-01-11T20:10:00Z"),
        );
        assert_eq!(hours(&wake.send), [20]);
        assert_eq!(wake.missed.len(), 23);
        assert_eq!(wake.next.unwrap().at, utc("2027-01-11T21:00:00Z"));
    }

    #[test]
    fn a_stop_shorter_than_a_minute_releases_no_burst() {
        // A rule every four seconds; the daemon stopped (SIGSTOP) for 40 s, then woken.
        let toml = "timezone = \"UTC\"\n[limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\nmax_per_day = 1000\n\
                    catch_up = \"0\"\n\
                    [[schedule]]\nname = \"often\"\nsend = \"learn\"\ncron = \"*/4 * * * * *\"\n\
                    [[schedule]]\nname = \"also often\"\nsend = \"compassion\"\ncron = \"*/4 * * * * *\"\n";
        let (config, library) = setup(toml);
        let planner = Planner::new(&config, &library, 1);
        let stopped = utc("2027-01-04T09:00:01Z");
        let at = |fs: &[Firing]| -> Vec<String> {
            fs.iter()
                .map(|f| format!("{} {}", f.at.format("%H:%M:%S"), f.rule))
                .collect()
        };
        // On time: what is due at this one moment goes out, both rules' prompts; so after
        // a stop in which only that one moment passed.
        for now in ["2027-01-04T09:00:04.200Z", "2027-01-04T09:00:06.200Z"] {
            let wake = planner.wake(&State::default(), stopped, utc(now));
            assert_eq!(at(&wake.send), ["09:00:04 0", "09:00:04 1"], "at {now}");
        }
        // Later: a prompt was due at more than one moment in the gap (forty seconds:
        // twenty prompts); one goes out, the latest.
        for gap in [9, 40, 59] {
            let now = stopped + TimeDelta::seconds(gap) + TimeDelta::milliseconds(200);
            let wake = planner.wake(&State::default(), stopped, now);
            assert_eq!(wake.send.len(), 1, "after {gap} s: {:?}", at(&wake.send));
            let latest = wake.send[0].at;
            assert!(now - latest < TimeDelta::seconds(4), "after {gap} s");
            assert!(wake.missed.iter().all(|f| f.at <= latest));
            // Due at 09:00:04, :08, … up to the wake, two prompts each time.
            let moments = (gap as usize + 1) / 4;
            assert_eq!(wake.missed.len() + 1, 2 * moments, "after {gap} s");
        }
    }

    #[test]
    fn catching_up_sends_at_most_the_latest_recent_prompt() {
        let now = utc("2027-01-05T12:00:00Z");
        let firing = |at: &str| Firing {
            at: utc(at),
            due: utc(at),
            rule: 0,
            category: Category::Learn,
            prompt: None,
        };
        let hours = TimeDelta::hours(2);
        let on_time = [
            firing("2027-01-05T11:59:30Z"),
            Firing {
                rule: 1,
                ..firing("2027-01-05T11:59:30Z")
            },
        ];
        assert_eq!(catch_up(&on_time, now, hours), (on_time.to_vec(), vec![]));
        // Due at two moments, though both within the minute: the daemon missed one wake.
        let held_up = [
            firing("2027-01-05T11:59:30Z"),
            firing("2027-01-05T12:00:00Z"),
        ];
        assert_eq!(
            catch_up(&held_up, now, TimeDelta::zero()),
            (vec![held_up[1].clone()], vec![held_up[0].clone()])
        );
        let asleep = [
            firing("2027-01-05T08:30:00Z"),
            firing("2027-01-05T10:30:00Z"),
        ];
        assert_eq!(
            catch_up(&asleep, now, hours),
            (vec![asleep[1].clone()], vec![asleep[0].clone()])
        );
        let long_ago = [
            firing("2027-01-05T08:30:00Z"),
            firing("2027-01-05T09:30:00Z"),
        ];
        assert_eq!(catch_up(&long_ago, now, hours), (vec![], long_ago.to_vec()));
        assert_eq!(catch_up(&long_ago, now, TimeDelta::zero()).0, vec![]);
    }

    #[test]
    fn a_daily_0230_on_daylight_saving_days_in_berlin() {
        let toml = "timezone = \"Europe/Berlin\"\n[limits]\nquiet_hours = \"off\"\n[[schedule]]\nname = \"night\"\nsend = \"learn\"\ncron = \"30 2 * * *\"\n";
        assert_eq!(
            plan(toml, "2027-03-27T00:00:00Z", 3),
            [
                "Sat 2027-03-27 02:30:00 night",
                "Sun 2027-03-28 03:00:00 night",
                "Mon 2027-03-29 02:30:00 night"
            ]
        );
        assert_eq!(
            plan(toml, "2027-10-30T00:00:00Z", 3),
            [
                "Sat 2027-10-30 02:30:00 night",
                "Sun 2027-10-31 02:30:00 night",
                "Mon 2027-11-01 02:30:00 night"
            ]
        );
    }

    #[test]
    fn quiet_hours_defer_one_prompt_per_rule_to_their_end() {
        let toml = "timezone = \"UTC\"\n[limits]\nmin_gap = \"0\"\nmax_per_day = 100\n\
                    [[schedule]]\nname = \"often\"\nsend = \"learn\"\ncron = \"0 */2 * * *\"\n\
                    [[schedule]]\nname = \"late\"\nsend = \"reflect\"\nat = \"23:00\"\n";
        assert_eq!(
            plan(toml, "2027-01-04T19:30:00Z", 5),
            [
                "Mon 2027-01-04 20:00:00 often",
                // Both waited for quiet hours to end; "late" waited longer.
                "Tue 2027-01-05 08:30:00 late",
                "Tue 2027-01-05 08:30:00 often",
                "Tue 2027-01-05 10:00:00 often",
                "Tue 2027-01-05 12:00:00 often"
            ]
        );
        let dropped = toml.replace("[limits]\n", "[limits]\nin_quiet_hours = \"drop\"\n");
        assert_eq!(
            plan(&dropped, "2027-01-04T19:30:00Z", 2),
            [
                "Mon 2027-01-04 20:00:00 often",
                "Tue 2027-01-05 10:00:00 often"
            ]
        );
    }

    #[test]
    fn a_rule_due_as_quiet_hours_end_comes_once() {
        let toml = "timezone = \"UTC\"\n[limits]\nquiet_hours = \"22:00-08:00\"\nmin_gap = \"0s\"\n\
                    [[schedule]]\nname = \"two\"\nsend = \"learn\"\ncron = \"0 */2 * * *\"\n";
        assert_eq!(
            plan(toml, "2027-01-04T19:00:00Z", 5),
            [
                "Mon 2027-01-04 20:00:00 two",
                "Tue 2027-01-05 08:00:00 two",
                "Tue 2027-01-05 10:00:00 two",
                "Tue 2027-01-05 12:00:00 two",
                "Tue 2027-01-05 14:00:00 two"
            ]
        );
        // The same with the look back starting inside quiet hours.
        assert_eq!(
            plan(toml, "2027-01-05T07:59:59Z", 2),
            ["Tue 2027-01-05 08:00:00 two", "Tue 2027-01-05 10:00:00 two"]
        );
    }

    #[test]
    fn the_gap_moves_a_prompt_later_and_the_cap_drops_extras() {
        let toml = "timezone = \"UTC\"\n[limits]\nquiet_hours = \"21:30-08:30\"\nmin_gap = \"90m\"\nmax_per_day = 3\n\
                    [[schedule]]\nname = \"a\"\nsend = \"learn\"\nat = \"09:00\"\n\
                    [[schedule]]\nname = \"b\"\nsend = \"compassion\"\nat = \"09:30\"\n\
                    [[schedule]]\nname = \"c\"\nsend = \"reflect\"\nat = \"11:00\"\n\
                    [[schedule]]\nname = \"d\"\nsend = \"critic\"\nat = \"20:30\"\n";
        assert_eq!(
            plan(toml, "2027-01-04T00:00:00Z", 4),
            [
                "Mon 2027-01-04 09:00:00 a",
                "Mon 2027-01-04 10:30:00 b",
                "Mon 2027-01-04 12:00:00 c",
                "Tue 2027-01-05 09:00:00 a"
            ]
        );
    }

    #[test]
    fn a_rule_is_not_starved_by_a_rule_before_it() {
        // The hourly rule comes due at every moment the step could go out; the step has
        // waited longer, so it goes first.
        let toml = "timezone = \"UTC\"\n[limits]\nmax_per_day = 10\nmin_gap = \"1h\"\n\
                    [[schedule]]\nname = \"hourly\"\nsend = \"learn\"\ncron = \"0 * * * *\"\n\
                    [[schedule]]\nname = \"step\"\nsend = \"step\"\nat = \"09:00\"\n";
        let (config, library) = setup(toml);
        let planner = Planner::new(&config, &library, 1);
        let from = utc("2027-01-04T00:00:00Z");
        let firings = planner.through(&State::default(), from, from + TimeDelta::days(30));
        let steps: Vec<_> = firings
            .iter()
            .filter(|f| f.rule == 1 && f.at < from + TimeDelta::days(30))
            .collect();
        // Unanswered steps thin out to every other day; none is starved.
        assert!(steps.len() >= 15, "{} steps in 30 days", steps.len());
        assert!(
            steps
                .windows(2)
                .all(|w| w[1].at - w[0].at <= TimeDelta::days(2))
        );
        assert!(steps.iter().all(|f| f.at - f.due < TimeDelta::hours(2)));
        assert!(firings.iter().filter(|f| f.rule == 0).count() > 200);
    }

    #[test]
    fn a_pattern_firing_every_few_minutes_never_makes_a_burst() {
        let toml = "timezone = \"UTC\"\n[[schedule]]\nname = \"often\"\nsend = \"compassion\"\ncron = \"*/5 * * * *\"\n";
        assert_eq!(
            plan(toml, "2027-01-04T22:00:00Z", 5),
            [
                "Tue 2027-01-05 08:30:00 often",
                "Tue 2027-01-05 10:00:00 often",
                "Tue 2027-01-05 11:30:00 often",
                "Tue 2027-01-05 13:00:00 often",
                "Wed 2027-01-06 08:30:00 often"
            ]
        );
    }

    #[test]
    fn sending_a_plan_one_by_one_gives_the_same_plan() {
        // The daemon replans after each prompt; the preview plans all at once.
        let configs = [
            include_str!("../../../config/default.toml").replace("\"local\"", "\"Europe/Berlin\""),
            format!("{LIMITS_OFF}[[schedule]]\nname = \"s\"\nsend = \"step\"\ncron = \"*/20 * * * * *\"\n"),
            "timezone = \"UTC\"\n[[schedule]]\nname = \"often\"\nsend = \"compassion\"\ncron = \"*/7 * * * *\"\n\
             [[schedule]]\nname = \"late\"\nsend = \"reflect\"\nat = \"21:00-23:00\"\n"
                .to_owned(),
        ];
        for toml in configs {
            let (config, library) = setup(&toml);
            let planner = Planner::new(&config, &library, 99);
            let from = utc("2027-03-26T18:00:00Z");
            let all = planner.upcoming(&State::default(), from, 30);
            assert_eq!(all.len(), 30);
            let mut state = State::default();
            let mut after = from;
            for expected in &all {
                let next = planner.upcoming(&state, after, 1).remove(0);
                assert_eq!(&next, expected, "{toml}");
                state.sent.push(planner.sent(&next));
                after = next.at;
            }
        }
    }

    #[test]
    fn a_prompt_waiting_for_quiet_hours_to_end_survives_a_replan() {
        let toml = "timezone = \"UTC\"\n[limits]\nmin_gap = \"90m\"\n\
                    [[schedule]]\nname = \"late\"\nsend = \"reflect\"\nat = \"23:00\"\n\
                    [[schedule]]\nname = \"early\"\nsend = \"learn\"\nat = \"06:00\"\n";
        let (config, library) = setup(toml);
        let planner = Planner::new(&config, &library, 1);
        let from_evening = planner.upcoming(&State::default(), utc("2027-01-04T20:00:00Z"), 2);
        let from_night = planner.upcoming(&State::default(), utc("2027-01-05T03:00:00Z"), 2);
        assert_eq!(from_evening, from_night);
        assert_eq!(from_night[0].at, utc("2027-01-05T08:30:00Z"));
        assert_eq!(from_night[1].at, utc("2027-01-05T10:00:00Z"));
    }

    #[test]
    fn prompts_do_not_repeat_until_the_pool_is_used_up() {
        // Every morning at ten: the prompts that fit are the same each time (those for any
        // moment and those for the morning).
        let toml = format!(
            "{LIMITS_OFF}[[schedule]]\nname = \"kind\"\nsend = \"compassion\"\ncron = \"0 10 * * *\"\n"
        );
        let (config, library) = setup(&toml);
        let planner = Planner::new(&config, &library, 3);
        let at = utc("2027-01-01T10:00:00Z");
        let size = planner
            .fitting(Category::Compassion, &[], &State::default(), at)
            .len();
        assert!(size > 10);
        let firings = planner.upcoming(&State::default(), utc("2027-01-01T00:00:00Z"), 2 * size);
        let ids: Vec<_> = firings.iter().map(|f| f.prompt.clone().unwrap()).collect();
        let first: BTreeSet<_> = ids[..size].iter().collect();
        let second: BTreeSet<_> = ids[size..].iter().collect();
        assert_eq!(first.len(), size, "the first round repeats");
        assert_eq!(second.len(), size, "the second round repeats");
        assert!(ids.windows(2).all(|w| w[0] != w[1]));
    }

    /// The steps `choose` draws at `n` moments an hour apart, each sent before the next.
    fn draws(planner: &Planner, rungs: &BTreeMap<Ladder, u8>, n: usize) -> Vec<&'static str> {
        let mut timeline: Vec<Sent> = Vec::new();
        let mut ids = Vec::new();
        let state = State {
            rungs: rungs.clone(),
            ..State::default()
        };
        for i in 0..n {
            let at = utc("2027-01-04T09:00:00Z") + TimeDelta::hours(i as i64);
            let p = planner
                .choose(Category::Step, &timeline, &state, at)
                .unwrap();
            timeline.push(Sent {
                at,
                rule: "step".into(),
                due: at,
                category: Category::Step,
                prompt: Some(p.id.clone()),
                answered: true,
            });
            ids.push(String::leak(p.id.clone()) as &str);
        }
        ids
    }

    #[test]
    fn the_draw_leans_toward_the_fears_chosen_and_steps_for_few_people() {
        let library = Library::load(None).0;
        let rungs: BTreeMap<Ladder, u8> = Ladder::ALL.iter().map(|l| (*l, 7)).collect();
        let share = |toml: &str, hit: &dyn Fn(&Prompt) -> bool| {
            let (config, _) = config::load(&Source::new("t.toml", toml), None);
            let planner = Planner::new(&config, &library, 11);
            let ids = draws(&planner, &rungs, 600);
            ids.iter()
                .filter(|id| hit(library.get(id).unwrap()))
                .count() as f64
                / 600.0
        };
        let alone = |p: &Prompt| p.needs() != Needs::Close;
        let some = share("[content]\npeople = \"some\"\n", &alone);
        let few = share("[content]\npeople = \"few\"\n", &alone);
        assert!(few > some + 0.1, "few {few} vs some {some}");
        let left = |p: &Prompt| p.fear.contains(&crate::content::Fear::Abandonment);
        let any = share("", &left);
        let chosen = share("[content]\nfears = [\"abandonment\"]\n", &left);
        assert!(chosen > any + 0.1, "chosen {chosen} vs any {any}");
    }

    #[test]
    fn with_few_people_a_rung_always_gets_its_wording_that_needs_nobody_close() {
        // Issue 21: with `people = "few"`, a rung that has a wording for someone with
        // nobody close still sent its other wordings, steps that person cannot take.
        const PACK: &str = r#"
[[prompt]]
id = "tell-a-friend"
category = "step"
ladder = "emotional"
rung = 1
distress = 1
needs = "close"
title = "T"
body = "Tell a friend one feeling."

[[prompt]]
id = "tell-your-sister"
category = "step"
ladder = "emotional"
rung = 1
distress = 1
title = "T"
body = "Tell your sister one feeling."

[[prompt]]
id = "write-it-down"
category = "step"
ladder = "emotional"
rung = 1
distress = 1
needs = "nobody"
title = "T"
body = "Write one feeling down."

[[prompt]]
id = "ask-a-colleague"
category = "step"
ladder = "intellectual"
rung = 1
distress = 1
needs = "close"
title = "T"
body = "Ask someone close for their view."
"#;
        let mut library = Library::default();
        let mut diags = Vec::new();
        library.add_pack(&Source::new("few.toml", PACK), false, &mut diags);
        assert!(diags.is_empty(), "{diags:#?}");
        let rungs: BTreeMap<Ladder, u8> =
            [(Ladder::Emotional, 1), (Ladder::Intellectual, 1)].into();
        let config = |people: &str| {
            let toml = format!(
                "{DAILY_STEP}[content]\nladders = [\"emotional\", \"intellectual\"]\npeople = \"{people}\"\n"
            );
            let (config, diags) = config::load(&Source::new("t.toml", &toml), None);
            assert!(diags.is_empty(), "{diags:#?}");
            config
        };
        let (few, some) = (config("few"), config("some"));
        for seed in 0..20 {
            let drawn: BTreeSet<&str> = draws(&Planner::new(&few, &library, seed), &rungs, 40)
                .into_iter()
                .collect();
            // A rung with no such wording keeps the ones it has.
            assert_eq!(
                drawn,
                ["ask-a-colleague", "write-it-down"].into(),
                "seed {seed}"
            );
        }
        let drawn: BTreeSet<&str> = draws(&Planner::new(&some, &library, 1), &rungs, 40)
            .into_iter()
            .collect();
        assert_eq!(drawn.len(), 4, "{drawn:?}");

        // A finished rung that comes back for review comes back in that wording too.
        let state = State {
            rungs: [(Ladder::Emotional, 2), (Ladder::Intellectual, 1)].into(),
            reviews: vec![Review {
                due: utc("2027-01-04T00:00:00Z"),
                ladder: Ladder::Emotional,
                rung: 1,
            }],
            ..State::default()
        };
        for seed in 0..20 {
            let planner = Planner::new(&few, &library, seed);
            let at = utc("2027-01-04T09:00:00Z");
            let review = planner.pick(Category::Step, (0, at), &[], &state, at);
            assert_eq!(review.map(|p| p.id.as_str()), Some("write-it-down"));
        }
    }

    #[test]
    fn a_rungs_wordings_take_turns_and_never_come_twice_in_a_row() {
        let (config, library) = setup("[content]\nladders = [\"emotional\"]\n");
        let planner = Planner::new(&config, &library, 5);
        let rungs: BTreeMap<Ladder, u8> = [(Ladder::Emotional, 3)].into();
        let variants = planner.pool(Category::Step, &rungs).len();
        assert_eq!(variants, 3);
        let ids = draws(&planner, &rungs, 30);
        assert!(ids.windows(2).all(|w| w[0] != w[1]), "{ids:?}");
        let seen: BTreeSet<_> = ids.iter().collect();
        assert_eq!(seen.len(), variants, "{ids:?}");
        // The same inputs give the same draws.
        assert_eq!(ids, draws(&planner, &rungs, 30));
    }

    #[test]
    fn steps_come_from_enabled_ladders_only() {
        let toml = format!(
            "{LIMITS_OFF}[[schedule]]\nname = \"s\"\nsend = \"step\"\ncron = \"0 * * * *\"\n"
        );
        let (config, library) = setup(&toml);
        let planner = Planner::new(&config, &library, 3);
        let firings = planner.upcoming(&State::default(), utc("2027-01-01T00:00:00Z"), 40);
        for f in &firings {
            let p = library.get(f.prompt.as_ref().unwrap()).unwrap();
            assert!(!p.ladder.unwrap().off_by_default(), "{}", p.id);
            assert_eq!(p.rung, Some(1));
        }
        let mut rungs = BTreeMap::new();
        rungs.insert(Ladder::Emotional, 3);
        let pool = planner.pool(Category::Step, &rungs);
        assert!(
            pool.iter()
                .any(|p| p.ladder == Some(Ladder::Emotional) && p.rung == Some(3))
        );
        // Supporter messages stay off unless turned on.
        assert!(planner.pool(Category::Support, &rungs).is_empty());
    }

    /// A pack where every rule of care has a prompt to show: messages for each event,
    /// one for the evening, a three-part series, one that can touch old pain.
    const CARE_PACK: &str = r#"
[[prompt]]
id = "step-one"
category = "step"
ladder = "emotional"
rung = 1
distress = 1
title = "T"
body = "A step."

[[prompt]]
id = "setback-plain"
category = "setback"
title = "T"
body = "Any day."

[[prompt]]
id = "setback-skip"
category = "setback"
after = ["skip"]
title = "T"
body = "You skipped."

[[prompt]]
id = "setback-hard"
category = "setback"
after = ["hard"]
title = "T"
body = "It was hard."

[[prompt]]
id = "setback-too-much"
category = "setback"
after = ["too-much"]
title = "T"
body = "It was too much."

[[prompt]]
id = "setback-feared"
category = "setback"
after = ["feared-happened"]
title = "T"
body = "It happened."

[[prompt]]
id = "setback-return"
category = "setback"
after = ["return"]
title = "T"
body = "Welcome back."

[[prompt]]
id = "compassion-plain"
category = "compassion"
title = "T"
body = "Kind."

[[prompt]]
id = "compassion-done"
category = "compassion"
after = ["done"]
title = "T"
body = "You did it."

[[prompt]]
id = "compassion-evening"
category = "compassion"
time = "evening"
title = "T"
body = "This evening."

[[prompt]]
id = "critic-plain"
category = "critic"
title = "T"
body = "Check."

[[prompt]]
id = "critic-record-1"
category = "critic"
series = "record"
part = 1
title = "T"
body = "One."

[[prompt]]
id = "critic-record-2"
category = "critic"
series = "record"
part = 2
title = "T"
body = "Two."

[[prompt]]
id = "critic-record-3"
category = "critic"
series = "record"
part = 3
title = "T"
body = "Three."

[[prompt]]
id = "reflect-plain"
category = "reflect"
title = "T"
body = "Think."

[[prompt]]
id = "reflect-old-pain"
category = "reflect"
sensitive = true
title = "T"
body = "Long ago."
"#;

    fn care_setup(toml: &str) -> (Config, Library) {
        let (config, diags) = config::load(&Source::new("test.toml", toml), None);
        assert!(diags.is_empty(), "{diags:#?}");
        let mut library = Library::default();
        let mut diags = Vec::new();
        library.add_pack(&Source::new("care.toml", CARE_PACK), false, &mut diags);
        assert!(diags.is_empty(), "{diags:#?}");
        (config, library)
    }

    fn daily(send: &str, at: &str) -> String {
        format!(
            "{LIMITS_OFF}[content]\nladders = [\"emotional\"]\n[[schedule]]\nname = \"r\"\nsend = \"{send}\"\nat = \"{at}\"\n"
        )
    }

    /// The latest answer as the history would give it: `distress` 8 or more read as too
    /// much, an answer more than a week after `previous` as after a restart.
    fn answered(
        at: DateTime<Utc>,
        kind: AnswerKind,
        distress: Option<u8>,
        happened: Option<bool>,
        previous: Option<DateTime<Utc>>,
    ) -> Answered {
        use crate::model::{Distress, Happened};
        let happened = happened.map(|h| if h { Happened::Yes } else { Happened::No });
        let distress = distress.and_then(Distress::new);
        let step = crate::progress::StepAnswer {
            sent_id: 1,
            at,
            ladder: Ladder::Emotional,
            rung: 1,
            kind,
            distress,
            happened,
            too_much: crate::progress::too_much(kind, distress, happened, false, 5.0),
        };
        let returned = previous.is_some_and(|p| at - p > TimeDelta::days(7));
        Answered {
            at,
            events: step.events(false, returned),
        }
    }

    fn ids(planner: &Planner, state: &State, from: &str, n: usize) -> Vec<String> {
        planner
            .upcoming(state, utc(from), n)
            .into_iter()
            .map(|f| f.prompt.unwrap_or_default())
            .collect()
    }

    #[test]
    fn the_message_after_an_answer_fits_it_and_tagged_ones_wait_for_their_event() {
        let (config, library) = care_setup(&daily("setback", "09:00"));
        let planner = Planner::new(&config, &library, 1);
        let answered_at = "2027-01-04T08:00:00Z";
        let before = Some(utc("2027-01-03T08:00:00Z"));
        let long_before = Some(utc("2026-12-01T08:00:00Z"));
        use AnswerKind::*;
        let table = [
            (Skip, None, None, before, "setback-skip"),
            (Hard, None, None, before, "setback-hard"),
            (Hard, Some(6), None, before, "setback-hard"),
            (Hard, Some(9), None, before, "setback-too-much"),
            (Done, Some(6), Some(true), before, "setback-feared"),
            (Hard, Some(6), Some(true), before, "setback-feared"),
            (Skip, None, None, long_before, "setback-return"),
            (Skip, None, None, None, "setback-skip"),
            // Nothing here answers a done: an untagged one.
            (Done, Some(2), Some(false), before, "setback-plain"),
        ];
        for (kind, distress, happened, previous, expected) in table {
            let state = State {
                last_answer: Some(answered(
                    utc(answered_at),
                    kind,
                    distress,
                    happened,
                    previous,
                )),
                ..State::default()
            };
            let plan = ids(&planner, &state, answered_at, 3);
            assert_eq!(plan[0], expected, "{kind:?} {distress:?} {happened:?}");
            // Only the first message after the answer answers it.
            assert_eq!(plan[1..], ["setback-plain"; 2], "{kind:?}");
        }
        // Without an answer, or with a message sent since, only untagged ones.
        assert_eq!(
            ids(&planner, &State::default(), answered_at, 2),
            ["setback-plain"; 2]
        );
        let since = |category| State {
            last_answer: Some(answered(utc(answered_at), Skip, None, None, before)),
            sent: vec![sent("2027-01-04T08:30:00Z", category, "x", false)],
            ..State::default()
        };
        assert_eq!(
            ids(&planner, &since(Category::Compassion), answered_at, 1),
            ["setback-plain"]
        );
        // A message of another kind between does not answer it.
        assert_eq!(
            ids(&planner, &since(Category::Learn), answered_at, 1),
            ["setback-skip"]
        );
        // A day later it is no longer news: nothing says "today" of it.
        let late = State {
            last_answer: Some(answered(
                utc("2027-01-03T08:00:00Z"),
                Skip,
                None,
                None,
                before,
            )),
            ..State::default()
        };
        assert_eq!(ids(&planner, &late, answered_at, 1), ["setback-plain"]);

        // A done is met as a done.
        let (config, library) = care_setup(&daily("compassion", "09:00"));
        let planner = Planner::new(&config, &library, 1);
        let state = State {
            last_answer: Some(answered(utc(answered_at), Done, Some(2), None, before)),
            ..State::default()
        };
        assert_eq!(
            ids(&planner, &state, answered_at, 2),
            ["compassion-done", "compassion-plain"]
        );
    }

    #[test]
    fn a_feared_outcome_that_happened_is_met_kindly_before_the_next_step() {
        let (config, library) = care_setup(&daily("step", "09:00"));
        let planner = Planner::new(&config, &library, 1);
        let mut entries = Vec::new();
        let row = |id, at: &str| crate::model::SentRow {
            id,
            at: utc(at),
            due: utc(at),
            rule: "r".into(),
            category: Category::Step,
            prompt: Some("step-one".into()),
            ladder: Some(Ladder::Emotional),
            rung: Some(1),
            notification: None,
            shown: Default::default(),
        };
        entries.push(crate::model::Entry::Sent(row(1, "2027-01-04T09:00:00Z")));
        entries.push(crate::model::Entry::Answer(crate::model::AnswerRow {
            id: 1,
            sent_id: 1,
            at: utc("2027-01-04T18:00:00Z"),
            kind: AnswerKind::Done,
            distress: crate::model::Distress::new(6),
            happened: Some(crate::model::Happened::Yes),
            too_much: false,
            source: "terminal".into(),
        }));
        let history = crate::history::History::digest(
            &entries,
            &crate::history::Settings::default(),
            TimeDelta::hours(1),
        );
        assert_eq!(
            ids(&planner, &history.state, "2027-01-04T18:00:00Z", 2),
            ["setback-feared", "step-one"]
        );
    }

    #[test]
    fn a_message_for_a_part_of_the_day_goes_out_only_then() {
        for (at, allowed) in [
            ("08:00", false),
            ("12:30", false),
            ("16:59", false),
            ("17:00", true),
            ("21:00", true),
        ] {
            let (config, library) = care_setup(&daily("compassion", at));
            let planner = Planner::new(&config, &library, 7);
            let plan = ids(&planner, &State::default(), "2027-01-04T00:00:00Z", 6);
            assert_eq!(
                plan.iter().any(|id| id == "compassion-evening"),
                allowed,
                "{at}: {plan:?}"
            );
        }
        // Local time: 17:00 in New York is evening there, whatever UTC says.
        let toml = daily("compassion", "17:30").replace("\"UTC\"", "\"America/New_York\"");
        let (config, library) = care_setup(&toml);
        let planner = Planner::new(&config, &library, 7);
        let plan = ids(&planner, &State::default(), "2027-01-04T00:00:00Z", 6);
        assert!(plan.iter().any(|id| id == "compassion-evening"), "{plan:?}");
    }

    #[test]
    fn a_series_goes_out_in_order_one_part_per_slot_and_restarts_when_broken() {
        let (config, library) = care_setup(&daily("critic", "10:00"));
        let planner = Planner::new(&config, &library, 5);
        let plan = ids(&planner, &State::default(), "2027-01-04T00:00:00Z", 40);
        let start = plan.iter().position(|id| id == "critic-record-1").unwrap();
        assert_eq!(
            plan[start..start + 3],
            ["critic-record-1", "critic-record-2", "critic-record-3"]
        );
        for (i, id) in plan.iter().enumerate() {
            if let Some(n) = id.strip_prefix("critic-record-")
                && n != "1"
            {
                let before = format!("critic-record-{}", n.parse::<u8>().unwrap() - 1);
                assert_eq!(plan[i - 1], before, "{plan:?}");
            }
        }
        let part_one = |at: &str| Sent {
            at: utc(at),
            rule: "r".into(),
            due: utc(at),
            category: Category::Critic,
            prompt: Some("critic-record-1".into()),
            answered: false,
        };
        // Part 1 yesterday: part 2 today.
        let state = State {
            sent: vec![part_one("2027-01-04T10:00:00Z")],
            ..State::default()
        };
        assert_eq!(
            ids(&planner, &state, "2027-01-04T12:00:00Z", 1),
            ["critic-record-2"]
        );
        // A day left out between: it starts again (part 2 never comes alone).
        let state = State {
            sent: vec![part_one("2027-01-03T10:00:00Z")],
            ..State::default()
        };
        let plan = ids(&planner, &state, "2027-01-04T12:00:00Z", 1);
        assert_ne!(plan, ["critic-record-2"]);
        // Another rule sent part 1: this rule does not carry it on.
        let mut other = part_one("2027-01-04T10:00:00Z");
        other.rule = "another".into();
        let state = State {
            sent: vec![other],
            ..State::default()
        };
        assert_ne!(
            ids(&planner, &state, "2027-01-04T12:00:00Z", 1),
            ["critic-record-2"]
        );
    }

    #[test]
    fn sensitive_prompts_only_when_turned_on_and_never_while_steps_are_paused() {
        let toml = daily("reflect", "10:00");
        let on = toml.replace("[content]\n", "[content]\nsensitive = true\n");
        let (config, library) = care_setup(&toml);
        let planner = Planner::new(&config, &library, 1);
        let plan = ids(&planner, &State::default(), "2027-01-04T00:00:00Z", 6);
        assert!(plan.iter().all(|id| id == "reflect-plain"), "{plan:?}");

        let (config, library) = care_setup(&on);
        let planner = Planner::new(&config, &library, 1);
        let plan = ids(&planner, &State::default(), "2027-01-04T00:00:00Z", 6);
        assert!(plan.iter().any(|id| id == "reflect-old-pain"), "{plan:?}");
        // While steps are paused, reflect waits, and a compassion rule never sends one.
        let paused = State {
            steps_paused: true,
            ..State::default()
        };
        assert!(
            planner
                .upcoming(&paused, utc("2027-01-04T00:00:00Z"), 3)
                .is_empty()
        );
        assert!(
            planner
                .fitting(Category::Reflect, &[], &paused, utc("2027-01-04T10:00:00Z"))
                .iter()
                .all(|p| !p.sensitive)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// No message with an `after` tag is ever sent without its event: each one is the
        /// first kind message, within a day, after an answer that stands for one of its
        /// events.
        #[test]
        fn no_message_that_answers_an_event_goes_out_without_it(
            kind in 0..4usize,
            distress in proptest::option::of(0..=10u8),
            happened in proptest::option::of(proptest::bool::ANY),
            away_days in proptest::option::of(0..30i64),
            answered_minutes in 0..1500i64,
            from_minutes in 0..4500i64,
            seed in proptest::num::u64::ANY,
            earlier in proptest::collection::vec((0..3000i64, 0..7usize), 0..5),
        ) {
            let toml = format!(
                "{LIMITS_OFF}[content]\nladders = [\"emotional\"]\nsensitive = true\n\
                 [[schedule]]\nname = \"s\"\nsend = \"setback\"\ncron = \"0 */5 * * *\"\n\
                 [[schedule]]\nname = \"c\"\nsend = \"compassion\"\ncron = \"0 */3 * * *\"\n\
                 [[schedule]]\nname = \"t\"\nsend = \"step\"\ncron = \"0 */7 * * *\"\n"
            );
            let (config, library) = care_setup(&toml);
            let planner = Planner::new(&config, &library, seed);
            let base = utc("2027-01-04T00:00:00Z");
            let at = base + TimeDelta::minutes(answered_minutes);
            let kind = [AnswerKind::Done, AnswerKind::Hard, AnswerKind::Skip, AnswerKind::Snooze][kind];
            let answer = answered(at, kind, distress, happened, away_days.map(|d| at - TimeDelta::days(d) - TimeDelta::minutes(1)));
            let ids = ["setback-plain", "setback-skip", "compassion-plain", "compassion-done", "critic-plain", "step-one", "setback-return"];
            let mut sent: Vec<Sent> = earlier.iter().map(|(m, i)| Sent {
                at: base + TimeDelta::minutes(*m),
                rule: "s".into(),
                due: base + TimeDelta::minutes(*m),
                category: library.get(ids[*i]).unwrap().category,
                prompt: Some(ids[*i].into()),
                answered: false,
            }).collect();
            sent.sort_by_key(|s| s.at);
            let state = State {
                sent: sent.clone(),
                last_answer: Some(answer.clone()),
                ..State::default()
            };
            let from = base + TimeDelta::minutes(from_minutes);
            let plan = planner.upcoming(&state, from, 12);
            let mut timeline = sent;
            for firing in &plan {
                let prompt = library.get(firing.prompt.as_deref().unwrap()).unwrap();
                if !prompt.after.is_empty() {
                    let kind_since = timeline.iter().any(|s| {
                        s.at > answer.at
                            && s.at <= firing.at
                            && matches!(s.category, Category::Setback | Category::Compassion)
                    });
                    proptest::prop_assert!(
                        answer.at <= firing.at
                            && firing.at - answer.at <= ANSWER_FRESH
                            && !kind_since
                            && prompt.after.iter().any(|e| answer.events.contains(e)),
                        "{} at {} after {:?}", prompt.id, firing.at, answer
                    );
                }
                timeline.push(planner.sent(firing));
            }
        }
    }
}
