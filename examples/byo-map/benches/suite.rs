//! The evacbench suite with this crate's contender beside the built-in ones:
//! `EVACBENCH_PROFILE=tiny cargo bench` writes `target/evacbench/runs/<run>/` and the report
//! `target/evacbench/report/index.html`, where `byo-rwlock-btree` appears as kind `user`.
//! `cargo bench -- byo-rwlock-btree` measures it alone (a filter on the benchmark ids).

evacbench::bench_main!((evacbench::strategies::registry::BuiltIn, byo_map::Mine));
