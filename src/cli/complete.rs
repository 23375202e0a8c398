//! Completion candidates for kubectl's plugin completion (`kubectl_complete-netscaler`), from
//! the same clap definition as everything else.

use clap::Command;

/// Candidates for the last word of `words` (the words after `kubectl netscaler`).
pub fn candidates(root: &Command, words: &[String]) -> Vec<String> {
    let (partial, done) = match words.split_last() {
        Some((last, rest)) => (last.as_str(), rest),
        None => ("", &[][..]),
    };
    // Walk down the subcommands named so far.
    let mut cmd = root;
    let mut prev_flag: Option<&clap::Arg> = None;
    for w in done {
        if let Some(arg) = prev_flag.take() {
            let _ = arg;
            continue;
        }
        if let Some(long) = w.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or(long);
            if !long.contains('=') {
                prev_flag = find_arg(root, cmd, name).filter(|a| a.get_action().takes_values());
            }
            continue;
        }
        if w.starts_with('-') {
            continue;
        }
        if let Some(sub) = cmd.find_subcommand(w) {
            cmd = sub;
        }
    }
    if let Some(arg) = prev_flag {
        return arg
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_string())
            .filter(|v| v.starts_with(partial))
            .collect();
    }
    if partial.starts_with('-') {
        let mut out: Vec<String> = all_args(root, cmd)
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .filter(|l| l.starts_with(partial))
            .collect();
        out.sort();
        out.dedup();
        return out;
    }
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(|s| s.get_name().to_string())
        .filter(|n| n.starts_with(partial))
        .collect()
}

fn all_args<'a>(root: &'a Command, cmd: &'a Command) -> impl Iterator<Item = &'a clap::Arg> {
    cmd.get_arguments()
        .chain(root.get_arguments().filter(|a| a.is_global_set()))
}

fn find_arg<'a>(root: &'a Command, cmd: &'a Command, long: &str) -> Option<&'a clap::Arg> {
    all_args(root, cmd).find(|a| a.get_long() == Some(long))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn subcommands_flags_and_values() {
        let root = crate::cli::command();
        assert_eq!(candidates(&root, &words(&["pl"])), ["plan"]);
        let flags = candidates(&root, &words(&["plan", "--clu"]));
        assert!(flags.contains(&"--cluster-file".to_string()), "{flags:?}");
        assert!(flags.contains(&"--cluster-cidr".to_string()), "{flags:?}");
        assert_eq!(
            candidates(&root, &words(&["plan", "-o", "ya"])).len(),
            0,
            "short flags are not followed"
        );
        assert_eq!(
            candidates(&root, &words(&["plan", "--output", "ya"])),
            ["yaml"]
        );
        assert_eq!(
            candidates(&root, &words(&["--mode", ""])),
            ["auto", "vxlan", "routes"]
        );
    }
}
