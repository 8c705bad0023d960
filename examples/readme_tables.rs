//! Prints the generated tables of `docs/workloads-and-metrics.md` (workloads, then metrics):
//! `cargo run -q --example readme_tables`.

fn main() {
    println!("{}", evacbench::readme::workloads());
    print!("{}", evacbench::readme::metrics());
}
