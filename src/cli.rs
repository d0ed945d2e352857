//! The command line, as the user types it (clap). Resolving and checking the values is
//! left to the commands.

use std::path::PathBuf;

use crate::journal::{Distress, Happened};
use crate::progress::Felt;
use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Small, spaced steps toward closeness, and a kinder inner voice.";

const LONG_ABOUT: &str = "\
closer helps people who want closeness but keep backing away from it. At times you choose,
it sends a desktop notification with one small step toward closeness (\"tell someone one
thing you appreciate about them today\") or a self-compassion message. Every step can be
skipped. Everything stays on this machine.

closer is self-help, not therapy, and it cannot diagnose anything. If fear of closeness is
weighing on your life, a doctor or a licensed therapist can help; if you are in crisis,
contact your local emergency number or a crisis line.

Start with `closer init` (writes the config), `closer next` (shows what comes when), and
`closer run` (the daemon; usually run as a user service). `closer about` says where to
find help.";

/// The exit codes, shown at the end of `--help` and in the manual page.
pub const EXIT_STATUS: &str = "\
Exit status:
  0  success
  1  an error, or (for `check` and `service status`) a problem found
  2  the command line is wrong (an unknown command, a missing or invalid argument)";

/// The command line.
#[derive(Debug, Parser)]
#[command(name = "closer", version, about = ABOUT, long_about = LONG_ABOUT, after_help = EXIT_STATUS)]
pub struct Cli {
    /// Use this config file instead of ~/.config/closer/config.toml. Your own content
    /// packs are read from `content/` beside it.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Say more about what closer is doing.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon in the foreground: send each prompt when it is due.
    ///
    /// This is what the user service runs. It logs one line per prompt to stderr, picks up
    /// edits to its config by itself (SIGHUP rereads it too; SIGUSR1, which closer's own
    /// commands send after they write the journal, has it read the journal again), and stops
    /// on SIGTERM or Ctrl-C.
    /// Without a notification server it prints the prompts to stderr instead, and keeps
    /// trying to reach one.
    Run(RunArgs),

    /// Show the upcoming prompts, exactly as the daemon will send them.
    Next(NextArgs),

    /// Where each ladder stands and why, whether closer is running, and what comes next.
    Status(StatusArgs),

    /// Say you did a step (the latest step, unless you name one).
    Done(DoneArgs),

    /// Say a step was hard. That is useful to know, and the next prompt will be a kind one.
    Hard(HardArgs),

    /// Skip a step. Skipping is always fine, and never counted against you.
    Skip(SkipArgs),

    /// Send one prompt now, to try the setup.
    Send(SendArgs),

    /// Pause all prompts: for a while (such as "3d" or "2h"), or until `closer resume`.
    Pause(PauseArgs),

    /// End a pause, and restart steps that were paused after very hard days.
    Resume,

    /// Turn a ladder on or off, or put it on a rung of your choosing.
    Ladder(LadderArgs),

    /// What was sent and answered, and how the ladders moved, oldest first.
    Log(LogArgs),

    /// Draw your progress over the last weeks as a private HTML page: each ladder's rung,
    /// how hard each step felt, and a calendar of your answers.
    Report(crate::cmd::report::ReportArgs),

    /// Everything closer has recorded, to keep or to move elsewhere.
    Export(ExportArgs),

    /// Delete everything closer has recorded (your config stays).
    Forget(ForgetArgs),

    /// Show the prompts and ladders your config turns on, with their ids.
    List(ListArgs),

    /// Why a step is on its ladder, and the safety habit it lets go of: each ladder's
    /// current step, or the step or ladder you name.
    Why(WhyArgs),

    /// Check the config and every content pack, and say what is wrong and where.
    ///
    /// Exits 0 when everything is valid and 1 otherwise; each problem names the file, line
    /// and column, the key, and what would be valid.
    Check,

    /// Write the default config to your config path. Never overwrites a file.
    Init,

    /// Edit the config in $VISUAL or $EDITOR; an invalid edit is not kept.
    Edit,

    /// Run closer as a user service (systemd or launchd): install, uninstall, status, start, stop.
    Service(crate::cmd::service::ServiceArgs),

    /// What closer is and is not, where to find professional or crisis help, and where
    /// your data is.
    About,

    /// Print the completion script for a shell (bash, zsh, fish, …) to stdout.
    Completions(crate::cmd::completions::CompletionsArgs),

    /// Write the manual pages, closer(1) and closer(5), into a directory (for packagers).
    #[command(hide = true)]
    Man(crate::cmd::man::ManArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run on the built-in default config, leaving your config file and content packs
    /// aside: to try closer before writing a config.
    #[arg(long, conflicts_with = "config")]
    pub defaults: bool,
}

/// Which step an answer is for, and when.
#[derive(Debug, Args)]
pub struct StepRef {
    /// The step: its number in `closer log`, or its prompt id; the latest step when left out.
    #[arg(value_name = "STEP")]
    pub step: Option<String>,

    /// When it happened, if not now (RFC 3339, such as 2027-03-27T19:30:00+01:00).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct DoneArgs {
    #[command(flatten)]
    pub step: StepRef,

    /// How hard it felt, from 0 (not at all) to 10 (as hard as it gets).
    #[arg(long, value_name = "N")]
    pub distress: Option<Distress>,

    /// Did what you feared happen? yes, partly or no. Given alone, it completes a "Did
    /// it" already given to the step (from the notification, say).
    #[arg(long, value_name = "yes|partly|no", value_parser = parse_happened)]
    pub happened: Option<Happened>,

    /// How it went against what you feared: easier or about (it did not happen), harder
    /// (a feeling, not that it happened), or too-much (names where help is; a step back).
    /// Read against the step's own expected distress. Completes a "Did it" already given.
    #[arg(long, value_enum)]
    pub felt: Option<DoneFelt>,
}

/// How a step that was done went, against what was feared (`done --felt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DoneFelt {
    Easier,
    About,
    Harder,
    TooMuch,
}

impl From<DoneFelt> for Felt {
    fn from(f: DoneFelt) -> Felt {
        match f {
            DoneFelt::Easier => Felt::Easier,
            DoneFelt::About => Felt::About,
            DoneFelt::Harder => Felt::Harder,
            DoneFelt::TooMuch => Felt::TooMuch,
        }
    }
}

/// How a hard step went (`hard --felt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HardFelt {
    Ok,
    TooMuch,
}

