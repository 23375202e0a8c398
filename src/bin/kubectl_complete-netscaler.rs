//! `kubectl_complete-netscaler`: the executable kubectl runs for plugin completion
//! (`kubectl netscaler <TAB>`). kubectl calls it with the words typed so far; it prints one
//! candidate per line, then `:<directive>` as cobra's `__complete` protocol expects.

fn main() {
    let words: Vec<String> = std::env::args().skip(1).collect();
    let cmd = kubectl_netscaler::cli::command();
    for c in kubectl_netscaler::cli::complete::candidates(&cmd, &words) {
        println!("{c}");
    }
    // 4 = ShellCompDirectiveNoFileComp.
    println!(":4");
}
