//! The signals the daemon answers (SIGHUP, SIGUSR1, SIGTERM, SIGINT) are held back from the
//! first line of `main` until the daemon's handlers exist. Without a handler each of them
//! ends a process, and `closer run` spends its first milliseconds starting itself again
//! (see `main.rs`) and building its runtime: a SIGHUP from the unit's `ExecReload` there
//! once ended it. A blocked signal stays pending, through the re-exec too (the mask and
//! what is pending survive `execve`), and is handled once [`release`] lets it through.
//!
//! Every other command releases them at once, after parsing its command line, so what it
//! starts (an editor, a browser) gets the signals as usual.

/// Blocks the daemon's signals in the calling thread (and the threads and programs it
/// starts from now on).
pub fn hold() {
    mask(HOW_BLOCK);
}

/// Unblocks them: one that came meanwhile is delivered now.
pub fn release() {
    mask(HOW_UNBLOCK);
}

#[cfg(unix)]
const HOW_BLOCK: i32 = libc::SIG_BLOCK;
#[cfg(unix)]
const HOW_UNBLOCK: i32 = libc::SIG_UNBLOCK;
#[cfg(not(unix))]
const HOW_BLOCK: i32 = 0;
#[cfg(not(unix))]
const HOW_UNBLOCK: i32 = 1;

#[cfg(unix)]
fn mask(how: i32) {
    // SAFETY: `set` is initialised by sigemptyset before use, every signal number is a
    // valid one, and pthread_sigmask only reads `set` (the old mask is not asked for).
    #[allow(unsafe_code)]
    unsafe {
        let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
        libc::sigemptyset(set.as_mut_ptr());
        for signal in [libc::SIGHUP, libc::SIGUSR1, libc::SIGTERM, libc::SIGINT] {
            libc::sigaddset(set.as_mut_ptr(), signal);
        }
        libc::pthread_sigmask(how, set.as_ptr(), std::ptr::null_mut());
    }
}

#[cfg(not(unix))]
fn mask(_how: i32) {}

#[cfg(all(test, unix))]
mod tests {
    /// The signals held back in this thread now.
    fn blocked() -> Vec<i32> {
        // SAFETY: `set` is written by pthread_sigmask before it is read.
        #[allow(unsafe_code)]
        unsafe {
            let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
            libc::sigemptyset(set.as_mut_ptr());
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), set.as_mut_ptr());
            [libc::SIGHUP, libc::SIGUSR1, libc::SIGTERM, libc::SIGINT]
                .into_iter()
                .filter(|s| libc::sigismember(set.as_ptr(), *s) == 1)
                .collect()
        }
    }

    #[test]
    fn hold_blocks_the_four_and_release_lets_them_through() {
        // A thread of its own: the mask is per thread.
        std::thread::spawn(|| {
            assert!(blocked().is_empty());
            super::hold();
            assert_eq!(
                blocked(),
                [libc::SIGHUP, libc::SIGUSR1, libc::SIGTERM, libc::SIGINT]
            );
            super::release();
            assert!(blocked().is_empty());
        })
        .join()
        .unwrap();
    }
}
