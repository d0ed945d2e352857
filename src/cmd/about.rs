//! `closer about`: what closer is and is not, and where to find help.

use std::io::Write as _;

use crate::Status;
use crate::paths::Paths;
use crate::setup::Setup;

/// Directories of helplines, kept by others and current where closer cannot be. closer
/// lists no phone numbers of its own: numbers change, and a wrong one is worse than none.
pub const HELPLINE_DIRECTORIES: &[(&str, &str)] = &[
    (
        "Find A Helpline (free, confidential helplines by country)",
        "https://findahelpline.com",
    ),
    (
        "Befrienders Worldwide (emotional support centres)",
        "https://www.befrienders.org",
    ),
];

pub fn run(paths: &Paths) -> anyhow::Result<Status> {
    let setup = Setup::load(paths)?;
    let crisis = if setup.config.crisis.is_empty() {
        format!(
            "none set yet; add a number or person you trust to\n    {} as\n      [help]\n      crisis = \"...\"",
            paths.config.display()
        )
    } else {
        setup.config.crisis.clone()
    };
    let directories: Vec<String> = HELPLINE_DIRECTORIES
        .iter()
        .map(|(name, url)| format!("    {url}  {name}"))
        .collect();
    let text = format!(
        "\
closer: small, spaced steps toward closeness, and a kinder inner voice.

What it is
  A self-help tool for people who want closeness but keep backing away from it. At times
  you choose, it sends one small step toward closeness or a self-compassion message. The
  steps come from ladders that start easy and grow slowly. Every step can be skipped.

What it is not
  Not therapy, not a diagnosis, and not a crisis service. It cannot tell whether you have
  any condition, and it does not replace a person who can help.

Finding professional help
  If fear of closeness weighs on your life, talking to someone trained helps more than any
  app. A doctor can listen and refer you; therapists who work with cognitive behavioural
  therapy (CBT), or with relationships and attachment, see this often. Asking for help is
  an ordinary, sensible step.

In a crisis
  If you are in danger or thinking of harming yourself, call your local emergency number
  now. Your own crisis contact:
    {crisis}
  Directories of helplines in your country:
{directories}

Your data
  Everything stays on this machine, readable only by you.
  config:  {config}
  journal: {journal}
  state:   {state}
",
        directories = directories.join("\n"),
        config = paths.config.display(),
        journal = paths.journal().display(),
        state = paths.state.display(),
    );
    // One write, and a closed pipe (`closer about | head -1`) an error rather than a panic.
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::anyhow!("cannot write to stdout: {e}"))?;
    Ok(Status::Success)
}