impl From<HardFelt> for Felt {
    fn from(f: HardFelt) -> Felt {
        match f {
            HardFelt::Ok => Felt::Ok,
            HardFelt::TooMuch => Felt::TooMuch,
        }
    }
}

#[derive(Debug, Args)]
pub struct HardArgs {
    #[command(flatten)]
    pub step: StepRef,

    /// How hard it felt, from 0 to 10.
    #[arg(long, value_name = "N")]
    pub distress: Option<Distress>,

    /// Did what you feared happen? yes, partly or no. Given alone, it completes an "It
    /// was hard" already given to the step. "It was hard" where what you feared did not
    /// happen counts as doing it.
    #[arg(long, value_name = "yes|partly|no", value_parser = parse_happened)]
    pub happened: Option<Happened>,

    /// How it went: ok (hard but OK: as hard as the step is expected to be) or too-much
    /// (names where help is; a step back, and three in a row pause steps). Completes an
    /// "It was hard" already given to the step.
    #[arg(long, value_enum)]
    pub felt: Option<HardFelt>,
}

#[derive(Debug, Args)]
pub struct SkipArgs {
    #[command(flatten)]
    pub step: StepRef,

    /// The step needs an occasion that did not come yet (a disagreement, a meeting, a
    /// visit): neither a skip nor a hold, and the step stays answerable for a week.
    #[arg(long)]
    pub no_chance: bool,
}

fn parse_happened(s: &str) -> Result<Happened, String> {
    match s {
        "yes" | "y" => Ok(Happened::Yes),
        "partly" => Ok(Happened::Partly),
        "no" | "n" => Ok(Happened::No),
        _ => Err(format!("`{s}` is not yes, partly or no")),
    }
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON: {running, pid, ladders: [{ladder, rung, reason, why}], today, next}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// How many days back to show (1 to 1000000).
    #[arg(long, default_value_t = 7, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub days: u32,

    /// Print JSON: an array of events with time, event (sent, answer or move) and details.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The format to write to stdout.
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,
}

#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// Do not ask first.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct LadderArgs {
    #[command(subcommand)]
    pub action: LadderAction,
}

/// The shipped ladders, for the help texts: every one of `content::Ladder::ALL`, the two
/// that are off until turned on last (a test holds the list to `ALL`).
macro_rules! ladders {
    () => {
        "intellectual, emotional, experiential, spiritual, social, receiving, physical or \
         sexual (these two are off until you turn them on)"
    };
}

/// What a LADDER argument takes.
const LADDER_ARG: &str = concat!(
    "The ladder: ",
    ladders!(),
    "; or one of your own, by its id or name"
);

