//! The advocacy feed as data and as files: the model of every published
//! item (texts, lengths, share URLs, UTM tags), its renderers (JSON Feed,
//! Atom, RSS, the hub and each post's page, the about page, the icon), the
//! one escaping function they share, share intents, and image metadata
//! removal.
//!
//! Pure: everything here turns values into bytes. Which posts are
//! published is decided by the engine (`onmessage_engine::eligibility`);
//! writing the files is the shell's.
pub mod about;
pub mod atom;
pub mod encode;
pub mod hub;
pub mod icon;
pub mod intent;
pub mod jsonfeed;
pub mod markup;
pub mod model;
pub mod preview;
pub mod rss;
pub mod strip;
