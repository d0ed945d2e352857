//! `closer service`: install, remove, start, stop and check closer as a user service
//! (systemd on Linux, launchd on macOS). The work is in `crate::service`.

use anyhow::Context as _;

use crate::Status;
use crate::paths::Paths;
use crate::service::{Service, Target};

#[derive(Debug, clap::Args)]
pub struct ServiceArgs {
    #[command(subcommand)]
    pub action: ServiceAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum ServiceAction {
    /// Install closer as a user service that starts when you log in, and start it now.
    Install(InstallArgs),
    /// Stop the service and remove it; your config and history stay.
    Uninstall,
    /// Say whether the service is installed (and starts this closer), enabled and active.
    ///
    /// Each on its own line. Exits 0 when all three hold, and 1 otherwise; without a
    /// user service manager, says how to keep closer running another way.
    Status,
    /// Start the installed service now.
    Start,
    /// Stop the service until your next login (or `closer service start`).
    Stop,
}

#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// Print the service file instead of installing it; changes nothing.
    #[arg(long)]
    pub print: bool,

    /// When the service starts (systemd only).
    #[arg(long, value_enum, default_value_t = Target::Graphical)]
    pub target: Target,
}

/// The service runs `closer run` with the standard paths, or with `--config` (made
/// absolute) when this command was given one.
pub fn run(paths: &Paths, args: &ServiceArgs) -> anyhow::Result<Status> {
    let standard = Paths::resolve(None)?.config;
    let config =
        if paths.config == standard {
            None
        } else {
            Some(std::path::absolute(&paths.config).with_context(|| {
                format!("cannot make {} an absolute path", paths.config.display())
            })?)
        };
    let service = Service::for_this_user(config)?;
    match &args.action {
        ServiceAction::Install(install) if install.print => {
            print!("{}", service.render(install.target)?);
            Ok(Status::Success)
        }
        ServiceAction::Install(install) => service.install(install.target),
        ServiceAction::Uninstall => service.uninstall(),
        ServiceAction::Status => service.status(),
        ServiceAction::Start => service.start(),
        ServiceAction::Stop => service.stop(),
    }
}
