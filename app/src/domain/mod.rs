//! The cojudge domain: plain types and rules with no I/O.
//!
//! Everything here compiles for the browser and the server alike, and is unit-tested without a
//! database. The web layer, the CLI and the worker call into it; it calls nothing.

pub mod agreement;
pub mod api_token;
pub mod email;
pub mod export;
pub mod field_order;
pub mod item_state;
pub mod label_scale;
pub mod review;
pub mod role;
pub mod routing;
pub mod task_definition;
pub mod task_name;
pub mod verdict;

pub use api_token::{TokenSecret, TokenStatus};
pub use email::{Email, MAX_EMAIL_LENGTH};
pub use export::{
    ExportFilters, ExportFormat, ExportShape, ExportSpec, ProvenanceFilter, Rebalance, SpecError,
    EXPORT_SCHEMA_VERSION,
};
pub use item_state::ItemState;
pub use label_scale::{Label, LabelScale, ScaleKind};
pub use review::{AnswerOutcome, ReviewPurpose};
pub use role::{Capability, Role};
pub use routing::{Route, RouteReason, RoutingDecision};
pub use task_definition::{
    ConfidenceMethod, Criterion, DefinitionError, Grading, JudgeMode, JudgeSettings,
    PromptOverrides, RoutingSettings, TaskDefinition,
};
pub use task_name::TaskName;
pub use verdict::{Grade, Verdict, VerdictError};
