//! Shares the strings that repeat on every event of a session (user, database,
//! session id, source), so a reader allocates them once, not once per event.

use std::collections::HashMap;
use std::sync::Arc;

/// Beyond this many distinct strings the table starts afresh (memory stays bounded).
const CAPACITY: usize = 4096;

/// How many recently used strings are checked before the hash table: logs
/// repeat the same user, database and session line after line.
const RECENT: usize = 4;

#[derive(Debug, Default)]
pub struct Interner {
    map: HashMap<Box<str>, Arc<str>>,
    recent: [Option<Arc<str>>; RECENT],
    next_recent: usize,
    scratch: String,
}

impl Interner {
    /// The shared copy of `s`.
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.recent.iter().flatten().find(|a| ***a == *s) {
            return a.clone();
        }
        let a = self.lookup(s);
        self.recent[self.next_recent] = Some(a.clone());
        self.next_recent = (self.next_recent + 1) % RECENT;
        a
    }

    fn lookup(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.map.get(s) {
            return a.clone();
        }
        if self.map.len() >= CAPACITY {
            self.map.clear();
        }
        let a: Arc<str> = Arc::from(s);
        self.map.insert(Box::from(s), a.clone());
        a
    }

    /// The shared copy of `prefix` followed by `rest` (`pid:` + `4711`).
    pub fn get_prefixed(&mut self, prefix: &str, rest: &str) -> Arc<str> {
        let mut key = std::mem::take(&mut self.scratch);
        key.clear();
        key.push_str(prefix);
        key.push_str(rest);
        let a = self.get(&key);
        self.scratch = key;
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_equal_strings() {
        let mut i = Interner::default();
        let a = i.get_prefixed("pid:", "7");
        let b = i.get("pid:7");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*a, "pid:7");
    }
}
