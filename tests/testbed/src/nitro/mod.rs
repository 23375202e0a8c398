//! placeholder until the NITRO emulator lands
pub fn cli_main(_args: &[String]) -> anyhow::Result<()> { anyhow::bail!("not built yet") }
