//! Seed → image index, identical to Lorem Picsum:
//! `rand.New(rand.NewSource(int64(murmur3.StringSum64(seed)))).Intn(n)`.
//!
//! Two exact ports: MurmurHash3 x64_128 (first half, seed 0) and Go's `math/rand` source
//! (Mitchell/Reeds additive lagged Fibonacci, 607 words, tap 273) with `Intn`'s modulo
//! rejection. Go 1 compatibility freezes that stream, so these never change.

use crate::rng_cooked::RNG_COOKED;

/// Index of the image a seed selects among `n` images (file order). `n` must be ≥ 1.
pub fn seed_index(seed: &str, n: usize) -> usize {
    #[expect(
        clippy::cast_possible_wrap,
        reason = "Go reinterprets the hash as int64"
    )]
    let seed = murmur3_h1(seed.as_bytes()) as i64;
    let n = i32::try_from(n).unwrap_or(i32::MAX).max(1);
    usize::try_from(GoRand::new(seed).int31n(n)).unwrap_or(0)
}

/// The first 64-bit half of MurmurHash3 x64_128 with seed 0 (twmb/murmur3 `StringSum64`).
pub fn murmur3_h1(data: &[u8]) -> u64 {
    const C1: u64 = 0x87c3_7b91_1142_53d5;
    const C2: u64 = 0x4cf5_ad43_2745_937f;
    let mix_k1 = |k: u64| k.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
    let mix_k2 = |k: u64| k.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1);
    let (mut h1, mut h2) = (0u64, 0u64);
    let mut blocks = data.chunks_exact(16);
    for block in &mut blocks {
        let (a, b) = block.split_at(8);
        h1 ^= mix_k1(le_u64(a));
        h1 = h1
            .rotate_left(27)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x52dc_e729);
        h2 ^= mix_k2(le_u64(b));
        h2 = h2
            .rotate_left(31)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x3849_5ab5);
    }
    let tail = blocks.remainder();
    if tail.len() > 8 {
        h2 ^= mix_k2(le_u64(tail.get(8..).unwrap_or_default()));
    }
    if !tail.is_empty() {
        h1 ^= mix_k1(le_u64(tail.get(..8.min(tail.len())).unwrap_or_default()));
    }
    let len = data.len() as u64;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1.wrapping_add(h2)
}

/// Little-endian value of up to 8 bytes.
fn le_u64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

pub(crate) fn fmix(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

const LEN: usize = 607;
const TAP: usize = 273;
const INT32_MAX: i64 = (1 << 31) - 1;

/// Go's `math/rand` `rngSource`, seeded lazily.
///
/// Go fills all 607 words at seeding time with 1,841 steps of `seedrand`, the Lehmer
/// generator `x ← 48271·x mod (2³¹−1)`. Step k from x₀ is therefore `x₀·48271^k mod
/// (2³¹−1)`, so any word can be computed on its own from a table of powers; a seed
/// selection reads only a few words, and computes only those.
pub struct GoRand {
    tap: usize,
    feed: usize,
    x0: u64,
    vec: [u64; LEN],
    known: [bool; LEN],
}

/// Lehmer modulus and multiplier of `seedrand`.
const M: u64 = (1 << 31) - 1;
const A: u64 = 48_271;
/// Steps of `seedrand` during seeding: 20 warm-up, then three per word.
const STEPS: usize = 20 + 3 * LEN;
/// `A^k mod M` for every step.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: a bad index fails the build"
)]
static POW: [u64; STEPS + 1] = {
    let mut table = [1u64; STEPS + 1];
    let mut k = 1;
    while k <= STEPS {
        table[k] = table[k - 1] * A % M;
        k += 1;
    }
    table
};

impl GoRand {
    /// `rand.NewSource(seed)`.
    pub fn new(seed: i64) -> Self {
        let mut s = seed % INT32_MAX; // Go's % truncates toward zero, like Rust's.
        if s < 0 {
            s += INT32_MAX;
        }
        if s == 0 {
            s = 89_482_311;
        }
        Self {
            tap: 0,
            feed: LEN - TAP,
            x0: u64::try_from(s).unwrap_or(89_482_311),
            vec: [0; LEN],
            known: [false; LEN],
        }
    }

    /// Word `i` as Go's seeding leaves it (steps `20 + 3i + 1..=3`, xor the cooked value).
    fn seeded(&self, i: usize) -> u64 {
        let step = |k: usize| self.x0 * POW.get(k).copied().unwrap_or(1) % M;
        let base = 20 + 3 * i;
        #[expect(clippy::cast_sign_loss, reason = "Go converts int64 to uint64 bitwise")]
        let cooked = RNG_COOKED.get(i).copied().unwrap_or_default() as u64;
        (step(base + 1) << 40) ^ (step(base + 2) << 20) ^ step(base + 3) ^ cooked
    }

    /// The current value of word `i`.
    fn word(&mut self, i: usize) -> u64 {
        if !self.known.get(i).copied().unwrap_or(true) {
            let v = self.seeded(i);
            if let (Some(slot), Some(known)) = (self.vec.get_mut(i), self.known.get_mut(i)) {
                *slot = v;
                *known = true;
            }
        }
        self.vec.get(i).copied().unwrap_or_default()
    }

