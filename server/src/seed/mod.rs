//! Data every installation starts with: the built-in tasks.

pub mod builtin_tasks;
