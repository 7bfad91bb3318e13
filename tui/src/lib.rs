//! sqlsift-tui: the ratatui console that shows a workload live, beside a
//! proxy or over a replayed log. Not built yet: see DESIGN.md, "Sinks".
