//! Inputs the fuzzer (`scripts/fuzz.sh`) found crashing, kept as tests, and
//! a stable-toolchain smoke run of the same harness over mutated fixtures
//! (libFuzzer needs nightly; this needs nothing).

use mountguard::fuzz_harness::{FILE_SEPARATOR, run};

/// Fixture files, as the fuzzer's seeds.
fn seeds() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<_> = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "py"))
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    files.retain(|f| !f.is_empty());
    files
}

#[test]
fn fixtures_pass_the_harness() {
    for seed in seeds() {
        run(&seed);
    }
}

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&[u8]] = &[
    b"(",
    b")",
    b"[",
    b"]",
    b"{",
    b"}",
    b":",
    b"\n",
    b"\r",
    b"\r\n",
    b"\t",
    b"    ",
    b"\0",
    b"\xEF\xBB\xBF",
    b"'",
    b"\"\"\"",
    b"f'{",
    b"\\",
    b"#",
    b"# noqa: MG001",
    b"def ",
    b"class ",
    b"lambda ",
    b"try:\n",
    b"except Exception:\n",
    b"raise",
    b"self.",
    b"subprocess.call(",
    b"shell=True",
    b"utils.execute(",
    b"os.path.join(",
    b"open(",
    b"import os\n",
    b"from . import ",
    b"*",
    b"**",
    b"yield ",
    b"await ",
    b"\xc3\xa9",
    b"\xf0\x9f\x90\x8d",
    b"\xe2\x80\xa8",
    FILE_SEPARATOR,
];

/// One random edit: flip, insert a token, delete, duplicate or splice.
fn mutate(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) {
    let at = rng.below(data.len() + 1);
    match rng.below(6) {
        0 if !data.is_empty() => {
            let i = at.min(data.len() - 1);
            data[i] ^= 1 << rng.below(8);
        }
        1 | 2 => {
            let token = TOKENS[rng.below(TOKENS.len())];
            data.splice(at..at, token.iter().copied());
        }
        3 => {
            let end = (at + rng.below(64)).min(data.len());
            data.drain(at..end);
        }
        4 => {
            let end = (at + rng.below(256)).min(data.len());
            let copy = data[at..end].to_vec();
            let to = rng.below(data.len() + 1);
            data.splice(to..to, copy);
        }
        _ => {
            let from = rng.below(other.len() + 1);
            let end = (from + rng.below(512)).min(other.len());
            data.splice(at..at, other[from..end].iter().copied());
        }
    }
}

#[test]
fn mutated_fixtures_pass_the_harness() {
    let seeds = seeds();
    let rounds = std::env::var("MOUNTGUARD_SMOKE_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..rounds {
        let mut data = seeds[round % seeds.len()].clone();
        let other = &seeds[rng.below(seeds.len())];
        for _ in 0..1 + rng.below(8) {
            mutate(&mut rng, &mut data, other);
        }
        let result = std::panic::catch_unwind(|| run(&data));
        if result.is_err() {
            let path = std::env::temp_dir().join(format!("mountguard-smoke-crash-{round}.py"));
            std::fs::write(&path, &data).unwrap();
            panic!("round {round} crashed; input saved to {}", path.display());
        }
    }
}
