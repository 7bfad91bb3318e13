//! sqlsift-advisor: turns what the analyzer found into concrete fixes. Today:
//! N+1 loops rewritten into one batched query (`IN (...)` with the loop's
//! values, its parameterized form, `= ANY($1)` for PostgreSQL, tuple `IN` for
//! composite keys), by rewriting sqlparser's AST — or refused, with the
//! reason, where batching would change the result. Index and partition
//! advice come later (DESIGN.md, "Analysis and advice").

pub mod batch;
pub mod parent;

pub use batch::{BatchForm, Rewrite, batch_loop};
pub use parent::parent_subquery;
