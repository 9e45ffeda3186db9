//! The noisy-neighbour drill's report in Markdown: the deployment and the load, the
//! victim's latency per phase, the attacker's answers by status, the image service's
//! memory and store, and the verdict with every reason it failed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::attacker::Kind;
use super::report::{P99_FLOOR, Report, mib, ms};

impl Report {
    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        self.settings(&mut out);
        self.victim_table(&mut out);
        self.attacker_table(&mut out);
        self.resources(&mut out);
        let failures = self.failures();
        if failures.is_empty() {
            out.push_str("\n**Verdict: PASS**\n");
        } else {
            let _ = writeln!(out, "\n**Verdict: FAIL**\n");
            for why in failures {
                let _ = writeln!(out, "- {why}");
            }
        }
        if let Some(died) = &self.died {
            let _ = writeln!(out, "\n```\n{died}```");
        }
        out
    }

    fn settings(&self, out: &mut String) {
        let opted: Vec<String> = self
            .opted_in
            .iter()
            .map(|(k, v)| {
                let v = if k.contains("KEY") { "(set)" } else { v };
                format!("`{k}={v}`")
            })
            .collect();
        let _ = writeln!(
            out,
            "Deployment: the API over `gallery/manifest.json`, one image service over a \
             throwaway copy of `gallery/photos`, release binaries with default settings \
             (ports, HMAC key and paths set){}.\n\n\
             Victim 127.0.0.3, {} workers: API `/{{w}}/{{h}}`, `/id/…`, `/seed/…` at 200x300 \
             to 1200x800, a sixth `?grayscale`, a sixth `?blur=2`, redirect followed, JPEG \
             decoded. Attacker 127.0.0.2: {} render workers (uncached 5000-wide WebP blur=10, \
             2500-wide AVIF, 5000-wide JPEG through the API), {} picfit `/get` writers, {} \
             slow-reader connections (picfit 5000-wide PNGs where picfit is on, else 5000-wide \
             JPEGs; 64 KiB every 10 s, 4 KiB SO_RCVBUF).\n\n\
             Unloaded phase s {:.0}-{:.0} (requests of the first {:.0} s are warm-up, not \
             counted), attack s {:.0}-{:.0}.\n",
            if opted.is_empty() {
                String::new()
            } else {
                format!("; opted in: {}", opted.join(", "))
            },
            self.victims,
            self.attackers.0,
            self.attackers.1,
            self.attackers.2,
            self.unloaded.0.as_secs_f64(),
            self.unloaded.1.as_secs_f64(),
            self.unloaded.0.as_secs_f64(),
            self.loaded.0.as_secs_f64(),
            self.loaded.1.as_secs_f64(),
        );
    }

    fn victim_table(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "| victim | requests | errors | p50 | p99 |\n|---|---|---|---|---|"
        );
        for (name, loaded) in [("unloaded", false), ("loaded", true)] {
            let phase = self.phase(loaded);
            let errors = phase.iter().filter(|s| s.error.is_some()).count();
            let (p50, p99) = self
                .victim(loaded)
                .map_or(("-".into(), "-".into()), |(a, b)| (ms(a), ms(b)));
            let _ = writeln!(
                out,
                "| {name} | {} | {errors} | {p50} | {p99} |",
                phase.len()
            );
        }
        let bound = self.bound().map_or("-".into(), ms);
        let errors: Vec<String> = self
            .victim_errors()
            .iter()
            .map(|(e, n)| format!("{e}: {n}"))
            .collect();
        let _ = writeln!(
            out,
            "\nLatencies are of successful requests only (a refusal is fast: errors are \
             counted apart). Loaded p99 bound: 2 x max(unloaded p99, {}) = {bound}. Victim \
             errors over the whole run: {}.\n",
            ms(P99_FLOOR),
            if errors.is_empty() {
                "none".to_owned()
            } else {
                errors.join(", ")
            }
        );
    }

    fn attacker_table(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "| attacker | sent | answers | 2xx | 429 | 503 | other | no answer | still waiting at the end |\n\
             |---|---|---|---|---|---|---|---|---|"
        );
        for (name, kind) in [
            ("renders", Some(Kind::Render)),
            ("/get writes", Some(Kind::Write)),
            ("slow readers", Some(Kind::Slow)),
            ("all", None),
        ] {
            let c = self.classes(kind);
            let sent = kind.map_or(self.sent.iter().sum(), |k| {
                self.sent.get(k as usize).copied().unwrap_or(0)
            });
            let answered = c.iter().sum::<usize>();
            let _ = writeln!(
                out,
                "| {name} | {sent} | {answered} | {} | {} | {} | {} | {} | {} |",
                c[0],
                c[1],
                c[2],
                c[3],
                c[4],
                sent.saturating_sub(answered as u64),
            );
        }
        let mut others: BTreeMap<u16, usize> = BTreeMap::new();
        for a in self
            .answers
            .iter()
            .filter(|a| !(200..300).contains(&a.status))
        {
            *others.entry(a.status).or_insert(0) += 1;
        }
        let others: Vec<String> = others.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        let (refused, without) = self.refusals();
        let _ = writeln!(
            out,
            "\nNon-2xx by status (0: no answer, or cut when the attack stopped): {}. \
             429/503 with Retry-After: {} of {refused}.\n\
             Slow readers: {} answers opened, {} read whole, {} cut by the service, {} read.\n",
            if others.is_empty() {
                "none".to_owned()
            } else {
                others.join(", ")
            },
            refused - without,
            self.trickle.0,
            self.trickle.1,
            self.trickle.2,
            mib(self.trickle.3),
        );
    }

    fn resources(&self, out: &mut String) {
        let (grew, files) = self.growth();
        let _ = writeln!(
            out,
            "| image service | figure |\n|---|---|\n\
             | peak RSS (VmHWM) | {} |\n| peak RSS (sampled every 200 ms) | {} |\n\
             | peak held bytes (`picsum_memory_held_bytes`, every 1 s) | {} |\n\
             | store growth during the attack (+3 s) | {} bytes ({}), {files} files |\n\
             | attacker write quota | {} |",
            mib(self.rss.0),
            mib(self.rss.1),
            mib(self.held),
            grew,
            mib(grew),
            mib(self.quota),
        );
    }
}
