//! Helpers shared by the integration tests: a private desktop and a private home.
pub mod desktop;
pub mod gnome;
pub mod home;
pub mod plasma;
