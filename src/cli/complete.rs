//! Completion candidates for kubectl's plugin completion (`kubectl_complete-netscaler`), from
//! the same clap definition as everything else.

use clap::Command;

/// Candidates for the last word of `words` (the words after `kubectl netscaler`).
pub fn candidates(root: &Command, words: &[String]) -> Vec<String> {
    let (partial, done) = match words.split_last() {
        Some((last, rest)) => (last.as_str(), rest),
        None => ("", &[][..]),
    };
    // Walk down the subcommands named so far, skipping flags and the values they take.
    let mut cmd = root;
    let mut value_of: Option<&clap::Arg> = None;
    let mut only_positionals = false;
    for w in done {
        if value_of.take().is_some() {
            continue;
        }
        if only_positionals || w == "-" || !w.starts_with('-') {
            if let Some(sub) = cmd.find_subcommand(w) {
                cmd = sub;
            }
            continue;
        }
        if w == "--" {
            only_positionals = true;
        } else if let Some(long) = w.strip_prefix("--") {
            if !long.contains('=') {
                value_of = find_long(root, cmd, long).filter(|a| takes_value(a));
            }
        } else {
            value_of = short_cluster_awaiting_value(root, cmd, &w[1..]);
        }
    }
    if let Some(arg) = value_of {
        return values(arg, partial, "");
    }
    if !only_positionals {
        if let Some((flag, value)) = partial.strip_prefix("--").and_then(|l| l.split_once('=')) {
            return find_long(root, cmd, flag)
                .filter(|a| takes_value(a))
                .map(|a| values(a, value, &format!("--{flag}=")))
                .unwrap_or_default();
        }
        if partial.starts_with('-') {
            let mut out: Vec<String> = all_args(root, cmd)
                .filter(|a| !a.is_hide_set())
                .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
                .filter(|l| l.starts_with(partial))
                .collect();
            out.sort();
            out.dedup();
            return out;
        }
    }
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(|s| s.get_name().to_string())
        .filter(|n| n.starts_with(partial))
        .collect()
}

/// For a cluster of short flags (`o`, `vo`, `oyaml`, `o=yaml`, without the leading `-`): the
/// flag whose value is the next word, if the cluster ends with a flag that takes a value.
fn short_cluster_awaiting_value<'a>(
    root: &'a Command,
    cmd: &'a Command,
    cluster: &str,
) -> Option<&'a clap::Arg> {
    let mut chars = cluster.chars();
    while let Some(c) = chars.next() {
        let arg = all_args(root, cmd).find(|a| a.get_short() == Some(c))?;
        if takes_value(arg) {
            // The rest of the cluster, if any, is the value.
            return chars.as_str().is_empty().then_some(arg);
        }
    }
    None
}

fn takes_value(arg: &clap::Arg) -> bool {
    arg.get_action().takes_values()
}

/// The possible values of `arg` starting with `partial`, each prefixed with `prefix`.
fn values(arg: &clap::Arg, partial: &str, prefix: &str) -> Vec<String> {
    arg.get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name())
        .filter(|v| v.starts_with(partial))
        .map(|v| format!("{prefix}{v}"))
        .collect()
}

fn all_args<'a>(root: &'a Command, cmd: &'a Command) -> impl Iterator<Item = &'a clap::Arg> {
    cmd.get_arguments()
        .chain(root.get_arguments().filter(|a| a.is_global_set()))
}

fn find_long<'a>(root: &'a Command, cmd: &'a Command, long: &str) -> Option<&'a clap::Arg> {
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
        assert_eq!(candidates(&root, &words(&["plan", "-o", "ya"])), ["yaml"]);
        assert_eq!(candidates(&root, &words(&["plan", "-vo", "ya"])), ["yaml"]);
        // A short flag's value is skipped, whether separate or attached.
        assert_eq!(candidates(&root, &words(&["-n", "apply", "pl"])), ["plan"]);
        assert_eq!(
            candidates(&root, &words(&["-nx", "plan", "-o", "ya"])),
            ["yaml"]
        );
        assert_eq!(
            candidates(&root, &words(&["plan", "-ojson", "-"])),
            candidates(&root, &words(&["plan", "-"])),
        );
        assert_eq!(
            candidates(&root, &words(&["plan", "--output=ya"])),
            ["--output=yaml"]
        );
        assert!(candidates(&root, &words(&["plan", "--out", ""])).is_empty());
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
