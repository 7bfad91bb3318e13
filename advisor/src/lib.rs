//! sqlsift-advisor: turns what the analyzer found into concrete fixes:
//! N+1 loops rewritten into one batched query (`IN (...)` with the loop's
//! values, its parameterized form, `= ANY($1)` for PostgreSQL, tuple `IN` for
//! composite keys), by rewriting sqlparser's AST — or refused, with the
//! reason, where batching would change the result; index advice merged
//! across the workload and validated on the real planner ([`index`],
//! [`whatif`]); partition advice ([`partition`]). [`advise`] runs the
//! whole index and partition advisor; [`render`] writes it as text or
//! markdown.

pub mod advice;
pub mod batch;
pub mod index;
pub mod parent;
pub mod partition;
pub mod render;
pub mod whatif;

pub use advice::{Advice, Options, advise, work_statements};
pub use batch::{BatchForm, Rewrite, batch_loop};
pub use parent::parent_subquery;
