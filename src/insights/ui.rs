//! The insights page.
