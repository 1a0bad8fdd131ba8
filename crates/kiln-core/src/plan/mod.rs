//! Planning: refresh what exists, evaluate the configuration against it, and decide an
//! [`Action`] per object.

mod model;

pub use model::{Action, OutputChange, Plan, PlanMode, Reason, ResourceChange, Totals};
