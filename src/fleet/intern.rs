//! Shared strings for the values thousands of pods repeat (namespace, node,
//! owner): one allocation per distinct value instead of one per pod.

use std::collections::HashSet;
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Pool {
    set: HashSet<Arc<str>>,
    /// Size at which values no pod holds any more are dropped.
    prune_at: usize,
}

impl Pool {
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.set.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.set.insert(a.clone());
        if self.set.len() > self.prune_at {
            self.prune();
        }
        a
    }

    /// Forgets values only the pool still holds; amortised by doubling the
    /// threshold, so a churning fleet (owners come and go) stays bounded.
    pub fn prune(&mut self) {
        self.set.retain(|a| Arc::strong_count(a) > 1);
        self.prune_at = (self.set.len() * 2).max(256);
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_one_allocation_and_unused_ones_are_pruned() {
        let mut pool = Pool::default();
        let a = pool.get("shop");
        let b = pool.get("shop");
        assert!(Arc::ptr_eq(&a, &b));
        for i in 0..1000 {
            pool.get(&format!("gone-{i}"));
        }
        // Each prune keeps only values someone holds ("shop").
        assert!(pool.len() <= 512, "{}", pool.len());
        pool.prune();
        assert_eq!(pool.len(), 1);
        assert!(Arc::ptr_eq(&pool.get("shop"), &a));
    }
}
