//! Waiting for a wall-clock moment: no polling between prompts, and right after a
//! suspend or a change of the clock.
//!
//! tokio's timers run on the monotonic clock, which stops while the machine sleeps, so a
//! prompt due during a suspend would come late by the length of the sleep. On Linux a
//! timerfd on CLOCK_REALTIME with an absolute expiry fires at the wall-clock moment, also
//! after resume, and with TFD_TIMER_CANCEL_ON_SET it wakes as soon as the clock is set,
//! so the caller can plan again. Elsewhere, sleeps capped at a minute stand in.

use chrono::{DateTime, Utc};

/// Why a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The moment came.
    Due,
    /// The wall clock was set (or jumped); the moment may not have come.
    ClockChanged,
}

#[cfg(target_os = "linux")]
pub use linux::WallTimer;

#[cfg(target_os = "linux")]
mod linux {
    use std::io;
    use std::os::fd::OwnedFd;

    use chrono::{DateTime, Utc};
    use rustix::io::Errno;
    use rustix::time::{
        Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create,
        timerfd_settime,
    };
    use tokio::io::Interest;
    use tokio::io::unix::AsyncFd;

    use super::Wake;

    /// A timer on the wall clock.
    #[derive(Debug)]
    pub struct WallTimer {
        fd: AsyncFd<OwnedFd>,
    }

    impl WallTimer {
        pub fn new() -> io::Result<WallTimer> {
            let fd = timerfd_create(
                TimerfdClockId::Realtime,
                TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
            )?;
            // SAFETY: an `OwnedFd` is a valid open descriptor, always the same one, and it
            // stays open for as long as the `AsyncFd` that owns it.
            #[allow(unsafe_code)]
            let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }?;
            Ok(WallTimer { fd })
        }

        /// Waits until the wall clock reaches `at`, or is set.
        pub async fn wait_until(&mut self, at: DateTime<Utc>) -> io::Result<Wake> {
            // A zero expiry would disarm the timer; anything in the past fires at once.
            let value = Timespec {
                tv_sec: at.timestamp().max(1),
                tv_nsec: i64::from(at.timestamp_subsec_nanos()),
            };
            let zero = Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            timerfd_settime(
                self.fd.get_ref(),
                TimerfdTimerFlags::ABSTIME | TimerfdTimerFlags::CANCEL_ON_SET,
                &Itimerspec {
                    it_interval: zero,
                    it_value: value,
                },
            )?;
            loop {
                let mut guard = self.fd.readable().await?;
                let mut expirations = [0u8; 8];
                match rustix::io::read(self.fd.get_ref(), &mut expirations) {
                    Ok(_) => return Ok(Wake::Due),
                    Err(Errno::CANCELED) => return Ok(Wake::ClockChanged),
                    Err(Errno::AGAIN) => guard.clear_ready(),
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
}

/// Capped sleeps, where there is no timerfd.
#[cfg(not(target_os = "linux"))]
#[derive(Debug)]
pub struct WallTimer;

#[cfg(not(target_os = "linux"))]
impl WallTimer {
    pub fn new() -> std::io::Result<WallTimer> {
        Ok(WallTimer)
    }

    pub async fn wait_until(&mut self, at: DateTime<Utc>) -> std::io::Result<Wake> {
        const CAP: std::time::Duration = std::time::Duration::from_secs(60);
        loop {
            let left = (at - Utc::now()).to_std().unwrap_or_default();
            if left.is_zero() {
                return Ok(Wake::Due);
            }
            tokio::time::sleep(left.min(CAP)).await;
        }
    }
}

/// A moment far enough after `now` to mean "nothing is due", while still waking on
/// clock changes.
pub fn never(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::TimeDelta::days(366)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn fires_at_the_wall_clock_moment() {
        runtime().block_on(async {
            let mut timer = WallTimer::new().unwrap();
            let start = Utc::now();
            let at = start + chrono::TimeDelta::milliseconds(300);
            assert_eq!(timer.wait_until(at).await.unwrap(), Wake::Due);
            let now = Utc::now();
            // Never early. Late only by what a busy machine's scheduler adds: the bound is
            // generous (two cores shared with builds can stall a thread for a while), and
            // still far below the minute a polling timer would miss by.
            assert!(now >= at, "woke early: {now} < {at}");
            assert!(now - at < chrono::TimeDelta::seconds(3), "woke late: {now}");
            // A moment in the past fires at once.
            let past = Utc::now() - chrono::TimeDelta::hours(1);
            assert_eq!(timer.wait_until(past).await.unwrap(), Wake::Due);
        });
    }
}
