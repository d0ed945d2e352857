//! Idle-benchmark baseline: closer's default schedule, built the common way
//! with tokio-cron-scheduler, holding a live D-Bus session connection.
//!
//! Jobs (6-field cron, seconds first, UTC like the benchmark's config):
//!   09:30 Mon-Fri, 13:00 daily, 19:30 Mon/Wed/Fri.
//! Otherwise it does nothing until SIGINT/SIGTERM.

use std::error::Error;

use tokio_cron_scheduler::{Job, JobScheduler};

const SCHEDULE: [(&str, &str); 3] = [
    ("morning step", "0 30 9 * * Mon-Fri"),
    ("midday kindness", "0 0 13 * * *"),
    ("evening reflection", "0 30 19 * * Mon,Wed,Fri"),
];

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    // Use notify-rust's own API once at start, so the process links and
    // exercises the same notification stack closer does. Its sync API blocks
    // on its own, so keep it off the (only) runtime thread.
    let caps = tokio::task::spawn_blocking(notify_rust::get_capabilities).await??;
    eprintln!("tcs-baseline: notification server capabilities: {caps:?}");

    // notify-rust opens a connection per call and drops it; a daemon that
    // wants to react to the server keeps one. Hold it for the whole run.
    let bus = zbus::Connection::session().await?;
    let _reply = bus
        .call_method(
            Some("org.freedesktop.Notifications"),
            "/org/freedesktop/Notifications",
            Some("org.freedesktop.Notifications"),
            "GetServerInformation",
            &(),
        )
        .await?;

    let sched = JobScheduler::new().await?;
    for (name, cron) in SCHEDULE {
        sched
            .add(Job::new_async(cron, move |_id, _lock| {
                Box::pin(async move {
                    // A real reminder would be shown here.
                    let _ = notify_rust::Notification::new()
                        .summary(name)
                        .show_async()
                        .await;
                })
            })?)
            .await?;
    }
    sched.start().await?;
    eprintln!("tcs-baseline: scheduler started with {} jobs", SCHEDULE.len());

    wait_for_shutdown().await?;
    drop(bus);
    Ok(())
}

async fn wait_for_shutdown() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}
