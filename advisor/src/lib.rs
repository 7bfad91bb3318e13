//! sqlsift-advisor: turns analysed workloads into concrete fixes — index
//! candidates validated on the `SQLite` planner, partition DDL, and batched
//! `IN (...)` / keyset rewrites. Not built yet: see DESIGN.md, "Analysis and advice".
