//! The latest value a background task computed, shared with every frame
//! that draws it: cloning the handle shares it, reading is an `Arc` clone.

use std::sync::{Arc, Mutex};

#[derive(Debug)]
pub struct Latest<T> {
    slot: Arc<Mutex<Option<Arc<T>>>>,
}

impl<T> Clone for Latest<T> {
    fn clone(&self) -> Self {
        Latest {
            slot: self.slot.clone(),
        }
    }
}

impl<T> Default for Latest<T> {
    fn default() -> Self {
        Latest {
            slot: Arc::new(Mutex::new(None)),
        }
    }
}

impl<T> Latest<T> {
    pub fn get(&self) -> Option<Arc<T>> {
        // A writer that panicked left a whole value or none: still readable.
        self.slot.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set(&self, value: T) {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(value));
    }
}