#[derive(Debug, Subcommand)]
pub enum LadderAction {
    #[command(about = concat!("Turn a ladder on: ", ladders!(), ", or one of your own"))]
    Enable {
        #[arg(help = LADDER_ARG)]
        ladder: String,
    },
    /// Turn a ladder off; where it stood is kept, for when you turn it on again.
    Disable {
        #[arg(help = LADDER_ARG)]
        ladder: String,
    },
    /// Put a ladder on a rung of your choosing.
    Set {
        #[arg(help = LADDER_ARG)]
        ladder: String,
        #[arg(value_parser = clap::value_parser!(u8).range(1..))]
        rung: u8,
    },
    /// Make a ladder of your own: a file in your content dir, its steps added with
    /// `closer ladder add`.
    /// Without a name (or with `--guided`), asks you in the terminal, step by step.
    New {
        /// The ladder's name, such as "Telling my sister"; its id is made from it.
        name: Option<String>,
        /// Build it with questions: the goal, the situations, how hard each would feel.
        #[arg(long)]
        guided: bool,
        /// What the ladder is about, in a line.
        #[arg(long)]
        description: Option<String>,
    },
    /// Add a step to one of your own ladders; its rungs stay sorted by how hard each
    /// would feel.
    Add(AddArgs),
    /// Remove one of your own ladders; what you did on it stays in your history.
    Rm {
        /// The ladder's id or name.
        ladder: String,
    },
    /// Show a ladder: its steps, rung by rung, with how hard each would feel (0 to 10).
    Show {
        /// The ladder's id or name.
        ladder: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The ladder's id or name.
    pub ladder: String,
    /// The situation, in your words, such as "Tell my sister one thing I liked".
    pub step: String,
    /// How hard it would feel, from 0 (calm) to 10 (the worst you can imagine).
    #[arg(long, value_parser = parse_distress)]
    pub distress: f32,
    /// The fear it touches (abandonment, engulfment, rejection); repeat for more.
    #[arg(long)]
    pub fear: Vec<String>,
    /// What you fear will happen, in words that follow "You feared that", such as
    /// "she'll find it odd" (at most 80 characters): after the step, closer asks whether
    /// it happened.
    #[arg(long, value_name = "OUTCOME")]
    pub feared: Option<String>,
    /// How likely that feels, from 0 to 100 (%).
    #[arg(long, value_name = "PERCENT", requires = "feared", value_parser = parse_likely)]
    pub likely: Option<u8>,
    /// What you usually do there to feel safer, such as "keep it short" (at most 60
    /// characters): the habit this step helps you let go of.
    #[arg(long, value_name = "HABIT")]
    pub fade: Option<String>,
    /// The step needs an occasion that may not come every day (a meeting, a visit): it
    /// can wait for one without holding the ladder.
    #[arg(long)]
    pub occasion: bool,
}

/// A likelihood: a whole number from 0 to 100, a `%` after it allowed.
fn parse_likely(text: &str) -> Result<u8, String> {
    match text.trim().trim_end_matches('%').trim_end().parse::<u8>() {
        Ok(n) if n <= 100 => Ok(n),
        _ => Err(format!(
            "`{text}` is not a likelihood; expected a whole number from 0 to 100, such as 60"
        )),
    }
}

/// A distress rating: a number from 0 to 10.
fn parse_distress(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(d) if Distress::on_scale(f64::from(d)) => Ok(d),
        _ => Err(format!(
            "`{text}` is not a distress; expected a number from 0 to 10"
        )),
    }
}

#[derive(Debug, Args)]
pub struct PauseArgs {
    /// How long, such as "3d", "12h" or "1w"; until `closer resume` when left out.
    #[arg(value_name = "DURATION")]
    pub duration: Option<String>,
}

#[derive(Debug, Args)]
pub struct NextArgs {
    /// How many prompts to show (1 to 1000).
    #[arg(short = 'n', long, default_value_t = 5, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub count: u16,

    /// Plan from this moment instead of now (RFC 3339, such as 2027-03-27T09:00:00+01:00).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,

    /// Use this time zone instead of the config's (an IANA name such as Europe/Berlin).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,

    /// Print JSON: an array of {time, schedule, category, prompt, title}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this category (step, compassion, …) or ladder (emotional, …).
    #[arg(value_name = "CATEGORY|LADDER")]
    pub filter: Option<String>,

    /// Print JSON: an array of {id, category, title, discreet_title, body}, with ladder,
    /// rung, distress, group (the rung its variants share), needs, fear, why and fade
    /// for steps.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The schedule rule to send for, by name; the first rule when left out.
    #[arg(value_name = "SCHEDULE")]
    pub schedule: Option<String>,

    /// Do not wait for an answer; exit once the notification is shown.
    #[arg(long)]
    pub no_wait: bool,

    /// How long to wait for an answer on the notification (such as "30s" or "5m"); the
    /// step stays answerable from the terminal after that.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = parse_wait)]
    pub wait: std::time::Duration,
}

/// A wait for `send`: a duration such as "90s", at most a day.
fn parse_wait(s: &str) -> Result<std::time::Duration, String> {
    let wait = crate::when::parse_duration(s)?;
    wait.to_std()
        .ok()
        .filter(|w| w.as_secs() <= 24 * 60 * 60)
        .ok_or_else(|| format!("`{s}` is too long a wait; at most a day, such as \"24h\""))
}

#[derive(Debug, Args)]
pub struct WhyArgs {
    /// A step's prompt id, or a ladder (its id, or your own ladder's name); every ladder's
    /// current step when left out.
    #[arg(value_name = "STEP|LADDER")]
    pub step: Option<String>,
}
