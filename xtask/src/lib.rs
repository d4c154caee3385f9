//! OnMessage: checks suggested social media posts against the company's
//! policy and release calendar, and publishes the approved ones.
pub mod bench;
pub mod calendar;
pub mod check;
pub mod cli;
pub mod config;
pub mod finding;
pub mod git;
pub mod matcher;
pub mod measure;
pub mod media;
pub mod normalize;
pub mod platform;
pub mod policy;
pub mod post;
pub mod publish;
pub mod render;
pub mod review;
pub mod rules;
pub mod scaffold;
pub mod schema;
pub mod share;
pub mod source;
pub mod time;
pub mod urls;
pub mod yaml;
