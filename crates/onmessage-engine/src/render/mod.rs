//! Renderers: turn a report (or configuration errors) into text. They decide
//! nothing: severity, suppression and order are already in the findings.

pub mod comment;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
