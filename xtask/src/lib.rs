//! OnMessage: checks suggested social media posts against the company's
//! policy and release calendar, and publishes the approved ones.
pub mod yaml;
pub mod normalize;
pub mod calendar;
pub mod config;
pub mod finding;
pub mod platform;
pub mod policy;
pub mod post;
pub mod schema;
pub mod source;
pub mod time;
pub mod matcher;
pub mod rules;
pub mod check;
pub mod render;
pub mod cli;
