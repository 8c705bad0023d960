//! Prints README's strategy table, generated from every contender's `Info`:
//! `cargo run -q -p strategies --example strategy_table`.

fn main() {
    print!("{}", strategies::registry::markdown_table());
}
