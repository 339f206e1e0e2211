//! Demo data: realistic generated artifacts for the three built-in tasks, some good and some
//! failing each criterion, plus demo accounts. `cojudge demo` and the first `cojudge serve` on an
//! empty local database load it.

mod explanation;
pub mod generate;
mod interest;
mod line;
mod load;
mod persona;
mod tag;
mod vocabulary;

pub use load::{load, DemoSummary, DEMO_ACCOUNTS};
