//! placeholder until the fake API server lands
pub fn cli_main(_args: &[String]) -> anyhow::Result<()> { anyhow::bail!("not built yet") }
