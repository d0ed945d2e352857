//! Helpers shared by the integration tests: a private desktop (and GNOME Shell or Plasma on
//! one), a private home, and the daemon in-process on simulated time.
pub mod desktop;
pub mod gnome;
pub mod home;
pub mod plasma;
pub mod sim;
