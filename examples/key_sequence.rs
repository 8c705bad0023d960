//! Prints the key/doom golden file that checks the Go port of the key bijection and the doom
//! rule (`scripts/go-reference`):
//! `cargo run -q --example key_sequence > scripts/go-reference/testdata/key_sequence.golden`.

fn main() {
    print!("{}", evacbench::key_sequence::golden());
}
