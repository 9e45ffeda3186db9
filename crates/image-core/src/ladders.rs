//! What a ladder of pre-sized copies is made for and says: the [`Original`] (a key at a
//! version), the [`Index`] stored beside its rungs, and [`Ladders`], which ladders this
//! process makes and has started. Making and picking them is [`crate::ladder`]'s job.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

/// An original in storage: its key and the version that changes with every write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    /// Storage key.
    pub key: String,
    /// The store's version of it.
    pub version: String,
}

/// What an index says: the original's oriented size and its rungs' sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// The original's size after EXIF orientation.
    pub original: (u32, u32),
    /// The rungs' sizes, largest first.
    pub rungs: Vec<(u32, u32)>,
}

impl Index {
    /// `{w}x{h}` lines: the original, then each rung.
    pub(crate) fn to_text(&self) -> String {
        std::iter::once(self.original)
            .chain(self.rungs.iter().copied())
            .map(|(w, h)| format!("{w}x{h}\n"))
            .collect()
    }

    /// The text of [`Index::to_text`]; `None` for anything else (an empty entry included).
    pub(crate) fn parse(text: &[u8]) -> Option<Self> {
        let mut sizes = std::str::from_utf8(text).ok()?.lines().map(|line| {
            let (w, h) = line.split_once('x')?;
            Some((w.parse().ok()?, h.parse().ok()?))
        });
        let original = sizes.next()??;
        let rungs = sizes.collect::<Option<Vec<_>>>()?;
        Some(Self { original, rungs })
    }
}

/// How many originals [`Ladders`] remembers as started before it forgets them all.
const REMEMBERED: usize = 10_000;

/// Whether ladders are made, which this process has started, and whether one is being
/// made now (one at a time: background work never takes more than one worker).
#[derive(Debug, Default)]
pub struct Ladders {
    pub(crate) enabled: bool,
    started: Mutex<HashSet<String>>,
    pub(crate) making: AtomicBool,
}

impl Ladders {
    /// Ladders made (`true`) or never (`false`).
    #[must_use]
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            started: Mutex::default(),
            making: AtomicBool::new(false),
        }
    }

    /// Marks `key` as started; `false` when it already was. The set is bounded: past
    /// [`REMEMBERED`] keys it starts afresh (a made ladder is not made again: `ladder::make`
    /// looks for its index first).
    pub(crate) fn start(&self, key: &str) -> bool {
        self.started.lock().is_ok_and(|mut set| {
            if set.len() >= REMEMBERED {
                set.clear();
            }
            set.insert(key.to_owned())
        })
    }

    /// Forgets `key`, so a later render may start it again.
    pub(crate) fn forget(&self, key: &str) {
        if let Ok(mut set) = self.started.lock() {
            set.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_round_trips_and_refuses_the_rest() {
        let index = Index {
            original: (6028, 3391),
            rungs: vec![(4262, 2398), (3014, 1696)],
        };
        assert_eq!(Index::parse(index.to_text().as_bytes()), Some(index));
        assert_eq!(Index::parse(b""), None);
        assert_eq!(Index::parse(b"12x\n"), None);
        assert_eq!(Index::parse(b"10x10\nnope\n"), None);
        assert_eq!(
            Index::parse(b"10x10\n"),
            Some(Index {
                original: (10, 10),
                rungs: vec![]
            })
        );
    }
}