    /// `Uint64()`.
    pub fn uint64(&mut self) -> u64 {
        self.tap = if self.tap == 0 { LEN - 1 } else { self.tap - 1 };
        self.feed = if self.feed == 0 {
            LEN - 1
        } else {
            self.feed - 1
        };
        let tap = self.word(self.tap);
        let sum = self.word(self.feed).wrapping_add(tap);
        if let Some(slot) = self.vec.get_mut(self.feed) {
            *slot = sum;
        }
        sum
    }

    /// `Int63()`.
    pub fn int63(&mut self) -> i64 {
        i64::try_from(self.uint64() & (u64::MAX >> 1)).unwrap_or(0)
    }

    /// `Int31()`.
    pub fn int31(&mut self) -> i32 {
        i32::try_from(self.int63() >> 32).unwrap_or(0)
    }

    /// `Int31n(n)` (what `Intn` uses for `n ≤ 2^31−1`): modulo rejection, not Lemire.
    pub fn int31n(&mut self, n: i32) -> i32 {
        if n <= 0 {
            return 0;
        }
        if n & (n - 1) == 0 {
            return self.int31() & (n - 1);
        }
        let max = i32::try_from(INT32_MAX - (1i64 << 31) % i64::from(n)).unwrap_or(i32::MAX);
        let mut v = self.int31();
        while v > max {
            v = self.int31();
        }
        v % n
    }
}

#[cfg(test)]
#[expect(
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    reason = "the oracle mirrors Go's code"
)]
mod tests {
    use super::*;

    #[test]
    fn murmur_vectors() {
        assert_eq!(murmur3_h1(b"hello"), 0xcbd8_a7b3_41bd_9b02);
        assert_eq!(
            murmur3_h1(b"The quick brown fox jumps over the lazy dog."),
            0xcd99_481f_9ee9_02c9
        );
        assert_eq!(murmur3_h1(b""), 0);
        let as_i64 = |s: &str| murmur3_h1(s.as_bytes()) as i64;
        assert_eq!(as_i64("1"), 8_213_365_047_359_667_313);
        assert_eq!(as_i64("0"), 3_083_240_331_115_144_064);
        assert_eq!(as_i64("picsum"), 2_119_076_403_249_433_094);
        assert_eq!(as_i64("hello"), -3_758_069_500_696_749_310);
    }

    /// Go's `seedrand`: `x[n+1] = 48271 * x[n] mod (2^31 - 1)`.
    fn seedrand(x: i32) -> i32 {
        const A: i32 = 48_271;
        const Q: i32 = 44_488;
        const R: i32 = 3_399;
        let hi = x / Q;
        let lo = x % Q;
        let mut x = A.wrapping_mul(lo).wrapping_sub(R.wrapping_mul(hi));
        if x < 0 {
            x = x.wrapping_add(i32::MAX);
        }
        x
    }

    /// Go's seeding as written: every word, in order (the oracle for the lazy one).
    fn eager_words(seed: i64) -> Vec<u64> {
        let mut x = i32::try_from(GoRand::new(seed).x0).unwrap();
        let mut vec = Vec::new();
        for i in -20..LEN as i64 {
            x = seedrand(x);
            if let Ok(i) = usize::try_from(i) {
                let mut u = (i64::from(x) as u64) << 40;
                x = seedrand(x);
                u ^= (i64::from(x) as u64) << 20;
                x = seedrand(x);
                u ^= i64::from(x) as u64;
                u ^= RNG_COOKED[i] as u64;
                vec.push(u);
            }
        }
        vec
    }

    #[test]
    fn lazy_seeding_equals_go_seeding() {
        for seed in [
            1,
            0,
            -7,
            89_482_311,
            i64::MAX,
            i64::MIN,
            2_119_076_403_249_433_094,
        ] {
            let eager = eager_words(seed);
            let lazy = GoRand::new(seed);
            for (i, want) in eager.iter().enumerate() {
                assert_eq!(lazy.seeded(i), *want, "seed {seed} word {i}");
            }
            // And the stream, through several wraps of the 607-word ring.
            let (mut vec, mut tap, mut feed) = (eager, 0usize, LEN - TAP);
            let mut lazy = GoRand::new(seed);
            for n in 0..2000 {
                tap = (tap + LEN - 1) % LEN;
                feed = (feed + LEN - 1) % LEN;
                vec[feed] = vec[feed].wrapping_add(vec[tap]);
                assert_eq!(lazy.uint64(), vec[feed], "seed {seed} output {n}");
            }
        }
    }

    #[test]
    fn go_rand_stream_for_seed_1() {
        let mut r = GoRand::new(1);
        assert_eq!(r.int63(), 5_577_006_791_947_779_410);
        assert_eq!(r.int63(), 8_674_665_223_082_153_551);
        assert_eq!(r.int63(), 6_129_484_611_666_145_821);
    }

    #[test]
    fn spec_seed_table() {
        for (seed, of2, of993) in [
            ("1", 1, 119),
            ("0", 0, 119),
            ("", 0, 981),
            ("picsum", 1, 855),
            ("hello", 1, 981),
        ] {
            assert_eq!(seed_index(seed, 2), of2, "{seed:?} of 2");
            assert_eq!(seed_index(seed, 993), of993, "{seed:?} of 993");
        }
        assert_eq!(GoRand::new(0).int31n(2), 0);
    }

    #[test]
    fn long_seeds_and_one_image() {
        let s = "a seed longer than sixteen bytes, with ünïcode";
        assert_eq!(seed_index(s, 1), 0);
        assert!(seed_index(s, 7) < 7);
    }
}
