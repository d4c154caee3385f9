//! The OnMessage engine: a social media policy and release calendar
//! compiled from their bytes, posts parsed and judged, findings reported.
//!
//! It does no I/O of its own. Callers hand it bytes (the policy, the
//! calendar, each post), facts about the disk (which images exist and what
//! their metadata says: [`check::ImageFacts`]) and the moment to judge at;
//! they decide how work is spread over cores ([`check::Spread`]). The
//! `xtask` shell walks a working tree and reads history; a language server
//! can judge an unsaved buffer the same way.
pub mod calendar;
pub mod check;
pub mod config;
pub mod egress;
pub mod eligibility;
pub mod finding;
pub mod matcher;
pub mod measure;
pub mod media;
pub mod normalize;
pub mod plaintext;
pub mod platform;
pub mod policy;
pub mod post;
pub mod register;
pub mod render;
pub mod review;
pub mod rules;
pub mod scaffold;
pub mod schema;
pub mod share;
mod source;
pub mod suggest;
pub mod time;
pub mod urls;
pub mod yaml;
