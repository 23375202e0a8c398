//! `kubectl_complete-netscaler`: the executable kubectl runs for plugin completion
//! (`kubectl netscaler <TAB>`). kubectl calls it with the words typed so far; it prints one
//! candidate per line, then `:<directive>` as cobra's `__complete` protocol expects (file names
//! left to the shell for file-valued flags).

use kubectl_netscaler::cli::complete::{EnvKubeconfig, complete};

fn main() {
    let words: Vec<String> = std::env::args().skip(1).collect();
    let cmd = kubectl_netscaler::cli::command();
    // A reader that went away (the shell gave up) is not worth a panic.
    let answer = complete(&cmd, &words, &EnvKubeconfig).to_cobra();
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), answer.as_bytes());
}
